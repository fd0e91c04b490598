/**
 * A test script in a Node child process of its own (a second Strapi instance, for the suites
 * that need two, or one to kill): its output kept (the last 400 chunks, for a failure's
 * message) and its exit as a promise. IPC is open for the script's messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildScript {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

export function spawnScript(file: string, env: NodeJS.ProcessEnv): ChildScript {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(chunk.toString());
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  return { child, exited, output: () => lines.join('') };
}
