/**
 * Classifiers for failures inside an established session: a missing IMAP folder, a refused
 * sender, recipient or message, and a peer that does not speak the expected protocol.
 */
import {
  hasCode,
  label,
  usualPorts,
  where,
  type DiagnoseContext,
  type Facts,
  type Finding,
} from './facts';

export function mailboxFinding(f: Facts): Finding | undefined {
  const missing =
    hasCode(f, 'NOTFOUND', 'NONEXISTENT', 'TRYCREATE') ||
    f.mailboxMissing ||
    /mailbox doesn't exist|no such mailbox|unknown mailbox/i.test(f.message);
  if (missing) {
    return {
      code: 'EMAILBOX',
      diagnosis: `The folder does not exist: ${f.message}`,
      fix: 'Check the folder name: case matters, and sub-folders use the server separator (INBOX/Approvals or INBOX.Approvals). Create it in a mail client if needed.',
    };
  }
  if (hasCode(f, 'NOPERM')) {
    return {
      code: 'EMAILBOX',
      diagnosis: 'The account has no permission to open this folder.',
      fix: 'Grant the account access to the folder, or choose another one.',
    };
  }
  return undefined;
}

export function envelopeFinding(f: Facts): Finding | undefined {
  const cmd = (f.command ?? '').toUpperCase();
  const rejected = (f.responseCode ?? 0) >= 400 && /^(MAIL FROM|RCPT TO|DATA)/.test(cmd);
  if (!hasCode(f, 'EENVELOPE', 'EMESSAGE') && !rejected) return undefined;
  const onData = cmd.startsWith('DATA') && !hasCode(f, 'EENVELOPE');
  const code = hasCode(f, 'EMESSAGE') || onData ? 'EMESSAGE' : 'EENVELOPE';
  const reply = f.response ? ` The server said: ${f.response}` : '';
  const enhanced = f.enhanced ?? '';
  if ((f.responseCode ?? 0) >= 400 && (f.responseCode ?? 0) < 500) {
    return {
      code,
      diagnosis: `The server refused the message for now (temporary error, e.g. greylisting or rate limit).${reply}`,
      fix: 'Try again in a few minutes.',
    };
  }
  if (/^5\.1\.[0-3]$/.test(enhanced) && cmd.startsWith('RCPT')) {
    return {
      code: 'EENVELOPE',
      diagnosis: `The recipient address does not exist or is not accepted.${reply}`,
      fix: 'Check the recipient address.',
    };
  }
  if (cmd.startsWith('MAIL')) {
    return {
      code: 'EENVELOPE',
      diagnosis: `The server refused the sender address.${reply}`,
      fix: 'Use a From address that belongs to the account you log in with, or get the right to send as it.',
    };
  }
  if (enhanced === '5.7.1' && cmd.startsWith('RCPT')) {
    return {
      code: 'EENVELOPE',
      diagnosis: `The server refuses to relay to this recipient for this sender (relaying denied).${reply}`,
      fix: 'Log in (user name and password or OAuth2) and use a From address of that account.',
    };
  }
  if (enhanced === '5.3.4' || f.responseCode === 552) {
    return {
      code: 'EMESSAGE',
      diagnosis: `The message is larger than the server accepts.${reply}`,
      fix: 'Send smaller attachments.',
    };
  }
  return code === 'EMESSAGE'
    ? {
        code,
        diagnosis: `The server refused the message content (policy, spam or virus filter).${reply}`,
        fix: 'Check the content and the sender domain (SPF/DKIM), or ask the mail administrator.',
      }
    : {
        code,
        diagnosis: `The server refused the sender or a recipient.${reply}`,
        fix: 'Check the From and To addresses.',
      };
}

const PEERS: Array<[RegExp, string]> = [
  [/^\* (OK|PREAUTH|BYE)/, 'an IMAP server'],
  [/^\+OK/, 'a POP3 server'],
  [/^220[ -]/, 'an SMTP server'],
  [/HTTP\/\d|<html/i, 'a web server'],
  [/^SSH-/, 'an SSH server'],
];

export function protocolFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const parser = [...f.codes].some((c) => c.startsWith('PARSERERROR'));
  const known = hasCode(
    f,
    'EPROTOCOL',
    'INVALIDRESPONSE',
    'UNEXPECTEDTAG',
    'MISSINGTAG',
    'LINETOOLARGE'
  );
  if (!parser && !known) return undefined;
  const text = (f.response ?? f.message.replace(/^.*?response=/s, '')).trim();
  // A TLS record (0x15 alert / 0x16 handshake) where a text greeting was expected.
  if (/[\x00-\x08\x0e-\x1a\x80-\xff]/.test(text.slice(0, 8))) {
    return {
      code: 'ETLS',
      diagnosis: `The server at ${where(ctx)} started a TLS handshake: this port expects SSL/TLS from the first byte.`,
      fix: `Choose SSL/TLS for port ${ctx.endpoint.port}.`,
    };
  }
  const own = ctx.protocol === 'smtp' ? 'an SMTP server' : 'an IMAP server';
  const peer = PEERS.find(([re, name]) => name !== own && re.test(text))?.[1];
  return {
    code: 'EPROTOCOL',
    diagnosis: peer
      ? `The server at ${where(ctx)} is ${peer}, not ${own}.`
      : `The server at ${where(ctx)} does not speak ${label(ctx.protocol)} as expected.`,
    fix: `Check the port. ${usualPorts(ctx.protocol)}.`,
  };
}
