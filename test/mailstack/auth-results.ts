/**
 * The submission server's Authentication-Results (RFC 8601), as a real receiving server writes
 * it: `auth=pass smtp.auth=<login>` for a message submitted with a login, on top of the header
 * block, after removing every Authentication-Results that claims our authserv-id (§5: such a
 * header came with the message and is a forgery). The plugin trusts this header when its IMAP
 * settings name AUTHSERV_ID.
 */
export const AUTHSERV_ID = 'mx.mailstack.test';

const HEADER_END = /\r?\n\r?\n/;

export function stampAuthResults(raw: Buffer, login: string | undefined): Buffer {
  const text = raw.toString('latin1');
  const end = HEADER_END.exec(text);
  const headEnd = end ? end.index : text.length;
  const head = text.slice(0, headEnd);
  const body = text.slice(headEnd);
  // Fields with their folded continuation lines.
  const fields = head.split(/\r?\n(?![ \t])/);
  const ours = (field: string) => {
    const m = /^authentication-results:\s*([^;\s]+)/i.exec(field);
    return m !== null && m[1]!.toLowerCase() === AUTHSERV_ID;
  };
  const kept = fields.filter((f) => !ours(f));
  const result = login ? `auth=pass smtp.auth=${login}` : 'none';
  const stamped = [`Authentication-Results: ${AUTHSERV_ID}; ${result}`, ...kept].join('\r\n');
  return Buffer.from(stamped + body, 'latin1');
}
