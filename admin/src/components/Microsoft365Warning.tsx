import * as React from 'react';
import { Alert, Link } from '@strapi/design-system';
import {
  isMicrosoftHost,
  MICROSOFT_BASIC_AUTH_DOC,
  MICROSOFT_SMTP_AUTH_TIMELINE,
} from '../utils/microsoft';
import { useMsg } from '../hooks/useMsg';

interface Microsoft365WarningProps {
  kind: 'smtp' | 'imap';
  host: string;
  oauth2Enabled: boolean;
}

/** Shown while a Microsoft 365 host is used with a password instead of OAuth2. */
export const Microsoft365Warning = ({ kind, host, oauth2Enabled }: Microsoft365WarningProps) => {
  const { msg } = useMsg();
  // Closing it hides it for this host only: typing another Microsoft host shows it again.
  const [dismissedFor, setDismissedFor] = React.useState<string | null>(null);
  if (oauth2Enabled || !isMicrosoftHost(host) || dismissedFor === host) return null;
  return (
    <Alert
      variant="warning"
      onClose={() => setDismissedFor(host)}
      closeLabel={msg('Settings.close', 'Close')}
      title={msg('Settings.microsoft.title', 'Microsoft 365 needs OAuth2')}
      action={
        kind === 'smtp' ? (
          <Link href={MICROSOFT_SMTP_AUTH_TIMELINE} isExternal>
            {msg('Settings.microsoft.link.smtp', 'Microsoft: the SMTP AUTH timeline')}
          </Link>
        ) : (
          <Link href={MICROSOFT_BASIC_AUTH_DOC} isExternal>
            {msg('Settings.microsoft.link', 'Microsoft: basic authentication deprecation')}
          </Link>
        )
      }
    >
      {kind === 'imap'
        ? msg(
            'Settings.microsoft.body.imap',
            '{host} is Microsoft 365 (Exchange Online), where a username and password (basic authentication) for IMAP has been turned off since October 2022: this login cannot work. Check "Use OAuth2" below and fill in the app registration.',
            { host }
          )
        : msg(
            'Settings.microsoft.body.smtp',
            '{host} is Microsoft 365 (Exchange Online). A username and password (basic authentication) for SMTP AUTH is turned off by default from the end of December 2026; admins can turn it back on until the final removal, whose date Microsoft announces in the second half of 2027. Check "Use OAuth2" below and fill in the app registration.',
            { host }
          )}
    </Alert>
  );
};
