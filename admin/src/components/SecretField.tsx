import * as React from 'react';
import {
  Button,
  Field,
  Flex,
  TextButton,
  TextInput,
  Textarea,
  Typography,
} from '@strapi/design-system';
import { Lock } from '@strapi/icons';
import { useFormField } from '../hooks/useFormField';
import type { SecretValue } from '../utils/form';
import { useMsg } from '../hooks/useMsg';

interface SecretFieldProps {
  path: string;
  label: string;
  hint?: React.ReactNode;
  /** a PEM bundle: typed into a text area, never shown back */
  multiline?: boolean;
  /** what a stored value is shown as (default: "••••••• set") */
  setText?: string;
}

/**
 * A password or client secret. The page never receives a stored secret: it shows that one is
 * set, with Change (type a new one) and Clear (remove it on save).
 */
export const SecretField = ({ path, label, hint, multiline, setText }: SecretFieldProps) => {
  const { msg } = useMsg();
  const field = useFormField<SecretValue>(path);
  const secret = field.value;
  const labelId = React.useId();
  // Each button replaces itself: keep the keyboard focus on what takes its place.
  const inputRef = React.useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const changeRef = React.useRef<HTMLButtonElement>(null);
  const undoRef = React.useRef<HTMLButtonElement>(null);
  const moved = React.useRef(false);
  React.useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    const target = { change: inputRef, keep: changeRef, clear: undoRef }[secret.mode];
    target.current?.focus();
  }, [secret.mode]);

  const set = (next: Partial<SecretValue>) => {
    moved.current = next.mode !== undefined;
    field.onChange({ ...secret, ...next });
  };
  const setLabel = setText ?? msg('Settings.secret.set', '••••••• set');

  if (secret.mode === 'change') {
    return (
      <Field.Root name={path} error={field.error} hint={field.lockedHint ?? hint}>
        <Field.Label>{label}</Field.Label>
        {multiline ? (
          <Textarea
            ref={inputRef}
            value={secret.value}
            spellCheck={false}
            autoComplete="off"
            style={{ fontFamily: 'monospace', minHeight: '12rem' }}
            onChange={(event: React.ChangeEvent<HTMLTextAreaElement>) =>
              set({ value: event.target.value })
            }
            disabled={field.disabled}
          />
        ) : (
          <TextInput
            ref={inputRef}
            type="password"
            autoComplete="new-password"
            value={secret.value}
            onChange={(event: React.ChangeEvent<HTMLInputElement>) =>
              set({ value: event.target.value })
            }
            disabled={field.disabled}
          />
        )}
        <Field.Hint />
        <Field.Error />
        {secret.stored ? (
          <TextButton onClick={() => set({ mode: 'keep', value: '' })}>
            {msg('Settings.secret.keep', 'Keep the saved one')}
          </TextButton>
        ) : null}
      </Field.Root>
    );
  }

  const status =
    secret.mode === 'clear'
      ? msg('Settings.secret.willClear', 'Will be removed when you save')
      : setLabel;

  return (
    <Field.Root name={path} error={field.error} hint={field.lockedHint ?? hint}>
      <Flex direction="column" alignItems="stretch" gap={1} role="group" aria-labelledby={labelId}>
        <Typography id={labelId} variant="pi" fontWeight="bold" textColor="neutral800">
          {label}
        </Typography>
        <Flex gap={2} minHeight="4rem" wrap="wrap">
          {field.locked ? <Lock aria-hidden /> : null}
          <Typography
            textColor={secret.mode === 'clear' ? 'danger600' : 'neutral800'}
            aria-live="polite"
          >
            {status}
          </Typography>
          {field.disabled ? null : secret.mode === 'clear' ? (
            <Button ref={undoRef} variant="tertiary" size="S" onClick={() => set({ mode: 'keep' })}>
              {msg('Settings.secret.undo', 'Undo')}
            </Button>
          ) : (
            <>
              <Button
                variant="secondary"
                size="S"
                aria-label={msg('Settings.secret.change.aria', 'Change {label}', { label })}
                ref={changeRef}
                onClick={() => set({ mode: 'change', value: '' })}
              >
                {msg('Settings.secret.change', 'Change')}
              </Button>
              <Button
                variant="danger-light"
                size="S"
                aria-label={msg('Settings.secret.clear.aria', 'Clear {label}', { label })}
                onClick={() => set({ mode: 'clear' })}
              >
                {msg('Settings.secret.clear', 'Clear')}
              </Button>
            </>
          )}
        </Flex>
        <Field.Hint />
        <Field.Error />
      </Flex>
    </Field.Root>
  );
};
