import { Button, Dialog } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { useMsg } from '../hooks/useMsg';

interface UnsavedChangesDialogProps {
  open: boolean;
  onStay(): void;
  onLeave(): void;
}

export const UnsavedChangesDialog = ({ open, onStay, onLeave }: UnsavedChangesDialogProps) => {
  const { msg } = useMsg();
  return (
    <Dialog.Root open={open} onOpenChange={(isOpen) => (isOpen ? undefined : onStay())}>
      <Dialog.Content>
        <Dialog.Header>{msg('Settings.unsaved.title', 'Unsaved changes')}</Dialog.Header>
        <Dialog.Body icon={<WarningCircle fill="danger600" />}>
          {msg(
            'Settings.unsaved.body',
            'You changed the mail server settings without saving. Leave and lose these changes?'
          )}
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button fullWidth variant="tertiary">
              {msg('Settings.unsaved.stay', 'Stay on this page')}
            </Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button fullWidth variant="danger-light" onClick={onLeave}>
              {msg('Settings.unsaved.leave', 'Leave without saving')}
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );
};
