import { Divider, Grid } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';
import { ConnectionTestPanel, type SectionTestProps } from './ConnectionTestPanel';
import { OAuth2Fields } from './OAuth2Fields';
import { SectionCard } from './SectionCard';
import { SenderCheckFields } from './SenderCheckFields';
import { ServerFields } from './ServerFields';
import { TextField } from './TextField';

/** IMAP Mailbox: only needed to read replies (approvals by email). */
export const ImapSection = ({ test }: { test?: SectionTestProps }) => {
  const { formatMessage } = useIntl();
  return (
    <SectionCard
      title={formatMessage({
        id: getTranslation('Settings.imap.title'),
        defaultMessage: 'IMAP Mailbox',
      })}
      description={formatMessage({
        id: getTranslation('Settings.imap.description'),
        defaultMessage:
          'Only needed to read mail: approvals by email reply. Leave it empty if Strapi only sends email.',
      })}
    >
      <ServerFields kind="imap" />
      <Grid.Root gap={5}>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.mailbox"
            label={formatMessage({
              id: getTranslation('Settings.imap.mailbox.label'),
              defaultMessage: 'Mailbox folder',
            })}
            placeholder="INBOX"
            hint={formatMessage({
              id: getTranslation('Settings.imap.mailbox.hint'),
              defaultMessage: 'Where replies arrive.',
            })}
          />
        </Grid.Item>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.processedFolder"
            label={formatMessage({
              id: getTranslation('Settings.imap.processedFolder.label'),
              defaultMessage: 'Processed folder',
            })}
            placeholder="Processed"
            hint={formatMessage({
              id: getTranslation('Settings.imap.processedFolder.hint'),
              defaultMessage: 'Handled replies are moved here; created if missing.',
            })}
          />
        </Grid.Item>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.pollInterval"
            inputMode="numeric"
            label={formatMessage({
              id: getTranslation('Settings.imap.pollInterval.label'),
              defaultMessage: 'Poll interval (seconds)',
            })}
            placeholder="60"
            hint={formatMessage({
              id: getTranslation('Settings.imap.pollInterval.hint'),
              defaultMessage: 'How often the mailbox is read, from 10 to 86400.',
            })}
          />
        </Grid.Item>
      </Grid.Root>
      <Divider />
      <SenderCheckFields />
      <Divider />
      <OAuth2Fields kind="imap" />
      {test ? (
        <ConnectionTestPanel
          {...test}
          label={formatMessage({
            id: getTranslation('Settings.imap.test'),
            defaultMessage: 'Test IMAP',
          })}
          description={formatMessage({
            id: getTranslation('Settings.imap.test.description'),
            defaultMessage:
              'Connects with the values above (saved or not), signs in and opens the mailbox folder; nothing is read or moved.',
          })}
        />
      ) : null}
    </SectionCard>
  );
};
