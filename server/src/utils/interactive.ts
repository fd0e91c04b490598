/**
 * Sends someone is watching: Strapi's "Send test email" button (Settings → Email). Such a send
 * must say what happened now — a message put in the outbox for later would read as success
 * on that page while nothing arrived — so it is never queued: a transient failure is reported
 * like a permanent one, and the failure (with its code and diagnosis, which Strapi's controller
 * drops when it rethrows) is kept for whoever watches.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

type Watch = { failure?: unknown };
const watched = new AsyncLocalStorage<Watch>();

/** Runs `work` watched; a failure of a send inside it is passed to `failed` with the error. */
export async function whileWatched<T>(
  work: () => Promise<T>,
  failed: (error: unknown, sendFailure: unknown) => never
): Promise<T> {
  const watch: Watch = {};
  try {
    return await watched.run(watch, work);
  } catch (err) {
    return failed(err, watch.failure);
  }
}

export const isWatched = (): boolean => watched.getStore() !== undefined;

/** What a watched send failed with. */
export function noteWatchedFailure(error: unknown) {
  const watch = watched.getStore();
  if (watch) watch.failure = error;
}
