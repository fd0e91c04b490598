import * as React from 'react';
import { Box, Flex, Grid } from '@strapi/design-system';
import {
  cloudHosts,
  DEFAULT_AUTHORITY_HOST,
  MICROSOFT_CLOUDS,
  type MicrosoftCloud,
} from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { ConnectAccount } from './ConnectAccount';
import { CheckboxField } from './CheckboxField';
import { AppRegistrationHelp } from './AppRegistrationHelp';
import { CredentialFields } from './CredentialFields';
import { HostField } from './HostField';
import { OAuth2Advanced } from './OAuth2Advanced';
import { SelectField } from './SelectField';
import { TextField } from './TextField';
import { useMsg } from '../hooks/useMsg';

const CUSTOM = 'custom';

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
  // "Custom…" is the authority host override (a proxy, a test platform): it shows the host
  // field. Chosen, or already saved (a host that is not the cloud's own).
  const [customChosen, setCustomChosen] = React.useState(false);
  const custom =
    customChosen || hosts.authority !== MICROSOFT_CLOUDS[cloud.value ?? 'global'].authority;
  const clouds = [
    {
      value: 'global',
      label: msg('Settings.setup.cloud.global', 'Global ({host})', {
        host: MICROSOFT_CLOUDS.global.authority,
      }),
    },
    {
      value: 'usgov',
      label: msg('Settings.setup.cloud.usgov', 'US Government GCC High ({host})', {
        host: MICROSOFT_CLOUDS.usgov.authority,
      }),
    },
    {
      value: 'usgovdod',
      label: msg('Settings.setup.cloud.usgovdod', 'US Government DoD ({host})', {
        host: MICROSOFT_CLOUDS.usgovdod.authority,
      }),
    },
    {
      value: 'china',
      label: msg('Settings.setup.cloud.china', 'China, operated by 21Vianet ({host})', {
        host: MICROSOFT_CLOUDS.china.authority,
      }),
    },
    { value: CUSTOM, label: msg('Settings.setup.cloud.custom', 'Custom…') },
  ];
  const onCloud = (value: string) => {
    if (value === CUSTOM) {
      setCustomChosen(true);
      // Start from the host in use, so the field shows what "custom" replaces.
      if (!custom) authorityHost.onChange(hosts.authority);
      return;
    }
    setCustomChosen(false);
    cloud.onChange(value as MicrosoftCloud);
    // Back to the cloud's own sign-in host: the stored default follows the cloud.
    authorityHost.onChange(DEFAULT_AUTHORITY_HOST);
  };

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
                <SelectField
                  path={`${kind}.oauth2.cloud`}
                  label={msg('Settings.oauth2.cloud.label', 'Microsoft cloud')}
                  options={clouds}
                  value={custom ? CUSTOM : undefined}
                  onValueChange={onCloud}
                  hint={
                    custom
                      ? msg(
                          'Settings.setup.cloud.customHint',
                          'Signs in at the authority host below (a proxy or a test platform); tokens for {outlook}.',
                          { outlook: hosts.outlook }
                        )
                      : msg(
                          'Settings.setup.cloud.hint',
                          'Where the tenant lives (the Entra admin center says which). Signs in at {authority}; tokens for {outlook}.',
                          { authority: hosts.authority, outlook: hosts.outlook }
                        )
                  }
                />
              </Grid.Item>
              {custom ? (
                <Grid.Item col={12} direction="column" alignItems="stretch">
                  <HostField
                    kind={kind}
                    target="authority"
                    label={msg('Settings.oauth2.authorityHost.label', 'Authority host')}
                    placeholder={DEFAULT_AUTHORITY_HOST}
                    hint={msg(
                      'Settings.setup.authorityHost.hint',
                      'The identity platform to sign in at, e.g. login.microsoftonline.com; a port may follow (host:8443). A pasted URL is taken apart.'
                    )}
                  />
                </Grid.Item>
              ) : null}
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
