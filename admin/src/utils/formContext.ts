import * as React from 'react';
import type { SettingsForm } from './form';
import type { FieldError } from './validation';

/** What a field of the settings form needs; provided by the page, read through useFormField. */
export interface SettingsFormContextValue {
  values: SettingsForm;
  setField(path: string, value: unknown): void;
  /** the admin left the field: its errors may show from now on */
  touch(path: string): void;
  errorFor(path: string): FieldError | undefined;
  isLocked(path: string): boolean;
  readOnly: boolean;
}

export const SettingsFormContext = React.createContext<SettingsFormContextValue | null>(null);
