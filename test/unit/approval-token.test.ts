/**
 * The signed references of approval emails: what parses, what verifies, what is refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  messageIdFor,
  parseRef,
  referenceFor,
  verifyRef,
} from '../../server/src/mail/approval-token';

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
      assert.ok(parsed, text);
      assert.equal(parsed.requestId, 42);
      assert.equal(parsed.approver, 1);
      assert.equal(verifyRef(key, parsed, address), true);
      assert.equal(verifyRef(key, parsed, 'approver@example.test'), true, 'address case ignored');
    }
  });

  test('another address, another key or an altered signature does not verify', () => {
    const parsed = parseRef(referenceFor(key, { requestId: 7, approver: 0 }, address))!;
    assert.equal(verifyRef(key, parsed, 'someone@example.test'), false);
    assert.equal(verifyRef(crypto.randomBytes(32), parsed, address), false);
    const flipped = parsed.signature[0] === 'a' ? 'b' : 'a';
    const altered = { ...parsed, signature: flipped + parsed.signature.slice(1) };
    assert.equal(verifyRef(key, altered, address), false);
    assert.equal(verifyRef(key, { ...parsed, requestId: 8 }, address), false);
  });

  test('a request id beyond what the database holds is not a reference', () => {
    assert.equal(parseRef('APR-2147483647-0-aaaaaaaaaaaaaaaa')?.requestId, 2147483647);
    assert.equal(parseRef('APR-2147483648-0-aaaaaaaaaaaaaaaa'), null);
    assert.equal(parseRef('<apr.999999999999.0.aaaaaaaaaaaaaaaa@example.test>'), null);
  });

  test('anything else is not a reference', () => {
    for (const text of ['', 'APR-1-0-short', 'APR-x-0-aaaaaaaaaaaaaaaa', '<apr.1.0.aaaa@x>']) {
      assert.equal(parseRef(text), null, text);
    }
  });
});
