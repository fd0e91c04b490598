import { Box, Button, Flex, Typography } from '@strapi/design-system';
import type { InboundRow } from '../api/approvals';
import { useMsg } from '../hooks/useMsg';
import { ReplyReason } from './ReplyReason';

interface QuarantineListProps {
  messages: InboundRow[];
  /** given when the admin may accept or discard */
  onResolve?: (message: InboundRow, how: 'accept' | 'discard') => void;
  busyId?: number;
}

/** Inbound replies held for an admin to decide: why, from whom, about what. */
export const QuarantineList = ({ messages, onResolve, busyId }: QuarantineListProps) => {
  const { msg, date } = useMsg();
  if (messages.length === 0) {
    return (
      <Typography textColor="neutral600">
        {msg('Quarantine.empty', 'No message is waiting in quarantine.')}
      </Typography>
    );
  }
  return (
    <Flex
      tag="ul"
      direction="column"
      alignItems="stretch"
      gap={3}
      aria-label={msg('Quarantine.title', 'Quarantine')}
    >
      {messages.map((m) => (
        <Box
          tag="li"
          key={m.id}
          aria-label={m.subject ?? String(m.id)}
          padding={4}
          hasRadius
          borderColor="neutral200"
        >
          <Flex direction="column" alignItems="stretch" gap={2}>
            <Typography fontWeight="bold">{m.subject || '—'}</Typography>
            <Typography variant="pi">
              {msg('Quarantine.from', 'From {from} · {at}', {
                from: m.fromAddress ?? '—',
                at: date(m.createdAt),
              })}
            </Typography>
            <ReplyReason code={m.reason} />
            <Typography variant="pi">
              {msg('Quarantine.decision', 'Decision read: {decision} · request {request}', {
                decision:
                  m.decision === 'approve'
                    ? msg('Approvals.decision.approve', 'approved')
                    : m.decision === 'reject'
                      ? msg('Approvals.decision.reject', 'rejected')
                      : '—',
                request: m.requestId ? `#${m.requestId}` : '—',
              })}
              {m.comment ? ` — “${m.comment}”` : ''}
            </Typography>
            {onResolve ? (
              <Flex gap={2}>
                <Button
                  size="S"
                  variant="success-light"
                  disabled={busyId === m.id}
                  onClick={() => onResolve(m, 'accept')}
                >
                  {msg('Quarantine.accept', 'Accept')}
                </Button>
                <Button
                  size="S"
                  variant="danger-light"
                  disabled={busyId === m.id}
                  onClick={() => onResolve(m, 'discard')}
                >
                  {msg('Quarantine.discard', 'Discard')}
                </Button>
              </Flex>
            ) : null}
          </Flex>
        </Box>
      ))}
    </Flex>
  );
};
