import * as React from 'react';
import { Alert, Link } from '@strapi/design-system';
import { isMicrosoftHost, MICROSOFT_BASIC_AUTH_DOC } from '../utils/microsoft';
import { useMsg } from '../hooks/useMsg';

interface Microsoft365WarningProps {
  host: string;
  oauth2Enabled: boolean;
}

/** Shown while a Microsoft 365 host is used with a password instead of OAuth2. */
export const Microsoft365Warning = ({ host, oauth2Enabled }: Microsoft365WarningProps) => {
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
        <Link href={MICROSOFT_BASIC_AUTH_DOC} isExternal>
          {msg('Settings.microsoft.link', 'Microsoft: basic authentication deprecation')}
        </Link>
      }
    >
      {msg(
        'Settings.microsoft.body',
        '{host} is Microsoft 365 (Exchange Online). Microsoft is disabling basic authentication (username and password) for SMTP and IMAP, so this login will stop working. Check "Use OAuth2" below and fill in the app registration.',
        { host }
      )}
    </Alert>
  );
};
