import { Badge } from '@strapi/design-system';
import { useMsg } from '../hooks/useMsg';

const COLORS: Record<string, { bg: string; text: string }> = {
  // warning700 on warning100 is 4.0:1, under WCAG AA for text this small (axe, approvals e2e).
  pending: { bg: 'warning100', text: 'neutral800' },
  approved: { bg: 'success100', text: 'success700' },
  rejected: { bg: 'danger100', text: 'danger700' },
  expired: { bg: 'neutral150', text: 'neutral700' },
  cancelled: { bg: 'neutral150', text: 'neutral700' },
};

/** The status of an approval request, in words and colour. */
export const ApprovalStatusBadge = ({ status }: { status: string }) => {
  const { msg } = useMsg();
  const labels: Record<string, string> = {
    pending: msg('Approvals.status.pending', 'Pending'),
    approved: msg('Approvals.status.approved', 'Approved'),
    rejected: msg('Approvals.status.rejected', 'Rejected'),
    expired: msg('Approvals.status.expired', 'Expired'),
    cancelled: msg('Approvals.status.cancelled', 'Cancelled'),
  };
  const color = COLORS[status] ?? COLORS.expired!;
  return (
    <Badge backgroundColor={color.bg} textColor={color.text}>
      {labels[status] ?? status}
    </Badge>
  );
};
