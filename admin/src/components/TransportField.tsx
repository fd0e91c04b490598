import { Grid } from '@strapi/design-system';
import type { SectionKind } from '../utils/form';
import { SelectField } from './SelectField';
import { useMsg } from '../hooks/useMsg';

/** "Send through" / "Read through": the section's protocol, or Microsoft Graph. */
export const TransportField = ({ kind }: { kind: SectionKind }) => {
  const { msg } = useMsg();
  const smtp = kind === 'smtp';
  return (
    <Grid.Root gap={5}>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <SelectField
          path={`${kind}.transport`}
          label={
            smtp
              ? msg('Settings.smtp.transport.label', 'Send through')
              : msg('Settings.imap.transport.label', 'Read through')
          }
          options={[
            smtp
              ? { value: 'smtp', label: msg('Settings.smtp.transport.smtp', 'SMTP') }
              : { value: 'imap', label: msg('Settings.imap.transport.imap', 'IMAP') },
            {
              value: 'graph',
              label: smtp
                ? msg('Settings.smtp.transport.graph', 'Microsoft Graph (Microsoft 365)')
                : msg('Settings.imap.transport.graph', 'Microsoft Graph (Microsoft 365)'),
            },
          ]}
          hint={
            smtp
              ? msg(
                  'Settings.smtp.transport.hint',
                  'Microsoft Graph for tenants that keep SMTP AUTH off: OAuth2 with the Mail.Send permission.'
                )
              : msg(
                  'Settings.imap.transport.hint',
                  'Microsoft Graph for tenants that keep IMAP off: OAuth2 with the Mail.ReadWrite permission; new replies are looked for every few seconds.'
                )
          }
        />
      </Grid.Item>
    </Grid.Root>
  );
};
