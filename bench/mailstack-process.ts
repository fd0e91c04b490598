/**
 * The mail test stack in a child process of its own, for benchmarks: in production the mail
 * servers are not inside Strapi's process, so their CPU must not be charged to the job being
 * measured (nor to the raw imapflow baseline). Only the plain data of the stack crosses over;
 * the identity-platform helpers are not available here.
 */
import { fork } from 'node:child_process';
import type { MailStack } from '../test/mailstack/types';

export type RemoteMailStack = Pick<
  MailStack,
  'dir' | 'caPem' | 'caFile' | 'users' | 'imap' | 'smtp' | 'lmtp' | 'authservId'
> & {
  /** the local Graph's host:port */
  graph: { host: string };
  /** the local identity platform and its default app (Mail.Send, Mail.ReadWrite) */
  idp: Pick<MailStack['idp'], 'authorityHost' | 'client'>;
  stop(): Promise<void>;
};

type Ready = Omit<RemoteMailStack, 'stop'>;

async function child() {
  const { startMailStack } = await import('../test/mailstack');
  const stack = await startMailStack();
  const { dir, caPem, caFile, users, imap, smtp, lmtp, authservId } = stack;
  process.send!({
    dir,
    caPem,
    caFile,
    users,
    imap,
    smtp,
    lmtp,
    authservId,
    graph: { host: stack.graph.host },
    idp: { authorityHost: stack.idp.authorityHost, client: stack.idp.client },
  } satisfies Ready);
  const stop = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.on('message', stop);
  process.on('disconnect', stop);
}
if (require.main === module && process.argv[2] === '--child') void child();

export function startRemoteMailStack(): Promise<RemoteMailStack> {
  const child = fork(__filename, ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mail stack exited with ${code}`)));
    child.once('message', (ready) => {
      child.removeAllListeners('exit');
      resolve({
        ...(ready as Ready),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
}
