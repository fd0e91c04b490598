/**
 * The signed references of approval emails: what parses, what verifies, what is refused.
 */
import { describe, expect, test } from '@jest/globals';
import { expectTruthy } from '../helpers/expect';
import crypto from 'node:crypto';
import {
  messageIdFor,
  parseRef,
  redactRefs,
  referenceFor,
  verifyRef,
} from '../../server/src/mail/reply/token';

const key = crypto.randomBytes(32);
const address = 'Approver@Example.test';

describe('approval references', () => {
  test('a reference and a Message-ID parse back to the request and approver, and verify', () => {
    const ref = { requestId: 42, approver: 1 };
    for (const text of [
      referenceFor(key, ref, address),
      messageIdFor(key, ref, address, 'x.test'),
    ]) {
      const parsed = parseRef(text);
      expectTruthy(parsed);
      expect(parsed.requestId).toBe(42);
      expect(parsed.approver).toBe(1);
      expect(verifyRef(key, parsed, address)).toBe(true);
      expect(verifyRef(key, parsed, 'approver@example.test')).toBe(true); // address case ignored
    }
  });

  test('another address, another key or an altered signature does not verify', () => {
    const parsed = parseRef(referenceFor(key, { requestId: 7, approver: 0 }, address))!;
    expect(verifyRef(key, parsed, 'someone@example.test')).toBe(false);
    expect(verifyRef(crypto.randomBytes(32), parsed, address)).toBe(false);
    const flipped = parsed.signature[0] === 'a' ? 'b' : 'a';
    const altered = { ...parsed, signature: flipped + parsed.signature.slice(1) };
    expect(verifyRef(key, altered, address)).toBe(false);
    expect(verifyRef(key, { ...parsed, requestId: 8 }, address)).toBe(false);
  });

  test('a request id beyond what the database holds is not a reference', () => {
    expect(parseRef('APR-2147483647-0-aaaaaaaaaaaaaaaa')?.requestId).toBe(2147483647);
    expect(parseRef('APR-2147483648-0-aaaaaaaaaaaaaaaa')).toBe(null);
    expect(parseRef('<apr.999999999999.0.aaaaaaaaaaaaaaaa@example.test>')).toBe(null);
  });

  test('anything else is not a reference', () => {
    for (const text of ['', 'APR-1-0-short', 'APR-x-0-aaaaaaaaaaaaaaaa', '<apr.1.0.aaaa@x>']) {
      expect(parseRef(text)).toBe(null);
    }
  });
});

describe('redactRefs', () => {
  const key = Buffer.alloc(32, 7);
  test('drops the signature of references and Message-IDs, keeps the numbers', () => {
    const ref = referenceFor(key, { requestId: 42, approver: 1 }, 'a@example.test');
    const id = messageIdFor(key, { requestId: 42, approver: 1 }, 'a@example.test', 'example.test');
    const text = `Re: Approval requested: X [Ref: ${ref}] ${id} ${ref.toLowerCase()}`;
    expect(redactRefs(text)).toBe(
      'Re: Approval requested: X [Ref: APR-42-1-…] <apr.42.1.…@example.test> apr-42-1-…'
    );
    expect(redactRefs(undefined)).toBe(undefined);
  });
  test('leaves other text alone', () => {
    expect(redactRefs('APR-1-2-short and apr.1.2.x@y')).toBe('APR-1-2-short and apr.1.2.x@y');
  });
});
