/**
 * Exchange Online endpoints (smtp.office365.com, outlook.office365.com, smtp-mail.outlook.com…),
 * where basic authentication is being switched off and OAuth2 is needed.
 */
const MICROSOFT_HOST = /(^|\.)(office365\.com|outlook\.com|office\.com)\.?$/i;

export const isMicrosoftHost = (host: string) => MICROSOFT_HOST.test(host.trim());

export const MICROSOFT_OAUTH_DOC =
  'https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth';

export const MICROSOFT_BASIC_AUTH_DOC =
  'https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/deprecation-of-basic-authentication-exchange-online';
