import { Divider, Grid } from '@strapi/design-system';
import { ConnectionTestPanel, type SectionTestProps } from './ConnectionTestPanel';
import { OAuth2Fields } from './OAuth2Fields';
import { SectionCard } from './SectionCard';
import { TransportField } from './TransportField';
import { SendLimitFields } from './SendLimitFields';
import { ServerFields } from './ServerFields';
import { TextField } from './TextField';
import { useMsg } from '../hooks/useMsg';

/** SMTP Server: how Strapi sends every email. */
export const SmtpSection = ({ test }: { test?: SectionTestProps }) => {
  const { msg } = useMsg();
  return (
    <SectionCard
      title={msg('Settings.smtp.title', 'SMTP Server')}
      description={msg(
        'Settings.smtp.description',
        'Every email Strapi sends (password resets, notifications, approvals) goes through this server.'
      )}
    >
      <TransportField kind="smtp" />
      <ServerFields kind="smtp" />
      <Grid.Root gap={5}>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.fromName"
            label={msg('Settings.smtp.fromName.label', 'From name')}
            placeholder="Strapi"
            hint={msg('Settings.smtp.fromName.hint', 'The sender name recipients see.')}
          />
        </Grid.Item>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.fromAddress"
            type="email"
            label={msg('Settings.smtp.fromAddress.label', 'From address')}
            placeholder="no-reply@example.com"
            hint={msg(
              'Settings.smtp.fromAddress.hint',
              'Most servers only accept the address of the account or one of its aliases.'
            )}
          />
        </Grid.Item>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.replyTo"
            type="email"
            label={msg('Settings.smtp.replyTo.label', 'Reply-to')}
            hint={msg(
              'Settings.smtp.replyTo.hint',
              'Optional: where replies go when it is not the From address.'
            )}
          />
        </Grid.Item>
      </Grid.Root>
      <SendLimitFields />
      <Divider />
      <OAuth2Fields kind="smtp" />
      {test ? (
        <ConnectionTestPanel
          {...test}
          name="SMTP"
          withRecipient
          label={msg('Settings.smtp.test', 'Test SMTP')}
          description={msg(
            'Settings.smtp.test.description',
            'Connects to the server with the values above (saved or not) and signs in; nothing is sent unless you give an address.'
          )}
        />
      ) : null}
    </SectionCard>
  );
};
