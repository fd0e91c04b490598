/**
 * The form model of the settings page and its conversions: API view → form values → request.
 * Numbers are kept as typed text so that "70000" or "12a" can be shown with an error on the
 * field instead of being swallowed by a number input.
 */
import type {
  ImapInput,
  ImapView,
  SettingsInput,
  SettingsView,
  SmtpInput,
  SmtpView,
} from '../../../shared/contracts/settings';

export type SectionKind = 'smtp' | 'imap';

/**
 * A secret as the page knows it: the page never receives the stored value, only whether one is
 * stored. `keep` leaves it as is, `change` sends what was typed, `clear` removes it.
 */
export interface SecretValue {
  stored: boolean;
  mode: 'keep' | 'change' | 'clear';
  value: string;
}

type OAuth2View = SmtpView['oauth2'];
export type OAuth2Form = Omit<OAuth2View, 'clientSecretSet' | 'clientCertificateSet'> & {
  clientSecret: SecretValue;
  clientCertificate: SecretValue;
};

interface ServerForm {
  host: string;
  port: string;
  security: SmtpView['security'];
  username: string;
  password: SecretValue;
  oauth2: OAuth2Form;
}

export interface SmtpForm extends ServerForm {
  transport: SmtpView['transport'];
  fromName: string;
  fromAddress: string;
  replyTo: string;
  /** typed text: '' takes the host's preset, 0 means no limit */
  messagesPerMinute: string;
  recipientsPerDay: string;
}

export interface ImapForm extends ServerForm {
  transport: ImapView['transport'];
  mailbox: string;
  processedFolder: string;
  pollInterval: string;
  idle: boolean;
  senderCheck: ImapView['senderCheck'];
  authservId: string;
  exchangeHeaders: boolean;
}

export interface SettingsForm {
  smtp: SmtpForm;
  imap: ImapForm;
}

export type SectionForm<K extends SectionKind> = SettingsForm[K];
type SectionInput<K extends SectionKind> = K extends 'smtp' ? SmtpInput : ImapInput;

const secretFrom = (stored: boolean): SecretValue => ({
  stored,
  mode: stored ? 'keep' : 'change',
  value: '',
});

/** omitted = keep what is stored, null = clear it, a string = replace it */
export function secretToInput(secret: SecretValue): string | null | undefined {
  if (secret.mode === 'clear') return secret.stored ? null : undefined;
  if (secret.mode === 'change' && secret.value !== '') return secret.value;
  return undefined;
}

/** The secret will be there after a save (or a test): stored and kept, or typed. */
export const secretWillBeSet = (secret: SecretValue) =>
  (secret.stored && secret.mode === 'keep') || (secret.mode === 'change' && secret.value !== '');

const numberFrom = (value: number | null | undefined) => (value == null ? '' : String(value));

/** '' is "not set"; anything but digits becomes NaN so that the schema reports it. */
const numberToInput = (text: string) => {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
};

function serverForm(view: SmtpView | ImapView): ServerForm {
  const { clientSecretSet, clientCertificateSet, ...oauth2 } = view.oauth2;
  return {
    host: view.host,
    port: numberFrom(view.port),
    security: view.security,
    username: view.username,
    password: secretFrom(view.passwordSet),
    oauth2: {
      ...oauth2,
      clientSecret: secretFrom(clientSecretSet),
      clientCertificate: secretFrom(clientCertificateSet),
    },
  };
}

export function toForm(view: SettingsView): SettingsForm {
  return {
    smtp: {
      ...serverForm(view.smtp),
      transport: view.smtp.transport,
      fromName: view.smtp.fromName,
      fromAddress: view.smtp.fromAddress,
      replyTo: view.smtp.replyTo,
      messagesPerMinute: numberFrom(view.smtp.messagesPerMinute),
      recipientsPerDay: numberFrom(view.smtp.recipientsPerDay),
    },
    imap: {
      ...serverForm(view.imap),
      transport: view.imap.transport,
      mailbox: view.imap.mailbox,
      processedFolder: view.imap.processedFolder,
      pollInterval: numberFrom(view.imap.pollInterval),
      idle: view.imap.idle,
      senderCheck: view.imap.senderCheck,
      authservId: view.imap.authservId,
      exchangeHeaders: view.imap.exchangeHeaders,
    },
  };
}

/** One section as the API expects it in a save or a test request. */
export function sectionToInput<K extends SectionKind>(
  kind: K,
  form: SectionForm<K>
): SectionInput<K> {
  const { password, oauth2, port, ...rest } = form as unknown as ServerForm &
    Record<string, unknown>;
  // The thumbprint is the server's to say, never sent back.
  const { clientSecret, clientCertificate, certificateThumbprint: _t, ...oauth2Rest } = oauth2;
  const input: Record<string, unknown> = {
    ...rest,
    port: numberToInput(port),
    password: secretToInput(password),
    oauth2: {
      ...oauth2Rest,
      clientSecret: secretToInput(clientSecret),
      clientCertificate: secretToInput(clientCertificate),
    },
  };
  if (kind === 'smtp') {
    // empty: null, the preset of the host (Microsoft 365's limits), which the schema keeps
    input.messagesPerMinute = numberToInput(String(rest.messagesPerMinute));
    input.recipientsPerDay = numberToInput(String(rest.recipientsPerDay));
  }
  if (kind === 'imap') {
    const poll = numberToInput(String(rest.pollInterval));
    // empty: let the schema apply its default
    input.pollInterval = poll === null ? undefined : poll;
  }
  return input as SectionInput<K>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const isSectionDirty = <K extends SectionKind>(
  kind: K,
  values: SectionForm<K>,
  initial: SectionForm<K>
) => !same(sectionToInput(kind, values), sectionToInput(kind, initial));

/** The save request: only the sections that changed, so an untouched section is left alone. */
export function toSaveRequest(values: SettingsForm, initial: SettingsForm): SettingsInput {
  const request: SettingsInput = {};
  if (isSectionDirty('smtp', values.smtp, initial.smtp)) {
    request.smtp = sectionToInput('smtp', values.smtp);
  }
  if (isSectionDirty('imap', values.imap, initial.imap)) {
    request.imap = sectionToInput('imap', values.imap);
  }
  return request;
}
