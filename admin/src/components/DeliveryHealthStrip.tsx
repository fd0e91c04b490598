import * as React from 'react';
import { Alert, Box, Typography } from '@strapi/design-system';
import type { DeliveryHealth } from '../../../shared/contracts/outbound-message';
import { useDeliveryHealth } from '../hooks/useDeliveryLog';
import { useMsg } from '../hooks/useMsg';

/** "30 messages per minute, 10,000 recipients per day (Microsoft 365 preset)", or no limit. */
function useLimitsText() {
  const { msg } = useMsg();
  return ({
    messagesPerMinute: messages,
    recipientsPerDay: recipients,
    preset,
  }: DeliveryHealth['limits']) => {
    const limits =
      messages > 0 && recipients > 0
        ? msg(
            'DeliveryHealth.limits.both',
            '{messages, number} messages per minute, {recipients, number} recipients per day',
            { messages, recipients }
          )
        : messages > 0
          ? msg(
              'DeliveryHealth.limits.messages',
              '{messages, plural, one {# message} other {# messages}} per minute',
              { messages }
            )
          : recipients > 0
            ? msg(
                'DeliveryHealth.limits.recipients',
                '{recipients, plural, one {# recipient} other {# recipients}} per day',
                { recipients }
              )
            : null;
    if (limits === null) return msg('DeliveryHealth.limits.none', 'no sending limit');
    return preset === 'microsoft'
      ? msg('DeliveryHealth.limits.microsoft', '{limits} (Microsoft 365 preset)', { limits })
      : limits;
  };
}

/**
 * The sending account at a glance, read again every 10 s: failed attempts in a row (with the
 * last error), a pause the server asked for, or else the queue and the limits in force. An
 * alert the admin closes stays closed until a new streak or a new pause begins.
 */
export const DeliveryHealthStrip = () => {
  const { msg, date } = useMsg();
  const health = useDeliveryHealth();
  const limitsText = useLimitsText();
  const [dismissed, setDismissed] = React.useState<string[]>([]);
  const dismiss = (key: string) => setDismissed((keys) => [...keys, key]);

  const h = health.data;
  const streakKey = h && h.failureStreak > 0 ? `streak:${h.streakStartedAt}` : null;
  const pauseKey = h?.pausedUntil ? `pause:${h.pausedUntil}` : null;
  const showStreak = streakKey !== null && !dismissed.includes(streakKey);
  const showPause = pauseKey !== null && !dismissed.includes(pauseKey);
  const closeLabel = msg('DeliveryHealth.close', 'Hide this notice');

  return (
    <Box
      role="status"
      aria-live="polite"
      aria-label={msg('DeliveryHealth.label', 'Sending health')}
    >
      {health.isError ? (
        <Typography textColor="danger600">
          {msg('DeliveryHealth.error', 'The sending health could not be read: {message}', {
            message: health.error.message,
          })}
        </Typography>
      ) : !h ? null : showStreak || showPause ? (
        <Box>
          {showStreak && (
            <Alert
              variant="danger"
              closeLabel={closeLabel}
              onClose={() => streakKey && dismiss(streakKey)}
              title={msg(
                'DeliveryHealth.failing',
                '{count, plural, one {# failed attempt} other {# failed attempts in a row}} since {time}',
                { count: h.failureStreak, time: date(h.streakStartedAt ?? h.lastFailureAt) }
              )}
            >
              {h.lastError ? (
                <>
                  <Typography fontWeight="bold">{h.lastError.code}</Typography>{' '}
                  {h.lastError.diagnosis}
                </>
              ) : (
                msg('DeliveryHealth.failing.noError', 'The last error was not recorded.')
              )}
            </Alert>
          )}
          {showPause && (
            <Box marginTop={showStreak ? 2 : 0}>
              <Alert
                variant="warning"
                closeLabel={closeLabel}
                onClose={() => pauseKey && dismiss(pauseKey)}
                title={msg(
                  'DeliveryHealth.paused',
                  'The server asked to slow down: sending resumes at {time}',
                  { time: date(h.pausedUntil) }
                )}
              >
                {h.pauseReason ||
                  msg('DeliveryHealth.paused.noReason', 'The server gave no reason.')}
              </Alert>
            </Box>
          )}
        </Box>
      ) : (
        <Box padding={4} hasRadius background="neutral0" borderColor="neutral200">
          <Typography textColor="neutral700">
            {[
              h.account ? null : msg('DeliveryHealth.noAccount', 'No SMTP server is configured.'),
              msg(
                'DeliveryHealth.queue',
                'Queue: {queued, number} queued, {sending, number} sending',
                {
                  queued: h.queue.queued,
                  sending: h.queue.sending,
                }
              ),
              msg('DeliveryHealth.limits', 'Limits: {limits}', { limits: limitsText(h.limits) }),
            ]
              .filter(Boolean)
              .join(' · ')}
          </Typography>
        </Box>
      )}
    </Box>
  );
};
