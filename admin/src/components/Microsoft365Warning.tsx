import * as React from 'react';
import { Alert, Link } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';
import { isMicrosoftHost, MICROSOFT_BASIC_AUTH_DOC } from '../utils/microsoft';

interface Microsoft365WarningProps {
  host: string;
  oauth2Enabled: boolean;
}

/** Shown while a Microsoft 365 host is used with a password instead of OAuth2. */
export const Microsoft365Warning = ({ host, oauth2Enabled }: Microsoft365WarningProps) => {
  const { formatMessage } = useIntl();
  // Closing it hides it for this host only: typing another Microsoft host shows it again.
  const [dismissedFor, setDismissedFor] = React.useState<string | null>(null);
  if (oauth2Enabled || !isMicrosoftHost(host) || dismissedFor === host) return null;
  return (
    <Alert
      variant="warning"
      onClose={() => setDismissedFor(host)}
      closeLabel={formatMessage({ id: getTranslation('Settings.close'), defaultMessage: 'Close' })}
      title={formatMessage({
        id: getTranslation('Settings.microsoft.title'),
        defaultMessage: 'Microsoft 365 needs OAuth2',
      })}
      action={
        <Link href={MICROSOFT_BASIC_AUTH_DOC} isExternal>
          {formatMessage({
            id: getTranslation('Settings.microsoft.link'),
            defaultMessage: 'Microsoft: basic authentication deprecation',
          })}
        </Link>
      }
    >
      {formatMessage(
        {
          id: getTranslation('Settings.microsoft.body'),
          defaultMessage:
            '{host} is Microsoft 365 (Exchange Online). Microsoft is disabling basic authentication (username and password) for SMTP and IMAP, so this login will stop working. Check "Use OAuth2" below and fill in the app registration.',
        },
        { host }
      )}
    </Alert>
  );
};
