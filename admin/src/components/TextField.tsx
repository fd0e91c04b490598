import * as React from 'react';
import { Field, TextInput } from '@strapi/design-system';
import { Lock } from '@strapi/icons';
import { useFormField } from '../hooks/useFormField';

interface TextFieldProps {
  path: string;
  label: string;
  hint?: React.ReactNode;
  placeholder?: string;
  type?: 'text' | 'email';
  inputMode?: 'text' | 'numeric' | 'email';
  autoComplete?: string;
  required?: boolean;
}

/** A text (or number-as-text) field of the settings form, locked when the config sets it. */
export const TextField = ({ path, label, hint, required, ...input }: TextFieldProps) => {
  const field = useFormField<string>(path);
  return (
    <Field.Root name={path} error={field.error} hint={field.lockedHint ?? hint} required={required}>
      <Field.Label>{label}</Field.Label>
      <TextInput
        {...input}
        autoComplete={input.autoComplete ?? 'off'}
        spellCheck={false}
        value={field.value ?? ''}
        onChange={(event: React.ChangeEvent<HTMLInputElement>) =>
          field.onChange(event.target.value)
        }
        disabled={field.disabled}
        endAction={field.locked ? <Lock aria-hidden /> : undefined}
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
};
