/**
 * The analyser's hard time limit (issue #11, point 1, defence in depth): the worker thread is
 * bundled here as the build bundles it, a message that outlasts the limit comes back as
 * 'analysis-timeout' without blocking this thread, and the next message gets a fresh thread.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import {
  analyzeReply,
  createBoundedAnalyzer,
  type BoundedAnalyzer,
} from '../../server/src/mail/reply';
import { HOSTILE_SHAPES, hostileMessage } from '../helpers/hostile';

const ROOT = path.resolve(__dirname, '..', '..');
const reply = (text: string) =>
  Buffer.from(
    `From: approver@example.test\r\nTo: mailbox@example.test\r\nSubject: Re: x\r\nMessage-ID: <r@example.test>\r\n\r\n${text}\r\n`
  );

describe('analysis with a hard time limit', () => {
  let dir: string;
  let file: string;
  let analyzer: BoundedAnalyzer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reply-worker-'));
    file = path.join(dir, 'reply-worker.js');
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['server/src/mail/reply/worker.ts'],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    analyzer = createBoundedAnalyzer({ timeoutMs: 150, file });
  });
  afterAll(async () => {
    await analyzer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('within the limit the result is the analyser’s own', async () => {
    expect(analyzer.enforced).toBe(true);
    const raw = reply('APPROVE\r\n\r\nLooks good.');
    expect(await analyzer.analyze(raw, {})).toEqual(await analyzeReply(raw));
  });

  test('a message that outlasts the limit is analysis-timeout, and this thread stays free', async () => {
    // The slowest hostile shape takes ~0.4 s even read only up to its first 2 MB: beyond 150 ms.
    const shape = HOSTILE_SHAPES.find((s) => s.name === 'decision word then spaces')!;
    const raw = hostileMessage(shape, 9 * 1024 * 1024);
    // A timer due long before the limit: it fires while this thread waits for the analysis,
    // which it could not if the analysis ran here (the result would come first).
    let fired = false;
    const timer = setTimeout(() => (fired = true), 20);
    const started = Date.now();
    const result = await analyzer.analyze(raw, {});
    clearTimeout(timer);
    expect([result.kind, result.decision, result.reason]).toEqual([
      'other',
      null,
      'analysis-timeout',
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fired).toBe(true); // a timer ran here meanwhile: the work was elsewhere
  });

  test('the next message is analyzed in a fresh thread', async () => {
    const result = await analyzer.analyze(reply('REJECT\r\n\r\nNot yet.'), {});
    expect([result.kind, result.decision]).toEqual(['reply', 'reject']);
  });
});
