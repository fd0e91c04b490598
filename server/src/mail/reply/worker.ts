/**
 * The reply analyser's own thread (bundled to dist/server/reply-worker.js). The analysis is
 * linear in the size of a message, but it is still CPU work on text written by strangers: in a
 * thread of its own, a message that takes too long is stopped by terminating the thread
 * (bounded.ts) instead of freezing Strapi's event loop.
 *
 * In: { id, raw, options }. Out: { id, analysis } or { id, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeReply } from './analyze';
import type { AnalyzeOptions, ReplyAnalysis } from './types';

export type ToReplyWorker = { id: number; raw: Uint8Array; options: AnalyzeOptions };
export type FromReplyWorker =
  { ready: true } | { id: number; analysis?: ReplyAnalysis; error?: string };

if (parentPort && (workerData as { replyWorker?: boolean } | undefined)?.replyWorker) {
  const port = parentPort;
  port.on('message', (m: ToReplyWorker) => {
    analyzeReply(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength), m.options).then(
      (analysis) => port.postMessage({ id: m.id, analysis } satisfies FromReplyWorker),
      (err: Error) => port.postMessage({ id: m.id, error: err.message } satisfies FromReplyWorker)
    );
  });
  // Loaded: the time limit starts counting from here, not from the thread's start-up.
  port.postMessage({ ready: true } satisfies FromReplyWorker);
}
