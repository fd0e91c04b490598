import { Accordion, Box, Flex, Grid, Link, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { DEFAULT_AUTHORITY_HOST } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { getTranslation } from '../utils/getTranslation';
import { MICROSOFT_OAUTH_DOC } from '../utils/microsoft';
import { ConnectAccount } from './ConnectAccount';
import { CheckboxField } from './CheckboxField';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';

/** The "OAuth2 setup" checkbox of a section and, when checked, the app registration fields. */
export const OAuth2Fields = ({ kind }: { kind: SectionKind }) => {
  const { formatMessage } = useIntl();
  const enabled = useFormField<boolean>(`${kind}.oauth2.enabled`);
  const grant = useFormField<string>(`${kind}.oauth2.grant`);
  const permission = kind === 'smtp' ? 'SMTP.SendAsApp' : 'IMAP.AccessAsApp';

  const grants = [
    {
      value: 'client_credentials',
      label: formatMessage({
        id: getTranslation('Settings.oauth2.grant.client_credentials'),
        defaultMessage: 'Client credentials (app-only, recommended)',
      }),
    },
    {
      value: 'authorization_code',
      label: formatMessage({
        id: getTranslation('Settings.oauth2.grant.authorization_code'),
        defaultMessage: 'Authorization code (delegated, a connected account)',
      }),
    },
    {
      value: 'password',
      label: formatMessage({
        id: getTranslation('Settings.oauth2.grant.password'),
        defaultMessage: 'Username and password (delegated, legacy)',
      }),
    },
  ];

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <CheckboxField
        path={`${kind}.oauth2.enabled`}
        label={formatMessage({
          id: getTranslation('Settings.oauth2.enabled.label'),
          defaultMessage: 'Use OAuth2 (Microsoft 365 modern authentication)',
        })}
        hint={formatMessage({
          id: getTranslation('Settings.oauth2.enabled.hint'),
          defaultMessage:
            'Sign in with an access token from Microsoft Entra ID instead of a password.',
        })}
      />
      {enabled.value ? (
        <Box background="neutral100" hasRadius padding={5}>
          <Flex direction="column" alignItems="stretch" gap={5}>
            <Flex direction="column" alignItems="flex-start" gap={2}>
              <Typography variant="omega" textColor="neutral700">
                {formatMessage(
                  {
                    id: getTranslation('Settings.oauth2.help'),
                    defaultMessage:
                      'In the Azure portal, open Microsoft Entra ID → App registrations and register an app (or open yours). Its Overview page shows the Directory (tenant) ID and the Application (client) ID; create a client secret under Certificates & secrets. Under API permissions, add Office 365 Exchange Online → {permission} (application permission), then click Grant admin consent. Exchange also needs the app registered as a service principal with access to the mailbox.',
                  },
                  { permission }
                )}
              </Typography>
              <Link href={MICROSOFT_OAUTH_DOC} isExternal>
                {formatMessage({
                  id: getTranslation('Settings.oauth2.help.link'),
                  defaultMessage: 'Microsoft guide: authenticate IMAP and SMTP with OAuth',
                })}
              </Link>
            </Flex>
            <Grid.Root gap={5}>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <TextField
                  path={`${kind}.oauth2.tenantId`}
                  label={formatMessage({
                    id: getTranslation('Settings.oauth2.tenantId.label'),
                    defaultMessage: 'Tenant ID',
                  })}
                  placeholder="00000000-0000-0000-0000-000000000000"
                  hint={formatMessage({
                    id: getTranslation('Settings.oauth2.tenantId.hint'),
                    defaultMessage:
                      'Directory (tenant) ID, on the Overview page of the app registration.',
                  })}
                />
              </Grid.Item>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <TextField
                  path={`${kind}.oauth2.clientId`}
                  label={formatMessage({
                    id: getTranslation('Settings.oauth2.clientId.label'),
                    defaultMessage: 'Client ID',
                  })}
                  placeholder="00000000-0000-0000-0000-000000000000"
                  hint={formatMessage({
                    id: getTranslation('Settings.oauth2.clientId.hint'),
                    defaultMessage: 'Application (client) ID, on the same Overview page.',
                  })}
                />
              </Grid.Item>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <SecretField
                  path={`${kind}.oauth2.clientSecret`}
                  label={formatMessage({
                    id: getTranslation('Settings.oauth2.clientSecret.label'),
                    defaultMessage: 'Client secret',
                  })}
                  hint={formatMessage({
                    id: getTranslation('Settings.oauth2.clientSecret.hint'),
                    defaultMessage:
                      'The Value of a secret from Certificates & secrets (not its Secret ID).',
                  })}
                />
              </Grid.Item>
            </Grid.Root>
            <Accordion.Root>
              <Accordion.Item value="advanced">
                <Accordion.Header>
                  <Accordion.Trigger>
                    {formatMessage({
                      id: getTranslation('Settings.oauth2.advanced'),
                      defaultMessage: 'Advanced',
                    })}
                  </Accordion.Trigger>
                </Accordion.Header>
                <Accordion.Content>
                  <Box padding={5}>
                    <Grid.Root gap={5}>
                      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                        <SelectField
                          path={`${kind}.oauth2.grant`}
                          label={formatMessage({
                            id: getTranslation('Settings.oauth2.grant.label'),
                            defaultMessage: 'Grant',
                          })}
                          options={grants}
                          hint={formatMessage({
                            id: getTranslation('Settings.oauth2.grant.hint'),
                            defaultMessage: 'How Strapi obtains its access token.',
                          })}
                        />
                      </Grid.Item>
                      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                        <TextField
                          path={`${kind}.oauth2.authorityHost`}
                          label={formatMessage({
                            id: getTranslation('Settings.oauth2.authorityHost.label'),
                            defaultMessage: 'Authority host',
                          })}
                          placeholder={DEFAULT_AUTHORITY_HOST}
                          hint={formatMessage(
                            {
                              id: getTranslation('Settings.oauth2.authorityHost.hint'),
                              defaultMessage: '{host} unless your tenant is in a national cloud.',
                            },
                            { host: DEFAULT_AUTHORITY_HOST }
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
