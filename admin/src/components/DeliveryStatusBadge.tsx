import { Badge } from '@strapi/design-system';
import type { OutboundMessage } from '../../../shared/contracts/outbound-message';
import { useMsg } from '../hooks/useMsg';

type Status = OutboundMessage['status'];

const COLOURS: Record<Status, { backgroundColor: string; textColor: string }> = {
  sent: { backgroundColor: 'success100', textColor: 'success700' },
  failed: { backgroundColor: 'danger100', textColor: 'danger700' },
  queued: { backgroundColor: 'warning100', textColor: 'warning700' },
  sending: { backgroundColor: 'primary100', textColor: 'primary700' },
  cancelled: { backgroundColor: 'neutral150', textColor: 'neutral700' },
};

/** The status of a message in the delivery log (and outbox), in words and colour. */
export const DeliveryStatusBadge = ({ status }: { status: Status }) => {
  const { msg } = useMsg();
  const labels: Record<Status, string> = {
    sent: msg('DeliveryLog.status.sent', 'Sent'),
    failed: msg('DeliveryLog.status.failed', 'Failed'),
    queued: msg('DeliveryLog.status.queued', 'Queued'),
    sending: msg('DeliveryLog.status.sending', 'Sending'),
    cancelled: msg('DeliveryLog.status.cancelled', 'Cancelled'),
  };
  return <Badge {...COLOURS[status]}>{labels[status]}</Badge>;
};
