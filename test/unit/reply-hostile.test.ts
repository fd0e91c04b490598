/**
 * The reply analyser against hostile shapes (a sender who wants to freeze Strapi): each shape
 * at two sizes, 4× apart. The time must grow about linearly — never the 8 s that one 3.4 KB
 * reply (a quote header, then a line of spaces) took before — and stay within a generous
 * budget. The benchmark `npm run bench:hostile` prints the figures; this test only guards the
 * growth, with room for a busy machine.
 */
import { describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import { HOSTILE_SHAPES, analysisTime, hostileMessage } from '../helpers/hostile';
import { analyzeReply } from '../../server/src/mail/reply';
import { MAX_READ_BYTES } from '../../server/src/mail/reply/analyze';

describe('hostile replies are analyzed in time linear in their size', () => {
  for (const shape of HOSTILE_SHAPES) {
    test(shape.name, async () => {
      const small = await analysisTime(hostileMessage(shape, 64 * 1024), 2);
      const large = await analysisTime(hostileMessage(shape, 256 * 1024), 2);
      diagnostic(`${shape.name}: 64 KB ${small.toFixed(0)} ms, 256 KB ${large.toFixed(0)} ms`);
      // Linear: ×4 input gives about ×4 time; ×10 leaves room for noise, a quadratic
      // pattern would give ×16 and a cubic one ×64. The budget is far above what linear costs.
      expect(large).toBeLessThan(10 * small + 100);
      expect(large).toBeLessThan(3000);
    });
  }
});

describe('a large message is read up to its first 2 MB', () => {
  const head =
    'From: approver@example.test\r\nTo: mailbox@example.test\r\nSubject: Re: x\r\n' +
    'Message-ID: <big@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n';
  const filler = (bytes: number) => '> an old quoted line of the thread\r\n'.repeat(bytes / 36);

  test('the decision at the top of an 8 MB reply counts', async () => {
    const raw = Buffer.from(`${head}APPROVE\r\n\r\n${filler(8 * 1024 * 1024)}`);
    const result = await analyzeReply(raw);
    expect([result.kind, result.decision]).toEqual(['reply', 'approve']);
  });

  test('text after the first 2 MB is never read: a late decision is no decision', async () => {
    // Blank lines are skipped on the way to the first line: read to the end, this would approve.
    const raw = Buffer.from(`${head}${'\r\n'.repeat(1.5 * 1024 * 1024)}APPROVE\r\n`);
    expect(raw.length).toBeGreaterThan(MAX_READ_BYTES);
    const result = await analyzeReply(raw);
    expect(result.decision).toBe(null);
  });

  test('one huge line (HTML without line breaks) is cut where the limit falls, not dropped', async () => {
    const html = `<p>APPROVE</p>${'<div>x</div>'.repeat(300_000)}`;
    const raw = Buffer.from(head.replace('text/plain', 'text/html') + html);
    expect(raw.length).toBeGreaterThan(MAX_READ_BYTES);
    const result = await analyzeReply(raw);
    expect(result.decision).toBe('approve');
  });
});

describe('huge header lines are read in time linear in their size', () => {
  const body = '\r\nAPPROVE\r\n';
  const shapes: Array<[string, (n: number) => string]> = [
    ['References of many ids', (n) => `References: ${'<a.b@c.example> '.repeat(n / 16)}\r\n`],
    ['a Subject of spaces', (n) => `Subject: Re: ${' '.repeat(n)}x\r\n`],
    [
      'a From display name full of @',
      (n) => `From: "${'a@'.repeat(n / 2)}" <approver@example.test>\r\n`,
    ],
    [
      'Authentication-Results with nested comments',
      (n) =>
        `Authentication-Results: mx.example.test; ${'('.repeat(n / 2)}${')'.repeat(n / 2)} dkim=pass\r\n`,
    ],
    [
      'many Authentication-Results headers',
      (n) =>
        'Authentication-Results: mx.example.test; dkim=pass header.d=x.example\r\n'.repeat(n / 70),
    ],
  ];
  const message = (header: string) =>
    Buffer.from(
      `From: approver@example.test\r\nTo: mailbox@example.test\r\nMessage-ID: <h@example.test>\r\n${header}${body}`
    );
  const trust = { authservIds: ['mx.example.test'], exchange: false };
  const time = async (raw: Buffer) => {
    let best = Infinity;
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      await analyzeReply(raw, { trust });
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  for (const [name, header] of shapes) {
    test(name, async () => {
      const small = await time(message(header(64 * 1024)));
      const large = await time(message(header(256 * 1024)));
      diagnostic(`${name}: 64 KB ${small.toFixed(0)} ms, 256 KB ${large.toFixed(0)} ms`);
      expect(large).toBeLessThan(10 * small + 100);
      expect(large).toBeLessThan(3000);
    });
  }
});
