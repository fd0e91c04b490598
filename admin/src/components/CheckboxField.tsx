import * as React from 'react';
import { Checkbox, Flex, Typography } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';

interface CheckboxFieldProps {
  path: string;
  label: string;
  hint?: React.ReactNode;
}

export const CheckboxField = ({ path, label, hint }: CheckboxFieldProps) => {
  const field = useFormField<boolean>(path);
  const hintId = React.useId();
  const shownHint = field.lockedHint ?? hint;
  return (
    <Flex direction="column" alignItems="stretch" gap={1}>
      <Checkbox
        name={path}
        checked={field.value === true}
        onCheckedChange={(checked) => field.onChange(checked === true)}
        disabled={field.disabled}
        aria-describedby={shownHint ? hintId : undefined}
      >
        {label}
      </Checkbox>
      {shownHint ? (
        <Typography id={hintId} variant="pi" textColor="neutral600">
          {shownHint}
        </Typography>
      ) : null}
    </Flex>
  );
};
