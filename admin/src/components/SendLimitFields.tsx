import { Grid } from '@strapi/design-system';
import { sendLimitsOf } from '../../../shared/contracts/settings';
import { useFormField } from '../hooks/useFormField';
import { useMsg } from '../hooks/useMsg';
import { TextField } from './TextField';

/**
 * The account's sending limits, counted across every Strapi instance. Empty takes the preset of
 * the host (Microsoft 365: 30 a minute, 10,000 recipients a day), which the placeholder shows.
 */
export const SendLimitFields = () => {
  const { msg } = useMsg();
  const host = useFormField<string>('smtp.host');
  const transport = useFormField<string>('smtp.transport');
  const preset = sendLimitsOf({ host: host.value ?? '', transport: transport.value });
  const placeholder = (n: number) => (n > 0 ? String(n) : msg('Settings.limit.none', 'No limit'));
  return (
    <Grid.Root gap={5}>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path="smtp.messagesPerMinute"
          inputMode="numeric"
          label={msg('Settings.smtp.messagesPerMinute.label', 'Messages per minute')}
          placeholder={placeholder(preset.messagesPerMinute)}
          hint={msg(
            'Settings.smtp.messagesPerMinute.hint',
            'The most this account sends, all Strapi instances together; more waits in the outbox. Empty: the preset of the host (Microsoft 365: 30). 0: no limit.'
          )}
        />
      </Grid.Item>
      <Grid.Item col={6} xs={12} direction="column" alignItems="stretch">
        <TextField
          path="smtp.recipientsPerDay"
          inputMode="numeric"
          label={msg('Settings.smtp.recipientsPerDay.label', 'Recipients per day')}
          placeholder={placeholder(preset.recipientsPerDay)}
          hint={msg(
            'Settings.smtp.recipientsPerDay.hint',
            'Recipients of all messages over 24 hours. Empty: the preset of the host (Microsoft 365: 10,000). 0: no limit.'
          )}
        />
      </Grid.Item>
    </Grid.Root>
  );
};
