/**
 * The Test of a section that uses Microsoft Graph, step by step, each failure with Graph's own
 * error code as its reason (graph/errors.ts):
 * - sending: the access token, the mailbox lookup, and, when an address is given, a real
 *   message. The lookup (GET /users/{id}) needs User.Read.All, which sending does not: refused
 *   for that reason it is skipped, and the test message proves the mailbox instead.
 * - reading: the access token, the folder read (its counts: Mail.Read or Mail.ReadWrite on
 *   this mailbox), and whether the Processed folder exists yet.
 */
import type { TestMessage } from './smtp';
import { diagnoseTokenError } from '../diagnose';
import { MailError } from '../errors';
import { folderMissing, graphFolders } from '../graph/folders';
import { accessOf, createGraphClient, withToken, type GraphAuth } from '../graph/http';
import { createGraphSender } from '../graph/sender';
import type { ProbeResult, ProbeStepName, TlsSettings } from '../types';
import { ProbeSteps } from './steps';

export interface GraphProbeInput {
  host: string;
  mailbox: string;
  auth: GraphAuth;
  tls?: TlsSettings;
  timeoutMs: number;
  send?: TestMessage;
  /** a reading Test: the folder the job reads and the one it files decisions in */
  read?: { folder: string; processedFolder?: string };
}

const SEND: readonly ProbeStepName[] = ['authenticate', 'mailbox', 'send'];
const READ: readonly ProbeStepName[] = ['authenticate', 'mailbox', 'folder'];

export async function probeGraph(input: GraphProbeInput): Promise<ProbeResult> {
  const steps = new ProbeSteps(input.read ? READ : SEND, (err) =>
    err instanceof MailError ? err : diagnoseTokenError(err)
  );
  try {
    await steps.run('authenticate', async () => {
      try {
        await input.auth.getAccessToken();
      } catch (err) {
        throw err instanceof MailError ? err : diagnoseTokenError(err);
      }
    });
    steps.ok('authenticate', `Access token for Microsoft Graph (${input.host})`);
    return input.read ? await reading(input, input.read, steps) : await sending(input, steps);
  } catch (err) {
    return steps.failed(err);
  }
}

async function sending(input: GraphProbeInput, steps: ProbeSteps): Promise<ProbeResult> {
  const sender = createGraphSender(input);
  try {
    const looked = await steps
      .run('mailbox', () => sender.verify())
      .then(
        () => true,
        (err: unknown) => {
          // The directory's refusal (no User.Read.All), not the mailbox's: sending may still work.
          if (err instanceof MailError && err.reason === 'Authorization_RequestDenied')
            return false;
          throw err;
        }
      );
    if (looked) steps.ok('mailbox', `The app may use the mailbox ${input.mailbox}`);
    else
      steps.skip(
        'mailbox',
        `Not looked up: that needs the User.Read.All permission, which sending does not (${input.send ? 'the test message proves the mailbox' : 'give a test address to prove the mailbox'})`
      );
    if (input.send) {
      const send = input.send;
      const sent = await steps.run('send', () =>
        sender.send({
          from: send.fromName ? { name: send.fromName, address: send.from } : send.from,
          to: send.to,
          subject: send.subject,
          text: send.text,
        })
      );
      steps.ok(
        'send',
        `Accepted by Microsoft Graph (${sent.via === 'mime' ? 'MIME' : 'draft'}) for ${send.to}`
      );
    } else {
      steps.skip('send', 'No test address given');
    }
    return steps.result();
  } finally {
    await sender.close();
  }
}

async function reading(
  input: GraphProbeInput,
  read: NonNullable<GraphProbeInput['read']>,
  steps: ProbeSteps
): Promise<ProbeResult> {
  const client = createGraphClient({ ...input, access: accessOf(input.auth, 'Mail.ReadWrite') });
  const user = `/users/${encodeURIComponent(input.mailbox)}`;
  const folders = graphFolders(
    (call) => withToken(input.auth, (token) => client.request({ ...call, token })),
    user
  );
  try {
    const folder = await steps.run('mailbox', async () => {
      const found = await folders.find(read.folder);
      if (!found) throw folderMissing(read.folder, input.mailbox);
      return found;
    });
    steps.ok(
      'mailbox',
      `${folder.totalItemCount ?? 0} messages, ${folder.unreadItemCount ?? 0} unread in ${read.folder} of ${input.mailbox}`
    );
    const processed = read.processedFolder?.trim();
    if (!processed) {
      steps.skip('folder', 'no processed folder configured');
    } else {
      const found = await steps.run('folder', () => folders.find(processed));
      steps.ok(
        'folder',
        found
          ? `folder ${processed} exists (${found.totalItemCount ?? 0} messages)`
          : `folder ${processed} will be created when the first reply is filed`
      );
    }
    return steps.result();
  } finally {
    client.close();
  }
}
