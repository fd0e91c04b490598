import { Typography } from '@strapi/design-system';
import { useApprovalTexts } from '../hooks/useApprovalTexts';
import { useMsg } from '../hooks/useMsg';

/** Why the inbox did what it did with a reply: the reason's name and its one-line meaning. */
export const ReplyReason = ({ code }: { code: string | null | undefined }) => {
  const { msg } = useMsg();
  const reason = useApprovalTexts().reason(code);
  if (!reason) return null;
  return (
    <Typography variant="pi" tag="p">
      <Typography variant="pi" fontWeight="bold" data-reason={code ?? undefined}>
        {msg('approvals.page.reason', 'Reason: {reason}', { reason: reason.label })}
      </Typography>
      {reason.help ? (
        <Typography variant="pi" textColor="neutral600">
          {' '}
          — {reason.help}
        </Typography>
      ) : null}
    </Typography>
  );
};
