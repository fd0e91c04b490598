/** Microsoft's pages the settings page links to; the host check is shared with the server. */
export { isMicrosoftHost } from '../../../shared/contracts/settings';

export const MICROSOFT_OAUTH_DOC =
  'https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth';

/** The Exchange team's timeline for Basic auth in SMTP AUTH (January 2026). */
export const MICROSOFT_SMTP_AUTH_TIMELINE =
  'https://techcommunity.microsoft.com/blog/exchange/updated-exchange-online-smtp-auth-basic-authentication-deprecation-timeline/4489835';

export const MICROSOFT_BASIC_AUTH_DOC =
  'https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online';

/** Mail in Microsoft Graph: sending, reading, folders, permissions. */
export const MICROSOFT_GRAPH_MAIL_DOC =
  'https://learn.microsoft.com/en-us/graph/outlook-mail-concept-overview';
