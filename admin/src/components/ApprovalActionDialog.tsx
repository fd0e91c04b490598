import { Button, Dialog, Flex, Typography } from '@strapi/design-system';
import { useMsg } from '../hooks/useMsg';

export type ApprovalAction = 'accept' | 'discard' | 'cancel';

/** What the admin asked to do, on what (named for the dialog), and whether to confirm a version. */
export interface ApprovalActionRequest {
  action: ApprovalAction;
  /** a request id (cancel) or an inbound message id (accept, discard) */
  id: number;
  /** what it is about, in a few words: the entry's title, the reply's sender */
  subject: string;
  /** set after the server answered ECONFIRM: accepting now confirms the current version */
  confirmCurrent?: boolean;
}

interface ApprovalActionDialogProps {
  /** null: closed */
  pending: ApprovalActionRequest | null;
  onClose(): void;
  onConfirm(): void;
}

/**
 * Asks before a held reply is accepted or discarded, or a request cancelled, saying what will
 * happen (the pattern of DeliveryActionDialog). None of the three can be undone.
 */
export const ApprovalActionDialog = ({
  pending,
  onClose,
  onConfirm,
}: ApprovalActionDialogProps) => {
  const { msg } = useMsg();
  const texts = {
    accept: {
      title: msg('approvals.page.confirm.accept.title', 'Accept this reply?'),
      body: msg(
        'approvals.page.confirm.accept.body',
        'The decision it carries is applied as the approver’s, and recorded as accepted by you.'
      ),
      action: msg('approvals.page.confirm.accept.action', 'Accept the reply'),
    },
    discard: {
      title: msg('approvals.page.confirm.discard.title', 'Discard this reply?'),
      body: msg(
        'approvals.page.confirm.discard.body',
        'The reply decides nothing and leaves the quarantine; the request stays as it is.'
      ),
      action: msg('approvals.page.confirm.discard.action', 'Discard the reply'),
    },
    cancel: {
      title: msg('approvals.page.confirm.cancel.title', 'Cancel this request?'),
      body: msg(
        'approvals.page.confirm.cancel.body',
        'Replies to it will no longer be applied. The entry is not changed.'
      ),
      action: msg('approvals.page.confirm.cancel.action', 'Cancel the request'),
    },
  };
  const text = pending ? texts[pending.action] : null;
  return (
    <Dialog.Root open={pending !== null} onOpenChange={(open) => (open ? undefined : onClose())}>
      {pending && text ? (
        <Dialog.Content>
          <Dialog.Header>{text.title}</Dialog.Header>
          <Dialog.Body>
            <Flex direction="column" alignItems="stretch" gap={3} width="100%">
              <Typography fontWeight="bold" style={{ wordBreak: 'break-word' }}>
                {pending.subject}
              </Typography>
              <Typography>{text.body}</Typography>
              {pending.confirmCurrent ? (
                <Typography textColor="danger600">
                  {msg(
                    'approvals.page.confirm.current',
                    'The entry changed, or the request expired, since the approver answered: accepting now applies the decision to the entry as it is now.'
                  )}
                </Typography>
              ) : null}
            </Flex>
          </Dialog.Body>
          <Dialog.Footer>
            <Dialog.Cancel>
              <Button fullWidth variant="tertiary">
                {msg('approvals.page.confirm.back', 'Go back')}
              </Button>
            </Dialog.Cancel>
            <Dialog.Action>
              <Button
                fullWidth
                variant={pending.action === 'accept' ? 'success-light' : 'danger-light'}
                onClick={onConfirm}
              >
                {text.action}
              </Button>
            </Dialog.Action>
          </Dialog.Footer>
        </Dialog.Content>
      ) : null}
    </Dialog.Root>
  );
};
