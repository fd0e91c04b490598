import { Badge } from '@strapi/design-system';
import { useMsg } from '../hooks/useMsg';

/** The status of a sent message, in words and colour. */
export const DeliveryStatusBadge = ({ status }: { status: 'sent' | 'failed' }) => {
  const { msg } = useMsg();
  return status === 'sent' ? (
    <Badge backgroundColor="success100" textColor="success700">
      {msg('DeliveryLog.status.sent', 'Sent')}
    </Badge>
  ) : (
    <Badge backgroundColor="danger100" textColor="danger700">
      {msg('DeliveryLog.status.failed', 'Failed')}
    </Badge>
  );
};
