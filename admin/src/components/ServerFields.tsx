import { Grid } from '@strapi/design-system';
import { DEFAULT_PORTS } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { HostField } from './HostField';
import { Microsoft365Warning } from './Microsoft365Warning';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';
import { useMsg } from '../hooks/useMsg';

type Security = keyof (typeof DEFAULT_PORTS)['smtp'];

/**
 * The mode a well-known port is used with (RFC 8314, IANA); none for ports used with several
 * (SMTP 25 carries STARTTLS and plain relays alike).
 */
const USUAL: Record<SectionKind, Record<string, Security>> = {
  smtp: { '465': 'tls', '587': 'starttls' },
  imap: { '993': 'tls', '143': 'starttls' },
};
const usualSecurity = (kind: SectionKind, port: string | undefined): Security | undefined =>
  USUAL[kind][(port ?? '').trim()];

/** Host, port, security, username and password: the part SMTP and IMAP have in common. */
export const ServerFields = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
  const host = useFormField<string>(`${kind}.host`);
  const security = useFormField<Security>(`${kind}.security`);
  const port = useFormField<string>(`${kind}.port`);
  const oauth2 = useFormField<boolean>(`${kind}.oauth2.enabled`);
  const grant = useFormField<string>(`${kind}.oauth2.grant`);
  const transport = useFormField<string | undefined>(`${kind}.transport`);
  // Microsoft Graph: an HTTPS endpoint and a mailbox, signed in by OAuth2.
  const graph = transport.value === 'graph';
  const defaultPort = graph ? 443 : DEFAULT_PORTS[kind][security.value];
  // With OAuth2 the password is only used by the "username and password" grant.
  const showPassword = !graph && (!oauth2.value || grant.value === 'password');

  // The options name the mode only: a port in the label contradicted the port field whenever
  // a server used another one. A port that usually means another mode is a hint instead.
  const securityOptions = [
    { value: 'tls', label: msg('Settings.setup.security.tls', 'SSL/TLS (implicit)') },
    { value: 'starttls', label: msg('Settings.setup.security.starttls', 'STARTTLS') },
    { value: 'none', label: msg('Settings.setup.security.none', 'None (unencrypted)') },
  ];
  const usual = usualSecurity(kind, port.value);
  const mismatch =
    usual && usual !== security.value
      ? msg(
          'Settings.setup.security.mismatch',
          'Port {port} is usually {security}: check that the server really expects this.',
          {
            port: port.value.trim(),
            security: securityOptions.find((o) => o.value === usual)?.label ?? usual,
          }
        )
      : undefined;

  return (
    <Grid.Root gap={5}>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <HostField
          kind={kind}
          target="server"
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
              mismatch ??
              (security.value === 'none'
                ? msg(
                    'Settings.security.none.hint',
                    'Passwords and mail travel unencrypted: only for a trusted local relay.'
                  )
                : undefined)
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
