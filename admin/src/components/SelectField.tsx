import * as React from 'react';
import { Field, SingleSelect, SingleSelectOption } from '@strapi/design-system';
import { useFormField } from '../hooks/useFormField';

interface SelectFieldProps {
  path: string;
  label: string;
  hint?: React.ReactNode;
  options: Array<{ value: string; label: string }>;
  /** shown instead of the field's value (a choice that is no value of its own: "Custom…") */
  value?: string;
  /** instead of storing the chosen value as is */
  onValueChange?(value: string): void;
}

export const SelectField = ({
  path,
  label,
  hint,
  options,
  value,
  onValueChange,
}: SelectFieldProps) => {
  const field = useFormField<string>(path);
  return (
    <Field.Root name={path} error={field.error} hint={field.lockedHint ?? hint}>
      <Field.Label>{label}</Field.Label>
      <SingleSelect
        value={value ?? field.value}
        onChange={(chosen) => (onValueChange ?? field.onChange)(String(chosen))}
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
