import { Grid } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { DEFAULT_PORTS } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import type { SectionKind } from '../utils/form';
import { getTranslation } from '../utils/getTranslation';
import { Microsoft365Warning } from './Microsoft365Warning';
import { SecretField } from './SecretField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';

type Security = keyof (typeof DEFAULT_PORTS)['smtp'];

/** Host, port, security, username and password: the part SMTP and IMAP have in common. */
export const ServerFields = ({ kind }: { kind: SectionKind }) => {
  const { formatMessage } = useIntl();
  const host = useFormField<string>(`${kind}.host`);
  const security = useFormField<Security>(`${kind}.security`);
  const oauth2 = useFormField<boolean>(`${kind}.oauth2.enabled`);
  const grant = useFormField<string>(`${kind}.oauth2.grant`);
  const defaultPort = DEFAULT_PORTS[kind][security.value];
  // With OAuth2 the password is only used by the "username and password" grant.
  const showPassword = !oauth2.value || grant.value === 'password';

  const securityOptions = [
    {
      value: 'tls',
      label: formatMessage(
        {
          id: getTranslation('Settings.security.tls'),
          defaultMessage: 'SSL/TLS (port {port})',
        },
        { port: DEFAULT_PORTS[kind].tls }
      ),
    },
    {
      value: 'starttls',
      label: formatMessage(
        {
          id: getTranslation('Settings.security.starttls'),
          defaultMessage: 'STARTTLS (port {port})',
        },
        { port: DEFAULT_PORTS[kind].starttls }
      ),
    },
    {
      value: 'none',
      label: formatMessage({
        id: getTranslation('Settings.security.none'),
        defaultMessage: 'None (unencrypted)',
      }),
    },
  ];

  return (
    <Grid.Root gap={5}>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.host`}
          label={formatMessage({
            id: getTranslation('Settings.host.label'),
            defaultMessage: 'Host',
          })}
          placeholder={kind === 'smtp' ? 'smtp.example.com' : 'imap.example.com'}
          hint={formatMessage({
            id: getTranslation('Settings.host.hint'),
            defaultMessage: 'The name of the mail server, as your mail provider gives it.',
          })}
        />
      </Grid.Item>
      <Grid.Item col={3} xs={6} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.port`}
          inputMode="numeric"
          label={formatMessage({
            id: getTranslation('Settings.port.label'),
            defaultMessage: 'Port',
          })}
          placeholder={String(defaultPort)}
          hint={formatMessage(
            {
              id: getTranslation('Settings.port.hint'),
              defaultMessage: 'Empty: {port}, the standard port for this security.',
            },
            { port: defaultPort }
          )}
        />
      </Grid.Item>
      <Grid.Item col={3} xs={6} direction="column" alignItems="stretch">
        <SelectField
          path={`${kind}.security`}
          label={formatMessage({
            id: getTranslation('Settings.security.label'),
            defaultMessage: 'Security',
          })}
          options={securityOptions}
          hint={
            security.value === 'none'
              ? formatMessage({
                  id: getTranslation('Settings.security.none.hint'),
                  defaultMessage:
                    'Passwords and mail travel unencrypted: only for a trusted local relay.',
                })
              : undefined
          }
        />
      </Grid.Item>
      {host.value ? (
        <Grid.Item col={12} direction="column" alignItems="stretch">
          <Microsoft365Warning host={host.value} oauth2Enabled={oauth2.value} />
        </Grid.Item>
      ) : null}
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path={`${kind}.username`}
          label={formatMessage({
            id: getTranslation('Settings.username.label'),
            defaultMessage: 'Username',
          })}
          hint={
            oauth2.value
              ? formatMessage({
                  id: getTranslation('Settings.username.hint.oauth2'),
                  defaultMessage: 'The address of the mailbox, e.g. cms@example.com.',
                })
              : formatMessage({
                  id: getTranslation('Settings.username.hint'),
                  defaultMessage:
                    'Usually the full email address. Empty if the server needs no login.',
                })
          }
        />
      </Grid.Item>
      {showPassword ? (
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <SecretField
            path={`${kind}.password`}
            label={formatMessage({
              id: getTranslation('Settings.password.label'),
              defaultMessage: 'Password',
            })}
          />
        </Grid.Item>
      ) : null}
    </Grid.Root>
  );
};
