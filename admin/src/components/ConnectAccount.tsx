import { Box, Button, Flex, Typography } from '@strapi/design-system';
import type { OAuthSection } from '../../../shared/contracts/oauth';
import { useMsg } from '../hooks/useMsg';
import { useOAuthConnection } from '../hooks/useOAuthConnection';
import { DismissibleAlert } from './DismissibleAlert';

interface ConnectAccountProps {
  kind: OAuthSection;
  /** the grant chosen in the form, maybe not saved yet */
  grant: string;
  /** the admin may change the settings (Connect and Disconnect need it) */
  canUpdate: boolean;
}

/**
 * The OAuth2 state of a section: for the authorization code grant the connected account with
 * Connect / Disconnect and the redirect URI to register; for every grant the last renewal of
 * the token and the warnings of the background check.
 */
export const ConnectAccount = ({ kind, grant, canUpdate }: ConnectAccountProps) => {
  const { msg, date: when } = useMsg();
  const { status, redirectUri, outcome, connect, disconnect } = useOAuthConnection(kind);
  const delegated = grant === 'authorization_code';
  // Connect uses the saved settings: a grant changed in the form must be saved first.
  const saved = status?.enabled && status.grant === 'authorization_code';
  const connection = status?.connection ?? null;
  const busy = connect.isPending || disconnect.isPending;
  const warningTitles = {
    EOAUTH2: msg('Settings.oauth2.warning.renewal', 'The access token cannot be renewed'),
    ESTALE: msg('Settings.oauth2.warning.idle', 'The connected account has been idle for long'),
    EACCOUNT: msg('Settings.oauth2.warning.account', 'The user name is not the connected account'),
  };

  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      {outcome?.result === 'connected' ? (
        <DismissibleAlert
          variant="success"
          title={msg('Settings.oauth2.connect.done', 'Account connected')}
        >
          {connection?.account ?? ''}
        </DismissibleAlert>
      ) : null}
      {outcome?.result === 'failed' ? (
        <DismissibleAlert
          variant="danger"
          title={msg(
            'Settings.oauth2.connect.failed',
            'The account could not be connected ({code})',
            { code: outcome.code ?? 'EOAUTH2' }
          )}
        >
          {[status?.lastError?.diagnosis, status?.lastError?.fix].filter(Boolean).join(' ')}
        </DismissibleAlert>
      ) : null}
      {(status?.warnings ?? []).map((warning) => (
        <DismissibleAlert
          key={warning.code}
          variant={warning.code === 'EOAUTH2' ? 'danger' : 'warning'}
          title={warningTitles[warning.code]}
        >
          {[warning.message, warning.fix].filter(Boolean).join(' ')}
        </DismissibleAlert>
      ))}

      {delegated ? (
        <Box background="neutral0" borderColor="neutral200" hasRadius padding={4}>
          <Flex direction="column" alignItems="stretch" gap={3}>
            <Typography variant="delta" tag="h3">
              {msg('Settings.oauth2.connect.title', 'Connected account')}
            </Typography>
            <Typography textColor="neutral700">
              {connection
                ? msg(
                    'Settings.oauth2.connect.account',
                    'Connected as {account} since {since}; token last renewed {renewed}.',
                    {
                      account: connection.account,
                      since: when(connection.connectedAt),
                      renewed: when(connection.lastRenewedAt),
                    }
                  )
                : msg(
                    'Settings.oauth2.connect.none',
                    'No account is connected. Strapi cannot send or read mail with this section until one is.'
                  )}
            </Typography>
            <Flex gap={2} wrap="wrap">
              <Button
                variant={connection ? 'secondary' : 'default'}
                loading={connect.isPending}
                disabled={!canUpdate || !saved || busy}
                onClick={() => connect.mutate()}
              >
                {connection
                  ? msg('Settings.oauth2.connect.again', 'Connect another account')
                  : msg('Settings.oauth2.connect.button', 'Connect account')}
              </Button>
              {connection ? (
                <Button
                  variant="danger-light"
                  loading={disconnect.isPending}
                  disabled={!canUpdate || busy}
                  onClick={() => disconnect.mutate()}
                >
                  {msg('Settings.oauth2.disconnect.button', 'Disconnect')}
                </Button>
              ) : null}
            </Flex>
            {!saved ? (
              <Typography variant="pi" textColor="neutral600">
                {msg(
                  'Settings.oauth2.connect.saveFirst',
                  'Save the settings with this grant first; the sign-in uses the saved app registration.'
                )}
              </Typography>
            ) : null}
            {connect.error ? (
              <Typography variant="pi" textColor="danger600" role="alert">
                {(connect.error as Error).message}
              </Typography>
            ) : null}
            {redirectUri ? (
              <Typography variant="pi" textColor="neutral600">
                {msg(
                  'Settings.oauth2.connect.redirectUri',
                  'Register this redirect URI in the app registration (Authentication → Web): {uri}',
                  { uri: redirectUri }
                )}
              </Typography>
            ) : null}
          </Flex>
        </Box>
      ) : null}

      {!delegated && status?.token?.lastRenewedAt ? (
        <Typography variant="pi" textColor="neutral600">
          {msg(
            'Settings.oauth2.token.renewed',
            'Access token last renewed {renewed}, valid until {until}.',
            { renewed: when(status.token.lastRenewedAt), until: when(status.token.expiresAt) }
          )}
        </Typography>
      ) : null}
    </Flex>
  );
};
