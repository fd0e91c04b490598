import * as React from 'react';
import { Alert, type AlertProps } from '@strapi/design-system';
import { useMsg } from '../hooks/useMsg';

type DismissibleAlertProps = Omit<AlertProps, 'closeLabel' | 'onClose'>;

/** The design system's Alert always shows a close button; this one makes it work. */
export const DismissibleAlert = (props: DismissibleAlertProps) => {
  const { msg } = useMsg();
  const [open, setOpen] = React.useState(true);
  if (!open) return null;
  return (
    <Alert {...props} closeLabel={msg('Settings.close', 'Close')} onClose={() => setOpen(false)} />
  );
};
