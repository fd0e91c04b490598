/**
 * Hostile input: hand-made cases (broken MIME, unknown charset, oversized headers, junk, deep
 * HTML) and 300 generated mutations (truncation, byte flips, duplicated headers, junk
 * inserted, line endings mangled) of real replies. analyzeReply must never throw and must
 * always return a valid ReplyAnalysis. The generator is seeded, so a failure names a case
 * that can be replayed.
 */
import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeReply, replyAnalysisSchema } from '../../server/src/mail/reply';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
const analyze = async (raw: Buffer | string, opts?: Parameters<typeof analyzeReply>[1]) =>
  replyAnalysisSchema.parse(await analyzeReply(raw, opts));

/** A minimal reply whose header block starts with `head`. */
const message = (head: string, body = 'APPROVE\r\n') =>
  Buffer.from(
    `${head}\r\nFrom: Mark <mark@example.test>\r\nTo: approvals@cms.example.test\r\n` +
      `Subject: Re: Approval requested\r\nMessage-ID: <m1@example.test>\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`
  );
const SEEDS = ['reply-outlook-desktop.eml', 'reply-apple-iphone.eml', 'reply-dsn.eml'];
const CASES = 300;

/** mulberry32: small, fast and reproducible. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (raw: Buffer, rand: () => number) => Buffer;
const int = (rand: () => number, max: number) => Math.floor(rand() * max);

const MUTATIONS: Record<string, Mutation> = {
  truncate: (raw, rand) => raw.subarray(0, int(rand, raw.length)),
  flipBytes: (raw, rand) => {
    const out = Buffer.from(raw);
    for (let n = 1 + int(rand, 40); n > 0; n--) out[int(rand, out.length)] = int(rand, 256);
    return out;
  },
  duplicateHeader: (raw, rand) => {
    const text = raw.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    const lines = text.slice(0, end).split('\r\n');
    const line = lines[int(rand, lines.length)];
    const copies = Array.from({ length: 1 + int(rand, 200) }, () => line);
    return Buffer.from(`${copies.join('\r\n')}\r\n${text}`, 'latin1');
  },
  insertJunk: (raw, rand) => {
    const at = int(rand, raw.length);
    const junk = Buffer.from(Array.from({ length: 1 + int(rand, 2000) }, () => int(rand, 256)));
    return Buffer.concat([raw.subarray(0, at), junk, raw.subarray(at)]);
  },
  mangleLineEnds: (raw, rand) => {
    const text = raw.toString('latin1');
    const pick = ['\n', '\r', '\r\r\n', ''][int(rand, 4)];
    return Buffer.from(
      text.replace(/\r\n/g, () => (rand() < 0.5 ? pick : '\r\n')),
      'latin1'
    );
  },
  breakBoundary: (raw, rand) => {
    const text = raw.toString('latin1');
    return Buffer.from(
      text.replace(/boundary="?([^"\r\n;]+)"?/i, `boundary="x${int(rand, 9)}"`),
      'latin1'
    );
  },
};

test(`${CASES} mutated replies never throw, always yield a valid analysis, never invent a decision`, async () => {
  const rand = prng(0x5eed);
  const seeds = SEEDS.map((name) => fs.readFileSync(path.join(FIXTURES, name)));
  const seedDecisions = await Promise.all(
    seeds.map(async (raw) => (await analyzeReply(raw)).decision)
  );
  let decided = 0;
  const names = Object.keys(MUTATIONS);
  for (let i = 0; i < CASES; i++) {
    let raw: Buffer = seeds[i % seeds.length];
    const applied: string[] = [];
    for (let n = 1 + int(rand, 3); n > 0; n--) {
      const name = names[int(rand, names.length)];
      raw = MUTATIONS[name](raw, rand);
      applied.push(name);
    }
    const analysis = await analyzeReply(raw);
    const valid = replyAnalysisSchema.safeParse(analysis);
    expect(valid.success).toBeTruthy();
    // Damage can lose a decision (doubt), never create one the original did not carry.
    if (analysis.decision !== null) {
      expect([applied, analysis.decision]).toEqual([applied, seedDecisions[i % seeds.length]]);
      decided++;
    }
    // A sender is one lowercased address or nothing; without trusted servers, never proven.
    expect(analysis.from === '' || /^[^\sA-Z]+@[^\sA-Z]+$/.test(analysis.from)).toBe(true);
    expect(analysis.senderProof).toBe(null);
    expect(analysis.references.length).toBeLessThanOrEqual(32);
  }
  // The mutations leave many replies readable: the properties above were really exercised.
  expect(decided).toBeGreaterThan(CASES / 10);
});

describe('hostile input', () => {
  test('broken MIME (wrong boundary, bad base64, 8-bit header) is read leniently, without a crash', async () => {
    const a = await analyze(fixture('reply-broken-mime.eml'));
    expect(a.from).toBe('broken@example.test');
    expect(a.messageId).toBe('<broken-1@example.test>');
  });

  test('an unknown charset is decoded as UTF-8 with replacement characters', async () => {
    const a = await analyze(fixture('reply-invalid-charset.eml'));
    expect([a.kind, a.decision]).toStrictEqual(['reply', 'approve']);
    expect(a.comment).toMatch(/^Sch\uFFFDne Gr/);
  });

  test('a header block larger than the parser accepts is malformed', async () => {
    const a = await analyze(message(`X-Filler: ${'a'.repeat(600 * 1024)}`));
    expect([a.kind, a.decision, a.reason]).toStrictEqual(['other', null, 'malformed']);
  });

  test('a 100 kB header line is still read', async () => {
    const a = await analyze(message(`X-Note: ${'b'.repeat(100 * 1024)}`));
    expect([a.kind, a.decision]).toStrictEqual(['reply', 'approve']);
  });

  test('binary junk and empty input are malformed', async () => {
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
    for (const raw of [junk, Buffer.alloc(0), '', 'APPROVE']) {
      const a = await analyze(raw);
      expect([a.kind, a.reason]).toStrictEqual(['other', 'malformed']);
    }
  });

  test('a message over maxBytes is refused unread', async () => {
    const a = await analyze(fixture('reply-outlook-desktop.eml'), { maxBytes: 1024 });
    expect([a.kind, a.reason, a.from]).toStrictEqual(['other', 'too-large', '']);
    expect((await analyze('x'.repeat(2048), { maxBytes: 1024 })).reason).toStrictEqual('too-large');
  });

  test('HTML nested 50,000 deep is cut at a sane depth, quickly', async () => {
    const html = '<div>'.repeat(50_000) + 'APPROVE' + '</div>'.repeat(50_000);
    const raw = Buffer.from(
      `From: a@example.test\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n${html}`
    );
    const a = await analyze(raw);
    expect([a.kind, a.decision, a.text]).toStrictEqual(['reply', null, '']);
  }, 5000);

  test('invalid options are a programming error and reject', async () => {
    await expect(analyzeReply('x', { maxBytes: -1 })).rejects.toBeDefined();
  });
});
