import * as React from 'react';
import type { SettingsView } from '../../../shared/contracts/settings';
import { toForm, toSaveRequest, type SectionKind, type SettingsForm } from '../utils/form';
import { setIn } from '../utils/objects';
import { validateSave, type FieldErrors } from '../utils/validation';

/**
 * The state of the settings form. Errors come from three places, shown in this order: the
 * server (a 400 on save), a Test refused before sending, and the shared schema, checked on every
 * change of a section that a Save would send. The schema's errors are shown on a field only
 * once it was touched (typed in, or left) or a Save was attempted: ticking OAuth2 must not
 * turn the fields it reveals red before the admin had a chance to fill them in.
 */
export function useSettingsForm(view: SettingsView) {
  const [initial, setInitial] = React.useState<SettingsForm>(() => toForm(view));
  const [values, setValues] = React.useState<SettingsForm>(initial);
  const [serverErrors, setServerErrors] = React.useState<FieldErrors>({});
  const [testErrors, setTestErrors] = React.useState<FieldErrors>({});
  const locked = React.useMemo(() => new Set(view.locked), [view.locked]);
  const [touched, setTouched] = React.useState<ReadonlySet<string>>(() => new Set());
  const [submitted, setSubmitted] = React.useState(false);

  const clientErrors = React.useMemo(
    () => validateSave(values, initial, locked),
    [values, initial, locked]
  );
  const request = React.useMemo(() => toSaveRequest(values, initial), [values, initial]);
  const dirty = Object.keys(request).length > 0;
  const valid = Object.keys(clientErrors).length === 0;
  const shown = (path: string) => submitted || touched.has(path);
  /** an error the admin can see: Save stays enabled while the only errors are still hidden */
  const visibleErrors = Object.keys(clientErrors).some(shown);

  const touch = React.useCallback((path: string) => {
    setTouched((current) => (current.has(path) ? current : new Set(current).add(path)));
  }, []);

  const setField = React.useCallback((path: string, value: unknown) => {
    setValues((current) => setIn(current, path, value));
    setTouched((current) => (current.has(path) ? current : new Set(current).add(path)));
    const drop = (errors: FieldErrors) => {
      if (!(path in errors)) return errors;
      const { [path]: _dropped, ...rest } = errors;
      return rest;
    };
    setServerErrors(drop);
    setTestErrors(drop);
  }, []);

  const errorFor = React.useCallback(
    (path: string) =>
      serverErrors[path] ??
      testErrors[path] ??
      (submitted || touched.has(path) ? clientErrors[path] : undefined),
    [serverErrors, testErrors, clientErrors, submitted, touched]
  );

  /** A Save with errors still hidden shows them all. */
  const revealErrors = React.useCallback(() => setSubmitted(true), []);

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
    setTouched(new Set());
    setSubmitted(false);
  }, []);

  return {
    values,
    request,
    dirty,
    valid,
    visibleErrors,
    locked,
    setField,
    touch,
    revealErrors,
    errorFor,
    setServerErrors,
    showTestErrors,
    reset,
  };
}
