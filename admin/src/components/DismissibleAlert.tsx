import * as React from 'react';
import { Alert, type AlertProps } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import { getTranslation } from '../utils/getTranslation';

type DismissibleAlertProps = Omit<AlertProps, 'closeLabel' | 'onClose'>;

/** The design system's Alert always shows a close button; this one makes it work. */
export const DismissibleAlert = (props: DismissibleAlertProps) => {
  const { formatMessage } = useIntl();
  const [open, setOpen] = React.useState(true);
  if (!open) return null;
  return (
    <Alert
      {...props}
      closeLabel={formatMessage({ id: getTranslation('Settings.close'), defaultMessage: 'Close' })}
      onClose={() => setOpen(false)}
    />
  );
};
