import * as React from 'react';
import type { SettingsView } from '../../../shared/contracts/settings';
import { toForm, toSaveRequest, type SectionKind, type SettingsForm } from '../utils/form';
import { setIn } from '../utils/objects';
import { validateSave, type FieldErrors } from '../utils/validation';

/**
 * The state of the settings form. Errors come from three places, shown in this order: the
 * server (a 400 on save), a Test refused before sending, and the shared schema, checked on every
 * change of a section that a Save would send.
 */
export function useSettingsForm(view: SettingsView) {
  const [initial, setInitial] = React.useState<SettingsForm>(() => toForm(view));
  const [values, setValues] = React.useState<SettingsForm>(initial);
  const [serverErrors, setServerErrors] = React.useState<FieldErrors>({});
  const [testErrors, setTestErrors] = React.useState<FieldErrors>({});
  const locked = React.useMemo(() => new Set(view.locked), [view.locked]);

  const clientErrors = React.useMemo(
    () => validateSave(values, initial, locked),
    [values, initial, locked]
  );
  const request = React.useMemo(() => toSaveRequest(values, initial), [values, initial]);
  const dirty = Object.keys(request).length > 0;
  const valid = Object.keys(clientErrors).length === 0;

  const setField = React.useCallback((path: string, value: unknown) => {
    setValues((current) => setIn(current, path, value));
    const drop = (errors: FieldErrors) => {
      if (!(path in errors)) return errors;
      const { [path]: _dropped, ...rest } = errors;
      return rest;
    };
    setServerErrors(drop);
    setTestErrors(drop);
  }, []);

  const errorFor = React.useCallback(
    (path: string) => serverErrors[path] ?? testErrors[path] ?? clientErrors[path],
    [serverErrors, testErrors, clientErrors]
  );

  /** Errors that stopped a Test of one section; they replace that section's previous ones. */
  const showTestErrors = React.useCallback((kind: SectionKind, errors: FieldErrors) => {
    setTestErrors((current) => {
      const others = Object.entries(current).filter(([path]) => !path.startsWith(`${kind}.`));
      return { ...Object.fromEntries(others), ...errors };
    });
  }, []);

  const reset = React.useCallback((next: SettingsView) => {
    const form = toForm(next);
    setInitial(form);
    setValues(form);
    setServerErrors({});
    setTestErrors({});
  }, []);

  return {
    values,
    request,
    dirty,
    valid,
    locked,
    setField,
    errorFor,
    setServerErrors,
    showTestErrors,
    reset,
  };
}
