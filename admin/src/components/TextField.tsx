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
  /** instead of storing the typed text as is (a host field splits a pasted URL) */
  onValueChange?(value: string): void;
}

/** A text (or number-as-text) field of the settings form, locked when the config sets it. */
export const TextField = ({
  path,
  label,
  hint,
  required,
  onValueChange,
  ...input
}: TextFieldProps) => {
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
          (onValueChange ?? field.onChange)(event.target.value)
        }
        onBlur={field.onBlur}
        disabled={field.disabled}
        endAction={field.locked ? <Lock aria-hidden /> : undefined}
      />
      <Field.Hint />
      <Field.Error />
    </Field.Root>
  );
};
