import { Box, Typography } from '@strapi/design-system';
import type { ApprovalRow } from '../api/approvals';
import { useApprovalTexts } from '../hooks/useApprovalTexts';
import { useMsg } from '../hooks/useMsg';

type Reply = NonNullable<ApprovalRow['replies']>[number];

/**
 * Everything that happened to a request, oldest first: each decision with its comment (and,
 * when an admin accepted a held reply, whose reply it was and who accepted it), then every
 * reply that referred to it with what the inbox made of it.
 */
export const ApprovalAuditTrail = ({ request }: { request: ApprovalRow }) => {
  const { msg, date } = useMsg();
  const texts = useApprovalTexts();
  const decisions = request.decisions ?? [];
  const replies = request.replies ?? [];
  const replyById = new Map<number, Reply>(replies.map((r) => [r.id, r]));
  if (decisions.length === 0 && replies.length === 0) {
    return (
      <Typography variant="pi" textColor="neutral600">
        {msg('Approvals.item.noDecision', 'No decision yet')}
      </Typography>
    );
  }
  const decided = (d: (typeof decisions)[number]) =>
    d.decision === 'approve'
      ? msg('approvals.page.audit.approved', 'Approved by {approver}', { approver: d.approver })
      : msg('approvals.page.audit.rejected', 'Rejected by {approver}', { approver: d.approver });
  return (
    <Box tag="ul" aria-label={msg('approvals.page.audit', 'Audit trail')}>
      {decisions.map((d) => {
        const from = d.inboundMessageId ? replyById.get(d.inboundMessageId)?.fromAddress : null;
        return (
          <Box tag="li" key={`d-${d.approver}-${d.at}`} paddingTop={1}>
            <Typography variant="pi">
              {d.acceptedBy
                ? msg(
                    'approvals.page.audit.acceptedDecision',
                    '{decision} — reply from {from} accepted by admin {admin} on {at}',
                    {
                      decision: decided(d),
                      from: from ?? d.approver,
                      admin: d.acceptedBy.email,
                      at: date(d.at),
                    }
                  )
                : msg('approvals.page.audit.decision', '{decision} on {at}', {
                    decision: decided(d),
                    at: date(d.at),
                  })}
              {d.acceptedBy?.confirmedVersion
                ? ` ${msg(
                    'approvals.page.audit.confirmed',
                    '(confirmed the version of {version})',
                    {
                      version: date(d.acceptedBy.confirmedVersion),
                    }
                  )}`
                : ''}
              {d.comment ? ` — “${d.comment}”` : ''}
            </Typography>
          </Box>
        );
      })}
      {replies.map((r) => {
        const reviewed = texts.resolution(r.resolution);
        return (
          <Box tag="li" key={`r-${r.id}`} paddingTop={1}>
            <Typography variant="pi" textColor="neutral700">
              {msg('approvals.page.audit.reply', 'Reply from {from} on {at}: {verdict}', {
                from: r.fromAddress ?? '—',
                at: date(r.createdAt),
                verdict: texts.verdict(r.verdict),
              })}
              {r.reason ? ` — ${texts.reason(r.reason)?.label}` : ''}
              {reviewed ? ` — ${reviewed}` : ''}
            </Typography>
          </Box>
        );
      })}
    </Box>
  );
};
