/**
 * Sender proof (issue #11, point 4): which headers prove that the From address sent a reply.
 * Forged and foreign headers prove nothing; doubt (a fail, another domain, two AuthAs headers)
 * is no proof.
 */
import { describe, expect, test } from '@jest/globals';
import { parseAuthResults } from '../../server/src/mail/reply/auth-results';
import { senderProof, type SenderTrust } from '../../server/src/mail/reply/sender-proof';
import type { HeaderField } from '../../server/src/mail/reply/headers';

const ours: SenderTrust = { authservIds: ['mx.contoso.example'], exchange: false };
const from = 'approver@contoso.example';
const ar = (value: string): HeaderField => ({ name: 'authentication-results', value });
const proof = (fields: HeaderField[], trust = ours, sender = from) =>
  senderProof(fields, sender, trust);

describe('parseAuthResults', () => {
  test('reads the authserv-id, methods, results and properties; comments and quotes dropped', () => {
    const header = parseAuthResults(
      'mx.contoso.example 1; (a comment; with = signs) dkim=pass (good sig) header.d=contoso.example ' +
        'header.s="sel 1"; spf = softfail smtp.mailfrom=x@y.example; dmarc/1=pass header.from=contoso.example'
    );
    expect(header.authservId).toBe('mx.contoso.example');
    expect(header.results).toEqual([
      {
        method: 'dkim',
        result: 'pass',
        props: { 'header.d': 'contoso.example', 'header.s': 'sel 1' },
      },
      { method: 'spf', result: 'softfail', props: { 'smtp.mailfrom': 'x@y.example' } },
      { method: 'dmarc', result: 'pass', props: { 'header.from': 'contoso.example' } },
    ]);
  });

  test("Exchange Online's header has no authserv-id", () => {
    const header = parseAuthResults(
      'spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.example; dkim=pass (signature was verified) header.d=contoso.example;dmarc=pass action=none header.from=contoso.example;compauth=pass reason=100'
    );
    expect(header.authservId).toBe('');
    expect(header.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'spf=pass',
      'dkim=pass',
      'dmarc=pass',
      'compauth=pass',
    ]);
  });

  test('unbalanced comments and quotes end the header instead of failing', () => {
    expect(
      parseAuthResults('mx.contoso.example; dkim=pass (never closed header.d=x').results
    ).toEqual([{ method: 'dkim', result: 'pass', props: {} }]);
    expect(parseAuthResults('"open; dmarc=pass').results).toEqual([]);
  });

  test('linear in the size of a hostile header', () => {
    const started = process.hrtime.bigint();
    for (const shape of ['('.repeat(8000), '= '.repeat(4000), ';'.repeat(8000), ' '.repeat(8000)]) {
      parseAuthResults(`mx.contoso.example; ${shape}`);
    }
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});

describe('senderProof', () => {
  test.each([
    [
      'dmarc=pass for the From domain',
      'mx.contoso.example; dmarc=pass header.from=contoso.example',
      'dmarc',
    ],
    [
      'dkim=pass with header.d the From domain',
      'mx.contoso.example; dkim=pass header.d=contoso.example',
      'dkim',
    ],
    [
      'dkim=pass with header.d a parent domain',
      'mx.contoso.example; dkim=pass header.d=example',
      null,
    ],
    ['auth=pass by the approver', `mx.contoso.example; auth=pass smtp.auth=${from}`, 'smtp-auth'],
    [
      'auth=pass by someone else',
      'mx.contoso.example; auth=pass smtp.auth=intern@contoso.example',
      null,
    ],
    [
      'dmarc=pass for another domain',
      'mx.contoso.example; dmarc=pass header.from=evil.example',
      null,
    ],
    ['dkim=pass for another domain', 'mx.contoso.example; dkim=pass header.d=evil.example', null],
    [
      'dkim=pass for a look-alike domain',
      'mx.contoso.example; dkim=pass header.d=xcontoso.example',
      null,
    ],
    [
      'a fail next to a pass',
      'mx.contoso.example; dkim=pass header.d=contoso.example; dmarc=fail header.from=contoso.example',
      null,
    ],
    ['spf=pass alone', 'mx.contoso.example; spf=pass smtp.mailfrom=contoso.example', null],
    ['another authserv-id', 'mx.evil.example; dmarc=pass header.from=contoso.example', null],
    [
      'no authserv-id (Exchange Online style)',
      'dmarc=pass action=none header.from=contoso.example',
      null,
    ],
  ])('%s', (_name, value, expected) => {
    expect(proof([ar(value)])).toBe(expected);
  });

  test('only the topmost header of our server counts: one forged below it changes nothing', () => {
    const ownFail = ar('mx.contoso.example; dmarc=fail header.from=contoso.example');
    const forged = ar('mx.contoso.example; dmarc=pass header.from=contoso.example');
    expect(proof([ownFail, forged])).toBe(null);
    // other servers' headers above ours are skipped, not believed
    const foreign = ar('mx.evil.example; dmarc=pass header.from=contoso.example');
    expect(proof([foreign, ownFail, forged])).toBe(null);
  });

  test('the authserv-id is compared without case', () => {
    expect(proof([ar('MX.Contoso.Example; dmarc=pass header.from=contoso.example')])).toBe('dmarc');
  });

  test('no From address, no proof', () => {
    expect(proof([ar('mx.contoso.example; dmarc=pass')], ours, '')).toBe(null);
  });

  describe('Exchange organisation headers', () => {
    const authAs = (value: string): HeaderField => ({
      name: 'x-ms-exchange-organization-authas',
      value,
    });
    const exchange = { ...ours, exchange: true };

    test('AuthAs: Internal proves the sender when the mailbox is on Exchange', () => {
      expect(proof([authAs('Internal')], exchange)).toBe('exchange-internal');
    });
    test('…and proves nothing anywhere else (anyone can write it)', () => {
      expect(proof([authAs('Internal')], ours)).toBe(null);
    });
    test.each(['Anonymous', 'External', 'Partner', 'Internal74'])('AuthAs: %s is no proof', (v) => {
      expect(proof([authAs(v)], exchange)).toBe(null);
    });
    test('two AuthAs headers are doubt', () => {
      expect(proof([authAs('Internal'), authAs('Internal')], exchange)).toBe(null);
    });
    test('the CrossTenant header is not filtered at the border: never trusted', () => {
      const cross = { name: 'x-ms-exchange-crosstenant-authas', value: 'Internal' };
      expect(proof([cross], exchange)).toBe(null);
    });
  });
});
