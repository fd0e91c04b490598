import { Button, Dialog } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';

interface UnsavedChangesDialogProps {
  open: boolean;
  onStay(): void;
  onLeave(): void;
}

export const UnsavedChangesDialog = ({ open, onStay, onLeave }: UnsavedChangesDialogProps) => {
  const { formatMessage } = useIntl();
  return (
    <Dialog.Root open={open} onOpenChange={(isOpen) => (isOpen ? undefined : onStay())}>
      <Dialog.Content>
        <Dialog.Header>
          {formatMessage({
            id: getTranslation('Settings.unsaved.title'),
            defaultMessage: 'Unsaved changes',
          })}
        </Dialog.Header>
        <Dialog.Body icon={<WarningCircle fill="danger600" />}>
          {formatMessage({
            id: getTranslation('Settings.unsaved.body'),
            defaultMessage:
              'You changed the mail server settings without saving. Leave and lose these changes?',
          })}
        </Dialog.Body>
        <Dialog.Footer>
          <Dialog.Cancel>
            <Button fullWidth variant="tertiary">
              {formatMessage({
                id: getTranslation('Settings.unsaved.stay'),
                defaultMessage: 'Stay on this page',
              })}
            </Button>
          </Dialog.Cancel>
          <Dialog.Action>
            <Button fullWidth variant="danger-light" onClick={onLeave}>
              {formatMessage({
                id: getTranslation('Settings.unsaved.leave'),
                defaultMessage: 'Leave without saving',
              })}
            </Button>
          </Dialog.Action>
        </Dialog.Footer>
      </Dialog.Content>
    </Dialog.Root>
  );
};
