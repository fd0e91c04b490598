import { Accordion, Box, Grid } from '@strapi/design-system';
import type { SectionKind } from '../utils/form';
import { SelectField } from './SelectField';
import { useMsg } from '../hooks/useMsg';

/**
 * The grant: folded away, most admins keep client credentials. (The authority host is beside
 * the Tenant ID, as the Microsoft cloud's "Custom…": admins of a national cloud look there.)
 */
export const OAuth2Advanced = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
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
    <Accordion.Root>
      <Accordion.Item value="advanced">
        <Accordion.Header>
          <Accordion.Trigger>{msg('Settings.oauth2.advanced', 'Advanced')}</Accordion.Trigger>
        </Accordion.Header>
        <Accordion.Content>
          <Box padding={5}>
            <Grid.Root gap={5}>
              <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
                <SelectField
                  path={`${kind}.oauth2.grant`}
                  label={msg('Settings.oauth2.grant.label', 'Grant')}
                  options={grants}
                  hint={msg('Settings.oauth2.grant.hint', 'How Strapi obtains its access token.')}
                />
              </Grid.Item>
            </Grid.Root>
          </Box>
        </Accordion.Content>
      </Accordion.Item>
    </Accordion.Root>
  );
};
