import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { requesterOf, type ApprovalRow } from '../api/approvals';
import { useMsg } from '../hooks/useMsg';
import { ApprovalAuditTrail } from './ApprovalAuditTrail';
import { ApprovalEntryLink } from './ApprovalEntryLink';
import { ApprovalStatusBadge } from './ApprovalStatusBadge';

interface ApprovalRequestItemProps {
  request: ApprovalRow;
  /** given when the admin may cancel; only shown for a pending request */
  onCancel?: (request: ApprovalRow) => void;
  cancelling?: boolean;
  /** the side panel's compact form: no target */
  compact?: boolean;
}

/** One approval request: what, who, status, and its audit trail (decisions and replies). */
export const ApprovalRequestItem = ({
  request,
  onCancel,
  cancelling,
  compact,
}: ApprovalRequestItemProps) => {
  const { msg, date } = useMsg();
  const title =
    request.entry?.title ||
    request.title ||
    msg('approvals.page.entry.hidden', 'An entry you may not read');
  const pending = request.status === 'pending';
  return (
    <Box
      tag="li"
      aria-label={msg('Approvals.item.label', 'Request {id}: {title}', { id: request.id, title })}
      padding={compact ? 3 : 4}
      hasRadius
      // A pending request stands out: it is the one somebody still has to act on.
      borderColor={pending && !compact ? 'warning200' : 'neutral200'}
      background={pending && !compact ? 'warning100' : 'neutral0'}
    >
      <Flex direction="column" alignItems="stretch" gap={2}>
        <Flex justifyContent="space-between" gap={2} wrap="wrap">
          {compact ? (
            <Typography fontWeight="bold">#{request.id}</Typography>
          ) : (
            <Flex gap={2} wrap="wrap">
              <Typography fontWeight="bold">#{request.id}</Typography>
              <ApprovalEntryLink request={request} />
            </Flex>
          )}
          <ApprovalStatusBadge status={request.status} />
        </Flex>
        <Typography variant="pi">
          {msg('Approvals.item.approvers', 'Approvers ({policy}): {approvers}', {
            policy:
              request.policy === 'all'
                ? msg('Approvals.policy.all', 'all must approve')
                : msg('Approvals.policy.any', 'any one approves'),
            approvers: request.approvers.join(', '),
          })}
        </Typography>
        <Typography variant="pi" textColor="neutral600">
          {msg('Approvals.item.dates', 'Requested {created} by {by} · expires {expires}', {
            created: date(request.createdAt),
            by: requesterOf(request),
            expires: date(request.expiresAt),
          })}
        </Typography>
        {request.note ? <Typography variant="pi">“{request.note}”</Typography> : null}
        <ApprovalAuditTrail request={request} />
        {onCancel && pending ? (
          <Flex>
            <Button
              variant="danger-light"
              size="S"
              loading={cancelling}
              onClick={() => onCancel(request)}
            >
              {msg('Approvals.cancel', 'Cancel request')}
            </Button>
          </Flex>
        ) : null}
      </Flex>
    </Box>
  );
};
