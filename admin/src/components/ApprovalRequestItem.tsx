import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { requesterOf, type ApprovalRow } from '../api/approvals';
import { useMsg } from '../hooks/useMsg';
import { ApprovalStatusBadge } from './ApprovalStatusBadge';

interface ApprovalRequestItemProps {
  request: ApprovalRow;
  /** given when the admin may cancel; only shown for a pending request */
  onCancel?: (id: number) => void;
  cancelling?: boolean;
  /** the side panel's compact form: no target */
  compact?: boolean;
}

/** One approval request: what, who, status, and every decision with its comment. */
export const ApprovalRequestItem = ({
  request,
  onCancel,
  cancelling,
  compact,
}: ApprovalRequestItemProps) => {
  const { msg, date } = useMsg();
  const decisions = request.decisions ?? [];
  const title = request.title || request.targetDocumentId;
  return (
    <Box
      tag="li"
      aria-label={msg('Approvals.item.label', 'Request {id}: {title}', { id: request.id, title })}
      padding={compact ? 3 : 4}
      hasRadius
      borderColor="neutral200"
      background="neutral0"
    >
      <Flex direction="column" alignItems="stretch" gap={2}>
        <Flex justifyContent="space-between" gap={2} wrap="wrap">
          <Typography fontWeight="bold">
            {compact ? `#${request.id}` : `#${request.id} · ${title}`}
          </Typography>
          <ApprovalStatusBadge status={request.status} />
        </Flex>
        {!compact ? (
          <Typography variant="pi" textColor="neutral600">
            {request.targetUid} · {request.targetDocumentId}
          </Typography>
        ) : null}
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
        {decisions.length > 0 ? (
          <Box tag="ul" aria-label={msg('Approvals.item.decisions', 'Decisions')}>
            {decisions.map((d) => (
              <Box tag="li" key={`${d.approver}-${d.at}`} paddingTop={1}>
                <Typography variant="pi">
                  {msg('Approvals.item.decision', '{approver}: {decision} ({at})', {
                    approver: d.approver,
                    decision:
                      d.decision === 'approve'
                        ? msg('Approvals.decision.approve', 'approved')
                        : msg('Approvals.decision.reject', 'rejected'),
                    at: date(d.at),
                  })}
                  {d.comment ? ` — “${d.comment}”` : ''}
                </Typography>
              </Box>
            ))}
          </Box>
        ) : (
          <Typography variant="pi" textColor="neutral500">
            {msg('Approvals.item.noDecision', 'No decision yet')}
          </Typography>
        )}
        {onCancel && request.status === 'pending' ? (
          <Flex>
            <Button
              variant="danger-light"
              size="S"
              loading={cancelling}
              onClick={() => onCancel(request.id)}
            >
              {msg('Approvals.cancel', 'Cancel request')}
            </Button>
          </Flex>
        ) : null}
      </Flex>
    </Box>
  );
};
