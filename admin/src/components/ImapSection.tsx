import { Divider, Grid } from '@strapi/design-system';
import { ConnectionTestPanel, type SectionTestProps } from './ConnectionTestPanel';
import { OAuth2Fields } from './OAuth2Fields';
import { SectionCard } from './SectionCard';
import { TransportField } from './TransportField';
import { SenderCheckFields } from './SenderCheckFields';
import { ServerFields } from './ServerFields';
import { TextField } from './TextField';
import { useFormField } from '../hooks/useFormField';
import { useMsg } from '../hooks/useMsg';

/** IMAP Mailbox: only needed to read replies (approvals by email). */
export const ImapSection = ({ test }: { test?: SectionTestProps }) => {
  const { msg } = useMsg();
  const graph = useFormField<string>('imap.transport').value === 'graph';
  return (
    <SectionCard
      title={msg('Settings.imap.title', 'IMAP Mailbox')}
      description={msg(
        'Settings.imap.description',
        'Only needed to read mail: approvals by email reply. Leave it empty if Strapi only sends email.'
      )}
    >
      <TransportField kind="imap" />
      <ServerFields kind="imap" />
      <Grid.Root gap={5}>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.mailbox"
            label={msg('Settings.imap.mailbox.label', 'Mailbox folder')}
            placeholder="INBOX"
            hint={
              graph
                ? msg(
                    'Settings.imap.mailbox.hint.graph',
                    'Where replies arrive: INBOX for the Inbox, Inbox/Approvals for a folder inside it.'
                  )
                : msg('Settings.imap.mailbox.hint', 'Where replies arrive.')
            }
          />
        </Grid.Item>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.processedFolder"
            label={msg('Settings.imap.processedFolder.label', 'Processed folder')}
            placeholder="Processed"
            hint={msg(
              'Settings.imap.processedFolder.hint',
              'Handled replies are moved here; created if missing.'
            )}
          />
        </Grid.Item>
        <Grid.Item col={4} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.pollInterval"
            inputMode="numeric"
            label={msg('Settings.imap.pollInterval.label', 'Poll interval (seconds)')}
            placeholder="60"
            hint={msg(
              'Settings.imap.pollInterval.hint',
              'How often the mailbox is read, from 10 to 86400.'
            )}
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
          name="IMAP"
          label={msg('Settings.imap.test', 'Test IMAP')}
          description={msg(
            'Settings.imap.test.description',
            'Connects with the values above (saved or not), signs in and opens the mailbox folder; nothing is read or moved.'
          )}
        />
      ) : null}
    </SectionCard>
  );
};
