/**
 * Client-side validation with the shared contract (the very schema the server parses with), and
 * the translation of its messages, whether they come from this page or from a 400 of the API.
 */
import type { MessageDescriptor } from 'react-intl';
import type { z } from 'zod';
import {
  imapInputSchema,
  settingsInputSchema,
  smtpInputSchema,
} from '../../../shared/contracts/settings';
import { getTranslation } from './getTranslation';
import {
  secretWillBeSet,
  sectionToInput,
  toSaveRequest,
  type SectionForm,
  type SectionKind,
  type SettingsForm,
} from './form';

export interface FieldError {
  descriptor: MessageDescriptor;
  values?: Record<string, string | number>;
}
/** dotted path (`smtp.port`) → error */
export type FieldErrors = Record<string, FieldError>;

const msg = (id: string, defaultMessage: string, values?: FieldError['values']): FieldError => ({
  descriptor: { id: getTranslation(id), defaultMessage },
  values,
});

/** Messages of the contract's own refinements, as the server sends them too. */
const KNOWN: Record<string, FieldError> = {
  'must be a host name or an IP address': msg(
    'Settings.error.host',
    'Enter a host name (mail.example.com) or an IP address'
  ),
  'must be an email address': msg('Settings.error.email', 'Enter an email address'),
  'is required for OAuth2': msg('Settings.error.requiredForOAuth2', 'Required for OAuth2'),
  'is required for OAuth2 (the mailbox address)': msg(
    'Settings.error.usernameForOAuth2',
    'Required for OAuth2: the address of the mailbox'
  ),
  'must name your organisation (its tenant ID or domain) for client credentials': msg(
    'Settings.error.tenantAlias',
    'Client credentials need your own tenant ID or domain, not common or organizations'
  ),
  'is required for Microsoft Graph': msg(
    'Settings.error.oauth2ForGraph',
    'Microsoft Graph needs OAuth2: tick it and fill in the app registration'
  ),
  'must hold a PEM private key and its certificate': msg(
    'Settings.error.certificate',
    'Paste the private key and its certificate, both in PEM form'
  ),
  'must be a host name, optionally with :port': msg(
    'Settings.error.authorityHost',
    'Enter a host name, optionally with :port'
  ),
  'must not contain control characters': msg(
    'Settings.error.controlChars',
    'Must not contain line breaks or control characters'
  ),
};

/** A message the page has no translation for is shown as the server wrote it. */
export const rawError = (message: string): FieldError =>
  KNOWN[message] ?? msg('Settings.error.raw', '{message}', { message });

/** The field errors of a 400 from the API (dotted path → the server's message). */
export const serverErrors = (byPath: Record<string, string>): FieldErrors =>
  Object.fromEntries(Object.entries(byPath).map(([path, message]) => [path, rawError(message)]));

function issueToError(issue: z.core.$ZodIssue): FieldError {
  if (KNOWN[issue.message]) return KNOWN[issue.message];
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string'
        ? msg('Settings.error.maxLength', 'Must be at most {max} characters', {
            max: Number(issue.maximum),
          })
        : msg('Settings.error.max', 'Must be {max} or less', { max: Number(issue.maximum) });
    case 'too_small':
      if (issue.origin === 'string') return msg('Settings.error.required', 'Required');
      return msg('Settings.error.min', 'Must be {min} or more', { min: Number(issue.minimum) });
    case 'invalid_type':
      return msg('Settings.error.integer', 'Enter a whole number');
    case 'invalid_format':
      return KNOWN['must not contain control characters'];
    default:
      return rawError(issue.message);
  }
}

export function issuesToErrors(issues: z.core.$ZodIssue[], prefix: string[] = []): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.map(String)].join('.');
    errors[path] ??= issueToError(issue);
  }
  return errors;
}

/**
 * OAuth2 needs its credential (a client secret or a certificate); the server checks it after
 * merging with what is stored, the page can check it before, since it knows whether one is.
 */
function secretRules(kind: SectionKind, form: SectionForm<SectionKind>, locked: Set<string>) {
  const errors: FieldErrors = {};
  const needsCredential = form.host.trim() !== '' && form.oauth2.enabled;
  const field = form.oauth2.credential === 'certificate' ? 'clientCertificate' : 'clientSecret';
  if (
    needsCredential &&
    !secretWillBeSet(form.oauth2[field]) &&
    !locked.has(`${kind}.oauth2.${field}`)
  ) {
    errors[`${kind}.oauth2.${field}`] = KNOWN['is required for OAuth2'];
  }
  return errors;
}

/** Errors of what a Save would send (only the changed sections). */
export function validateSave(
  values: SettingsForm,
  initial: SettingsForm,
  locked: Set<string>
): FieldErrors {
  const request = toSaveRequest(values, initial);
  const parsed = settingsInputSchema.safeParse(request);
  let errors = parsed.success ? {} : issuesToErrors(parsed.error.issues);
  for (const kind of ['smtp', 'imap'] as const) {
    if (request[kind]) errors = { ...secretRules(kind, values[kind], locked), ...errors };
  }
  return errors;
}

/** Errors that would make a Test request invalid (the test itself reports the rest). */
export function validateTest<K extends SectionKind>(kind: K, form: SectionForm<K>): FieldErrors {
  const schema = kind === 'smtp' ? smtpInputSchema : imapInputSchema;
  const parsed = schema.safeParse(sectionToInput(kind, form));
  return parsed.success ? {} : issuesToErrors(parsed.error.issues, [kind]);
}
