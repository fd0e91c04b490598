import { Button, Dialog, Flex, Typography } from '@strapi/design-system';
import type { OutboundMessage } from '../../../shared/contracts/outbound-message';
import { useMsg } from '../hooks/useMsg';

export type DeliveryAction = 'resend' | 'cancel';

/** A message and what the admin asked to do with it. */
export interface DeliveryActionRequest {
  message: OutboundMessage;
  action: DeliveryAction;
}

interface DeliveryActionDialogProps {
  /** null: closed */
  pending: DeliveryActionRequest | null;
  onClose(): void;
  onConfirm(): void;
}

/** Asks before a message is sent again or cancelled, naming it and saying what will happen. */
export const DeliveryActionDialog = ({
  pending,
  onClose,
  onConfirm,
}: DeliveryActionDialogProps) => {
  const { msg } = useMsg();
  const resend = pending?.action === 'resend';
  const message = pending?.message;
  return (
    <Dialog.Root open={pending !== null} onOpenChange={(open) => (open ? undefined : onClose())}>
      {message ? (
        <Dialog.Content>
          <Dialog.Header>
            {resend
              ? msg('DeliveryLog.resend.title', 'Send this message again?')
              : msg('DeliveryLog.cancel.title', 'Cancel this message?')}
          </Dialog.Header>
          <Dialog.Body>
            <Flex direction="column" alignItems="stretch" gap={3} width="100%">
              <Flex direction="column" alignItems="stretch" gap={1}>
                <Typography variant="sigma" textColor="neutral600">
                  {msg('DeliveryLog.column.subject', 'Subject')}
                </Typography>
                <Typography fontWeight="bold">
                  {message.subject || msg('DeliveryLog.noSubject', '(no subject)')}
                </Typography>
              </Flex>
              <Flex direction="column" alignItems="stretch" gap={1}>
                <Typography variant="sigma" textColor="neutral600">
                  {msg('DeliveryLog.column.recipients', 'Recipients')}
                </Typography>
                <Typography style={{ wordBreak: 'break-all' }}>
                  {message.recipients || '—'}
                </Typography>
              </Flex>
              <Typography>
                {resend
                  ? msg(
                      'DeliveryLog.resend.body',
                      'The message goes back into the queue unchanged (same content, same Message-ID) and is sent to its recipients again right away.'
                    )
                  : msg(
                      'DeliveryLog.cancel.body',
                      'The message leaves the queue and will not be sent. You can still send it again later from this log.'
                    )}
              </Typography>
            </Flex>
          </Dialog.Body>
          <Dialog.Footer>
            <Dialog.Cancel>
              <Button fullWidth variant="tertiary">
                {resend
                  ? msg('DeliveryLog.resend.back', 'Not now')
                  : msg('DeliveryLog.cancel.back', 'Keep it queued')}
              </Button>
            </Dialog.Cancel>
            <Dialog.Action>
              <Button fullWidth variant={resend ? 'default' : 'danger-light'} onClick={onConfirm}>
                {resend
                  ? msg('DeliveryLog.resend', 'Send again')
                  : msg('DeliveryLog.cancel.confirm', 'Cancel the message')}
              </Button>
            </Dialog.Action>
          </Dialog.Footer>
        </Dialog.Content>
      ) : null}
    </Dialog.Root>
  );
};
