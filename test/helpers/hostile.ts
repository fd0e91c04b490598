/**
 * Hostile reply shapes for the analyser (test/unit/reply-hostile.test.ts and
 * bench/hostile.ts): lines built to make a backtracking pattern retry every split of a long
 * run. Each shape is a unit of text repeated up to the wanted size, below a plain header.
 */
import { analyzeReply } from '../../server/src/mail/reply';

export interface HostileShape {
  name: string;
  /** the body is `head` once, then `unit` repeated, then `tail` */
  head?: string;
  unit: string;
  tail?: string;
  html?: boolean;
}

const spaces = (n: number) => ' '.repeat(n);

export const HOSTILE_SHAPES: readonly HostileShape[] = [
  // A quote header, then a line of spaces under the pattern cap: 8 s for 3.4 KB before.
  {
    name: 'quote header then a line of spaces',
    unit: `On 1 Jan 2025, a@b.example wrote:\n${spaces(990)}x\n`,
  },
  {
    name: 'wrapped quote header opener then spaces',
    unit: `On 1 Jan 2025 a@b.example\n${spaces(990)}:x\n`,
  },
  {
    name: 'greeting then spaces',
    head: `Hi Anna${spaces(5000)}x\n`,
    unit: `Hello${spaces(990)}x\n`,
  },
  { name: 'long lines of spaces', unit: `${spaces(5000)}x\n` },
  { name: "long lines of '>'", unit: `${'>'.repeat(5000)}x\n` },
  { name: "long lines of '-- '", unit: `${'-- '.repeat(1500)}x\n` },
  {
    name: 'attribution-like lines',
    head: 'APPROVE\n',
    unit: 'On 1 Jan 2025 a@b.example wrote wrote\n',
  },
  { name: 'address-like lines with long dotted domains', unit: `a@${'b.'.repeat(480)}x wrote\n` },
  { name: "'schrieb am' repeated on a line", unit: `Max ${'schrieb am '.repeat(85)}x\n` },
  { name: 'header-like lines', head: 'APPROVE\n', unit: 'From: x\nSubject: y\n' },
  { name: 'decision word then spaces', head: `APPROVE${spaces(20_000)}x\n`, unit: 'x\n' },
  {
    name: 'blank lines between quote headers',
    head: 'APPROVE\n',
    unit: `\n\n\n\nOn 1 Jan 2025, a@b.example wrote:\n`,
  },
  {
    name: 'deeply nested HTML blockquotes',
    html: true,
    head: '<p>APPROVE</p>',
    unit: '<blockquote><div>',
    tail: 'x',
  },
];

const HEAD =
  'From: Mallory <mallory@example.test>\r\nTo: approvals@example.test\r\n' +
  'Subject: Re: Approval requested\r\nMessage-ID: <hostile@example.test>\r\nMIME-Version: 1.0\r\n';

/** A raw message of about `bytes` bytes built from `shape`. */
export function hostileMessage(shape: HostileShape, bytes: number): Buffer {
  const head = shape.head ?? '';
  const tail = shape.tail ?? '';
  const count = Math.max(1, Math.floor((bytes - head.length - tail.length) / shape.unit.length));
  const body = head + shape.unit.repeat(count) + tail;
  const type = shape.html ? 'text/html' : 'text/plain';
  return Buffer.from(`${HEAD}Content-Type: ${type}; charset=utf-8\r\n\r\n${body}`);
}

/** Milliseconds of one analysis of `raw`: the best of `runs`, against a stray GC pause. */
export async function analysisTime(raw: Buffer, runs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await analyzeReply(raw);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
