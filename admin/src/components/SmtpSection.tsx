import { Divider, Grid } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';
import { ConnectionTestPanel, type SectionTestProps } from './ConnectionTestPanel';
import { OAuth2Fields } from './OAuth2Fields';
import { SectionCard } from './SectionCard';
import { ServerFields } from './ServerFields';
import { TextField } from './TextField';

/** SMTP Server: how Strapi sends every email. */
export const SmtpSection = ({ test }: { test?: SectionTestProps }) => {
  const { formatMessage } = useIntl();
  return (
    <SectionCard
      title={formatMessage({
        id: getTranslation('Settings.smtp.title'),
        defaultMessage: 'SMTP Server',
      })}
      description={formatMessage({
        id: getTranslation('Settings.smtp.description'),
        defaultMessage:
          'Every email Strapi sends (password resets, notifications, approvals) goes through this server.',
      })}
    >
      <ServerFields kind="smtp" />
      <Grid.Root gap={5}>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.fromName"
            label={formatMessage({
              id: getTranslation('Settings.smtp.fromName.label'),
              defaultMessage: 'From name',
            })}
            placeholder="Strapi"
            hint={formatMessage({
              id: getTranslation('Settings.smtp.fromName.hint'),
              defaultMessage: 'The sender name recipients see.',
            })}
          />
        </Grid.Item>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.fromAddress"
            type="email"
            label={formatMessage({
              id: getTranslation('Settings.smtp.fromAddress.label'),
              defaultMessage: 'From address',
            })}
            placeholder="no-reply@example.com"
            hint={formatMessage({
              id: getTranslation('Settings.smtp.fromAddress.hint'),
              defaultMessage:
                'Most servers only accept the address of the account or one of its aliases.',
            })}
          />
        </Grid.Item>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="smtp.replyTo"
            type="email"
            label={formatMessage({
              id: getTranslation('Settings.smtp.replyTo.label'),
              defaultMessage: 'Reply-to',
            })}
            hint={formatMessage({
              id: getTranslation('Settings.smtp.replyTo.hint'),
              defaultMessage: 'Optional: where replies go when it is not the From address.',
            })}
          />
        </Grid.Item>
      </Grid.Root>
      <Divider />
      <OAuth2Fields kind="smtp" />
      {test ? (
        <ConnectionTestPanel
          {...test}
          withRecipient
          label={formatMessage({
            id: getTranslation('Settings.smtp.test'),
            defaultMessage: 'Test SMTP',
          })}
          description={formatMessage({
            id: getTranslation('Settings.smtp.test.description'),
            defaultMessage:
              'Connects to the server with the values above (saved or not) and signs in; nothing is sent unless you give an address.',
          })}
        />
      ) : null}
    </SectionCard>
  );
};
