import { Alert, Flex, Grid, Typography } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';
import { useMsg } from '../hooks/useMsg';
import { isMicrosoftHost } from '../utils/microsoft';
import { CheckboxField } from './CheckboxField';
import { SelectField } from './SelectField';
import { TextField } from './TextField';

/**
 * How a reply proves who sent it. The From header alone is forgeable, so by default a decision
 * needs a proof written by the organisation's own mail servers; "From header only" is an
 * explicit choice, kept under a warning.
 */
export const SenderCheckFields = () => {
  const { msg } = useMsg();
  const mode = useFormField<string>('imap.senderCheck');
  const authservId = useFormField<string>('imap.authservId');
  const exchange = useFormField<boolean>('imap.exchangeHeaders');
  const host = useFormField<string>('imap.host');
  const onMicrosoft = isMicrosoftHost(host.value ?? '');
  const noProof =
    mode.value === 'verified' &&
    (authservId.value ?? '').trim() === '' &&
    !exchange.value &&
    !onMicrosoft &&
    (host.value ?? '') !== '';

  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Typography variant="delta" tag="h3">
        {msg('Settings.imap.sender.title', 'Who sent a reply')}
      </Typography>
      <Grid.Root gap={5}>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <SelectField
            path="imap.senderCheck"
            label={msg('Settings.imap.senderCheck.label', 'Sender verification')}
            hint={msg(
              'Settings.imap.senderCheck.hint',
              'A decision counts only when the organisation’s mail server confirms the sender.'
            )}
            options={[
              {
                value: 'verified',
                label: msg('Settings.imap.senderCheck.verified', 'Verified by our mail server'),
              },
              {
                value: 'from-header',
                label: msg('Settings.imap.senderCheck.fromHeader', 'From header only (forgeable)'),
              },
            ]}
          />
        </Grid.Item>
        <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
          <TextField
            path="imap.authservId"
            label={msg('Settings.imap.authservId.label', 'Receiving server (authserv-id)')}
            placeholder="mx.example.com"
            hint={msg(
              'Settings.imap.authservId.hint',
              'The name your mail server writes first in its Authentication-Results header; separate several with commas.'
            )}
          />
        </Grid.Item>
      </Grid.Root>
      <CheckboxField
        path="imap.exchangeHeaders"
        label={msg('Settings.imap.exchangeHeaders.label', 'The mailbox is on Exchange')}
        hint={msg(
          'Settings.imap.exchangeHeaders.hint',
          'Trust Exchange’s "AuthAs: Internal" mark on mail from inside the organisation. Only true behind Exchange, which removes the mark from outside mail; always on for Microsoft 365.'
        )}
      />
      {mode.value === 'from-header' ? (
        <Alert
          variant="danger"
          closeLabel={msg('Settings.close', 'Close')}
          title={msg('Settings.imap.fromHeader.title', 'Anyone can approve by forging From')}
        >
          {msg(
            'Settings.imap.fromHeader.body',
            'With "From header only", a reply is believed on its From header, which any sender can write. Whoever has seen a request can publish it. Use it only with a mail server that rejects forged mail.'
          )}
        </Alert>
      ) : null}
      {noProof ? (
        <Alert
          variant="warning"
          closeLabel={msg('Settings.close', 'Close')}
          title={msg('Settings.imap.noProof.title', 'No reply can be verified yet')}
        >
          {msg(
            'Settings.imap.noProof.body',
            'Fill in the receiving server’s authserv-id (or tick Exchange): until then every reply is quarantined as unverified-sender for an administrator to review.'
          )}
        </Alert>
      ) : null}
    </Flex>
  );
};
