/**
 * analyzeReply with a hard time limit. Each message is analyzed in the analyser's thread
 * (worker.ts); one that has not finished within `timeoutMs` ends the thread and comes back as
 * kind 'other', reason 'analysis-timeout', which the inbox quarantines: a message that
 * defeats the analyser is kept for a person, not retried on every pass. The next message starts
 * a fresh thread.
 *
 * Run from source (no bundled worker beside the code), the analysis runs in this thread with
 * the time measured but not enforced; tests of the limit run against the built plugin.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { analyzeReply } from './analyze';
import { noDecision, type AnalyzeOptions, type ReplyAnalysis } from './types';
import type { FromReplyWorker, ToReplyWorker } from './worker';

export interface BoundedAnalyzer {
  analyze(raw: Buffer, options: AnalyzeOptions): Promise<ReplyAnalysis>;
  /** whether the limit is enforced (a worker thread exists) */
  readonly enforced: boolean;
  close(): Promise<void>;
}

/** The bundled worker beside the bundled server code (dist/server); absent from source. */
function workerFile(): string | null {
  if (typeof __dirname === 'undefined') return null;
  const file = path.join(__dirname, 'reply-worker.js');
  return fs.existsSync(file) ? file : null;
}

export function createBoundedAnalyzer(opts: {
  timeoutMs: number;
  /** the worker script; default: reply-worker.js beside this bundle, null: this thread */
  file?: string | null;
}): BoundedAnalyzer {
  const file = opts.file === undefined ? workerFile() : opts.file;
  let worker: { thread: Worker; ready: Promise<void> } | null = null;
  let nextId = 0;
  const pending = new Map<number, (result: { analysis?: ReplyAnalysis; error?: string }) => void>();
  // One message at a time: a timeout ends the thread, which must not take others with it.
  let queue: Promise<unknown> = Promise.resolve();

  const start = () => {
    const thread = new Worker(file!, { workerData: { replyWorker: true } });
    thread.unref();
    let loaded!: () => void;
    const ready = new Promise<void>((resolve) => (loaded = resolve));
    const current = { thread, ready };
    thread.on('message', (m: FromReplyWorker) => {
      if ('ready' in m) return loaded();
      pending.get(m.id)?.(m);
      pending.delete(m.id);
    });
    const fail = (error: string) => {
      if (worker === current) worker = null;
      loaded();
      for (const settle of pending.values()) settle({ error });
      pending.clear();
    };
    thread.on('error', (err) => fail(err.message));
    thread.on('exit', () => fail('the analyser thread stopped'));
    return current;
  };

  async function inThread(raw: Buffer, options: AnalyzeOptions): Promise<ReplyAnalysis> {
    worker ??= start();
    const current = worker;
    await current.ready;
    const id = nextId++;
    const answer = new Promise<{ analysis?: ReplyAnalysis }>((resolve) => pending.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
    });
    current.thread.postMessage({ id, raw, options } satisfies ToReplyWorker);
    const result = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      pending.delete(id);
      if (worker === current) worker = null;
      await current.thread.terminate();
      return noDecision('other', 'analysis-timeout');
    }
    // The thread crashed on this message (out of memory…): as unreadable as malformed MIME.
    return result.analysis ?? noDecision('other', 'malformed');
  }

  return {
    enforced: file !== null,
    analyze(raw, options) {
      const run = () => (file ? inThread(raw, options) : analyzeReply(raw, options));
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      const current = worker;
      worker = null;
      await current?.thread.terminate();
    },
  };
}
