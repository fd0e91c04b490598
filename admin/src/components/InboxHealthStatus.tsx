import * as React from 'react';
import { Alert, Box, Typography } from '@strapi/design-system';
import type { InboxHealth } from '../api/inboxHealth';
import { useInboxHealth } from '../hooks/useInboxHealth';
import { useMsg } from '../hooks/useMsg';

/** What the last pass did, in a few words: "2 applied, 1 quarantined" or "nothing new". */
function useCountsText() {
  const { msg } = useMsg();
  return (counts: InboxHealth['counts']) => {
    const parts = (
      [
        ['applied', msg('InboxHealth.count.applied', '{n, number} applied', { n: counts.applied })],
        [
          'quarantined',
          msg('InboxHealth.count.quarantined', '{n, number} quarantined', {
            n: counts.quarantined,
          }),
        ],
        ['ignored', msg('InboxHealth.count.ignored', '{n, number} ignored', { n: counts.ignored })],
        ['failed', msg('InboxHealth.count.failed', '{n, number} failed', { n: counts.failed })],
      ] as const
    )
      .filter(([key]) => counts[key] > 0)
      .map(([, text]) => text);
    return parts.length ? parts.join(', ') : msg('InboxHealth.count.none', 'nothing new');
  };
}

/**
 * The approvals mailbox job at a glance: not configured, not run yet, its last pass, or — while
 * passes fail — since when, and the error as a Test result would explain it (code, diagnosis,
 * fix). A failure is an alert (announced once); the rest is quiet text.
 */
export const InboxHealthStatus = () => {
  const { msg, date } = useMsg();
  const health = useInboxHealth();
  const countsText = useCountsText();
  // A closed alert stays closed until a new run of failures begins.
  const [dismissed, setDismissed] = React.useState<string | null>(null);
  const h = health.data;

  if (health.isError) {
    return (
      <Typography textColor="danger600">
        {msg('InboxHealth.error', 'The mailbox job health could not be read: {message}', {
          message: health.error.message,
        })}
      </Typography>
    );
  }
  if (!h) return null;
  if (!h.configured) {
    return (
      <Typography textColor="neutral600">
        {msg(
          'InboxHealth.notConfigured',
          'Replies are not read: no IMAP mailbox is configured (sending works without one).'
        )}
      </Typography>
    );
  }
  if (h.result === 'failed' && h.error && dismissed !== h.failingSince) {
    return (
      <Alert
        variant="danger"
        closeLabel={msg('InboxHealth.close', 'Hide this notice')}
        onClose={() => setDismissed(h.failingSince)}
        title={msg(
          'InboxHealth.failing',
          'The approvals mailbox cannot be read ({count, plural, one {# failed pass} other {# failed passes in a row}} since {time})',
          { count: h.failures, time: date(h.failingSince) }
        )}
      >
        <Box>
          <Typography fontWeight="bold">{h.error.code}</Typography> {h.error.diagnosis}
        </Box>
        {h.error.fix ? (
          <Box paddingTop={1}>
            <Typography>{msg('InboxHealth.fix', 'Fix: {fix}', { fix: h.error.fix })}</Typography>
          </Box>
        ) : null}
        {h.lastSuccessAt ? (
          <Box paddingTop={1}>
            <Typography variant="pi">
              {msg('InboxHealth.lastSuccess', 'Last read successfully: {time}', {
                time: date(h.lastSuccessAt),
              })}
            </Typography>
          </Box>
        ) : null}
      </Alert>
    );
  }
  return (
    <Typography textColor={h.result === 'failed' ? 'danger600' : 'neutral700'}>
      {h.result === 'failed'
        ? msg('InboxHealth.failedQuiet', 'The last pass failed ({code}) at {time}', {
            code: h.error?.code ?? 'EUNKNOWN',
            time: date(h.lastRunAt),
          })
        : h.lastRunAt
          ? msg('InboxHealth.ok', 'Mailbox read {time}: {counts}', {
              time: date(h.lastRunAt),
              counts: countsText(h.counts),
            })
          : msg('InboxHealth.never', 'The mailbox has not been read yet.')}
    </Typography>
  );
};
