import { Accordion, Box, Flex, Grid, Link, Typography } from '@strapi/design-system';
import {
  cloudHosts,
  DEFAULT_AUTHORITY_HOST,
  type MicrosoftCloud,
} from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { MICROSOFT_OAUTH_DOC } from '../utils/microsoft';
import { ConnectAccount } from './ConnectAccount';
import { CheckboxField } from './CheckboxField';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';
import { useMsg } from '../hooks/useMsg';

/** The "OAuth2 setup" checkbox of a section and, when checked, the app registration fields. */
export const OAuth2Fields = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
  const enabled = useFormField<boolean>(`${kind}.oauth2.enabled`);
  const grant = useFormField<string>(`${kind}.oauth2.grant`);
  const cloud = useFormField<MicrosoftCloud>(`${kind}.oauth2.cloud`);
  const authorityHost = useFormField<string>(`${kind}.oauth2.authorityHost`);
  const credential = useFormField<string>(`${kind}.oauth2.credential`);
  const thumbprint = useFormField<string | null>(`${kind}.oauth2.certificateThumbprint`);
  const credentials = [
    {
      value: 'certificate',
      label: msg(
        'Settings.oauth2.credential.certificate',
        'Certificate (recommended by Microsoft)'
      ),
    },
    { value: 'secret', label: msg('Settings.oauth2.credential.secret', 'Client secret') },
  ];
  const appOnly = grant.value === 'client_credentials';
  // App-only tokens carry application permissions; delegated ones the signed-in user's.
  const permission = appOnly
    ? kind === 'smtp'
      ? 'SMTP.SendAsApp'
      : 'IMAP.AccessAsApp'
    : kind === 'smtp'
      ? 'SMTP.Send'
      : 'IMAP.AccessAsUser.All';
  const hosts = cloudHosts({
    cloud: cloud.value ?? 'global',
    authorityHost: authorityHost.value ?? '',
  });
  const clouds = [
    { value: 'global', label: msg('Settings.oauth2.cloud.global', 'Global (Microsoft 365)') },
    {
      value: 'usgov',
      label: msg('Settings.oauth2.cloud.usgov', 'US Government (GCC High)'),
    },
    { value: 'usgovdod', label: msg('Settings.oauth2.cloud.usgovdod', 'US Government (DoD)') },
    { value: 'china', label: msg('Settings.oauth2.cloud.china', 'China (operated by 21Vianet)') },
  ];

  const grants = [
    {
      value: 'client_credentials',
      label: msg(
        'Settings.oauth2.grant.client_credentials',
        'Client credentials (app-only, recommended)'
      ),
    },
    {
      value: 'authorization_code',
      label: msg(
        'Settings.oauth2.grant.authorization_code',
        'Authorization code (delegated, a connected account)'
      ),
    },
    {
      value: 'password',
      label: msg('Settings.oauth2.grant.password', 'Username and password (delegated, legacy)'),
    },
  ];

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <CheckboxField
        path={`${kind}.oauth2.enabled`}
        label={msg(
          'Settings.oauth2.enabled.label',
          'Use OAuth2 (Microsoft 365 modern authentication)'
        )}
        hint={msg(
          'Settings.oauth2.enabled.hint',
          'Sign in with an access token from Microsoft Entra ID instead of a password.'
        )}
      />
      {enabled.value ? (
        <Box background="neutral100" hasRadius padding={5}>
          <Flex direction="column" alignItems="stretch" gap={5}>
            <Flex direction="column" alignItems="flex-start" gap={2}>
              <Typography variant="omega" textColor="neutral700">
                {appOnly
                  ? msg(
                      'Settings.oauth2.help',
                      'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; create a client secret under Certificates & secrets. Under API permissions, add Office 365 Exchange Online → {permission} (application permission), then click Grant admin consent. Exchange also needs the app registered as a service principal with access to the mailbox.',
                      { permission }
                    )
                  : msg(
                      'Settings.oauth2.help.delegated',
                      'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; create a client secret under Certificates & secrets. Under API permissions, add Office 365 Exchange Online → {permission} and offline_access (delegated permissions), and grant consent. The token acts as the signed-in user, who must own the mailbox or have Full Access to it.',
                      { permission }
                    )}
              </Typography>
              <Link href={MICROSOFT_OAUTH_DOC} isExternal>
                {msg(
                  'Settings.oauth2.help.link',
                  'Microsoft guide: authenticate IMAP and SMTP with OAuth'
                )}
              </Link>
            </Flex>
            <Grid.Root gap={5}>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <TextField
                  path={`${kind}.oauth2.tenantId`}
                  label={msg('Settings.oauth2.tenantId.label', 'Tenant ID')}
                  placeholder="00000000-0000-0000-0000-000000000000"
                  hint={msg(
                    'Settings.oauth2.tenantId.hint',
                    'Directory (tenant) ID, on the Overview page of the app registration.'
                  )}
                />
              </Grid.Item>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <TextField
                  path={`${kind}.oauth2.clientId`}
                  label={msg('Settings.oauth2.clientId.label', 'Client ID')}
                  placeholder="00000000-0000-0000-0000-000000000000"
                  hint={msg(
                    'Settings.oauth2.clientId.hint',
                    'Application (client) ID, on the same Overview page.'
                  )}
                />
              </Grid.Item>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <SelectField
                  path={`${kind}.oauth2.cloud`}
                  label={msg('Settings.oauth2.cloud.label', 'Microsoft cloud')}
                  options={clouds}
                  hint={msg(
                    'Settings.oauth2.cloud.hint',
                    'Signs in at {authority}; tokens for {outlook}.',
                    { authority: hosts.authority, outlook: hosts.outlook }
                  )}
                />
              </Grid.Item>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <SelectField
                  path={`${kind}.oauth2.credential`}
                  label={msg('Settings.oauth2.credential.label', 'Credential')}
                  options={credentials}
                  hint={msg(
                    'Settings.oauth2.credential.hint',
                    'How Strapi proves to Microsoft Entra ID that it is this app.'
                  )}
                />
              </Grid.Item>
              {credential.value === 'certificate' ? (
                <Grid.Item col={12} direction="column" alignItems="stretch">
                  <SecretField
                    path={`${kind}.oauth2.clientCertificate`}
                    label={msg(
                      'Settings.oauth2.clientCertificate.label',
                      'Certificate and private key'
                    )}
                    multiline
                    setText={
                      thumbprint.value
                        ? msg(
                            'Settings.oauth2.clientCertificate.set',
                            'Set: SHA-256 thumbprint {thumbprint}',
                            {
                              thumbprint: thumbprint.value,
                            }
                          )
                        : undefined
                    }
                    hint={msg(
                      'Settings.oauth2.clientCertificate.hint',
                      'Paste the private key (BEGIN PRIVATE KEY) and its certificate (BEGIN CERTIFICATE) in PEM form. Upload the certificate alone under Certificates & secrets → Certificates. The key is stored encrypted and never shown again.'
                    )}
                  />
                </Grid.Item>
              ) : (
                <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                  <SecretField
                    path={`${kind}.oauth2.clientSecret`}
                    label={msg('Settings.oauth2.clientSecret.label', 'Client secret')}
                    hint={msg(
                      'Settings.oauth2.clientSecret.hint',
                      'The Value of a secret from Certificates & secrets (not its Secret ID).'
                    )}
                  />
                </Grid.Item>
              )}
            </Grid.Root>
            <Accordion.Root>
              <Accordion.Item value="advanced">
                <Accordion.Header>
                  <Accordion.Trigger>
                    {msg('Settings.oauth2.advanced', 'Advanced')}
                  </Accordion.Trigger>
                </Accordion.Header>
                <Accordion.Content>
                  <Box padding={5}>
                    <Grid.Root gap={5}>
                      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                        <SelectField
                          path={`${kind}.oauth2.grant`}
                          label={msg('Settings.oauth2.grant.label', 'Grant')}
                          options={grants}
                          hint={msg(
                            'Settings.oauth2.grant.hint',
                            'How Strapi obtains its access token.'
                          )}
                        />
                      </Grid.Item>
                      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                        <TextField
                          path={`${kind}.oauth2.authorityHost`}
                          label={msg('Settings.oauth2.authorityHost.label', 'Authority host')}
                          placeholder={DEFAULT_AUTHORITY_HOST}
                          hint={msg(
                            'Settings.oauth2.authorityHost.hint',
                            'Follows the cloud; another host only for a proxy or a test platform.'
                          )}
                        />
                      </Grid.Item>
                    </Grid.Root>
                  </Box>
                </Accordion.Content>
              </Accordion.Item>
            </Accordion.Root>
            <ConnectAccount kind={kind} grant={grant.value} canUpdate={!grant.readOnly} />
          </Flex>
        </Box>
      ) : null}
    </Flex>
  );
};
