import * as React from 'react';
import { Field, SingleSelect, SingleSelectOption } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';

interface SelectFieldProps {
  path: string;
  label: string;
  hint?: React.ReactNode;
  options: Array<{ value: string; label: string }>;
}

export const SelectField = ({ path, label, hint, options }: SelectFieldProps) => {
  const field = useFormField<string>(path);
  return (
    <Field.Root name={path} error={field.error} hint={field.lockedHint ?? hint}>
      <Field.Label>{label}</Field.Label>
      <SingleSelect
        value={field.value}
        onChange={(value) => field.onChange(String(value))}
        disabled={field.disabled}
      >
        {options.map((option) => (
          <SingleSelectOption key={option.value} value={option.value}>
            {option.label}
          </SingleSelectOption>
        ))}
      </SingleSelect>
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
};
