/**
 * A second (third…) Strapi instance in its own process, sharing the suite's database: the
 * instance that is killed with SIGKILL mid-send, and the instances that share one queue.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnScript } from './child-strapi';
import path from 'node:path';

export interface OutboxRunner {
  name: string;
  child: ChildProcess;
  /** resolves once its Strapi is loaded (its outbox is running from then on) */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** a clean stop: destroy(), which gives back its claims */
  stop(): Promise<void>;
  output(): string;
}

const RUNNER = path.resolve(__dirname, 'outbox-runner.ts');

/** Boots the test app in a child process with the parent's environment (database included). */
export function spawnOutboxRunner(name: string, env: Record<string, string> = {}): OutboxRunner {
  const { child, exited, output } = spawnScript(RUNNER, {
    ...process.env,
    ...env,
    STRAPI_TELEMETRY_DISABLED: 'true',
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
    void exited.then(({ code, signal }) =>
      reject(new Error(`${name} exited (${code ?? signal}) before ready:\n${output()}`))
    );
  });
  ready.catch(() => undefined);
  return {
    name,
    child,
    ready,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    output,
  };
}
