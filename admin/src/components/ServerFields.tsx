import { Grid } from '@strapi/design-system';
import { DEFAULT_PORTS } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { Microsoft365Warning } from './Microsoft365Warning';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';
import { useMsg } from '../hooks/useMsg';

type Security = keyof (typeof DEFAULT_PORTS)['smtp'];

/** Host, port, security, username and password: the part SMTP and IMAP have in common. */
export const ServerFields = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
  const host = useFormField<string>(`${kind}.host`);
  const security = useFormField<Security>(`${kind}.security`);
  const oauth2 = useFormField<boolean>(`${kind}.oauth2.enabled`);
  const grant = useFormField<string>(`${kind}.oauth2.grant`);
  const transport = useFormField<string | undefined>(`${kind}.transport`);
  // Microsoft Graph: an HTTPS endpoint and a mailbox, signed in by OAuth2.
  const graph = transport.value === 'graph';
  const defaultPort = graph ? 443 : DEFAULT_PORTS[kind][security.value];
  // With OAuth2 the password is only used by the "username and password" grant.
  const showPassword = !graph && (!oauth2.value || grant.value === 'password');

  const securityOptions = [
    {
      value: 'tls',
      label: msg('Settings.security.tls', 'SSL/TLS (port {port})', {
        port: DEFAULT_PORTS[kind].tls,
      }),
    },
    {
      value: 'starttls',
      label: msg('Settings.security.starttls', 'STARTTLS (port {port})', {
        port: DEFAULT_PORTS[kind].starttls,
      }),
    },
    {
      value: 'none',
      label: msg('Settings.security.none', 'None (unencrypted)'),
    },
  ];

  return (
    <Grid.Root gap={5}>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.host`}
          label={
            graph
              ? msg('Settings.host.graph.label', 'Graph host')
              : msg('Settings.host.label', 'Host')
          }
          placeholder={
            graph
              ? 'graph.microsoft.com'
              : kind === 'smtp'
                ? 'smtp.example.com'
                : 'imap.example.com'
          }
          hint={
            graph
              ? msg(
                  'Settings.host.graph.hint',
                  "graph.microsoft.com, or your national cloud's Graph host."
                )
              : msg(
                  'Settings.host.hint',
                  'The name of the mail server, as your mail provider gives it.'
                )
          }
        />
      </Grid.Item>
      <Grid.Item col={3} xs={6} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.port`}
          inputMode="numeric"
          label={msg('Settings.port.label', 'Port')}
          placeholder={String(defaultPort)}
          hint={
            graph
              ? msg('Settings.port.hint.graph', 'Empty: 443 (HTTPS).')
              : msg('Settings.port.hint', 'Empty: {port}, the standard port for this security.', {
                  port: defaultPort,
                })
          }
        />
      </Grid.Item>
      {graph ? null : (
        <Grid.Item col={3} xs={6} direction="column" alignItems="stretch">
          <SelectField
            path={`${kind}.security`}
            label={msg('Settings.security.label', 'Security')}
            options={securityOptions}
            hint={
              security.value === 'none'
                ? msg(
                    'Settings.security.none.hint',
                    'Passwords and mail travel unencrypted: only for a trusted local relay.'
                  )
                : undefined
            }
          />
        </Grid.Item>
      )}
      {host.value ? (
        <Grid.Item col={12} direction="column" alignItems="stretch">
          <Microsoft365Warning kind={kind} host={host.value} oauth2Enabled={oauth2.value} />
        </Grid.Item>
      ) : null}
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.username`}
          label={
            graph
              ? msg('Settings.username.graph.label', 'Mailbox')
              : msg('Settings.username.label', 'Username')
          }
          hint={
            oauth2.value
              ? msg(
                  'Settings.username.hint.oauth2',
                  'The address of the mailbox, e.g. cms@example.com.'
                )
              : msg(
                  'Settings.username.hint',
                  'Usually the full email address. Empty if the server needs no login.'
                )
          }
        />
      </Grid.Item>
      {showPassword ? (
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <SecretField
            path={`${kind}.password`}
            label={msg('Settings.password.label', 'Password')}
          />
        </Grid.Item>
      ) : null}
    </Grid.Root>
  );
};
