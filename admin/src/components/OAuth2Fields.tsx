import { Box, Flex, Grid } from '@strapi/design-system';
import { cloudHosts, type MicrosoftCloud } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { ConnectAccount } from './ConnectAccount';
import { CheckboxField } from './CheckboxField';
import { AppRegistrationHelp } from './AppRegistrationHelp';
import { CredentialFields } from './CredentialFields';
import { OAuth2Advanced } from './OAuth2Advanced';
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
            <AppRegistrationHelp kind={kind} grant={grant.value} />
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
              <CredentialFields kind={kind} />
            </Grid.Root>
            <OAuth2Advanced kind={kind} />
            <ConnectAccount kind={kind} grant={grant.value} canUpdate={!grant.readOnly} />
          </Flex>
        </Box>
      ) : null}
    </Flex>
  );
};
