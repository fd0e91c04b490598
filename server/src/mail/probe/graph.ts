/**
 * The Test of a section that sends through Microsoft Graph: the access token, the mailbox
 * lookup (the app may see this mailbox), and, when an address is given, a real message.
 * Each failure carries Graph's own error code as its reason (graph/errors.ts).
 */
import { diagnoseTokenError } from '../diagnose';
import { MailError } from '../errors';
import { createGraphSender } from '../graph/sender';
import type { MailAuth, ProbeResult, ProbeStepName, TlsSettings } from '../types';
import { ProbeSteps } from './steps';

export interface GraphProbeInput {
  host: string;
  mailbox: string;
  auth: Extract<MailAuth, { getAccessToken: unknown }>;
  tls?: TlsSettings;
  timeoutMs: number;
  send?: { from: string; to: string; subject?: string; text?: string };
}

const ORDER: readonly ProbeStepName[] = ['authenticate', 'mailbox', 'send'];

export async function probeGraph(input: GraphProbeInput): Promise<ProbeResult> {
  const steps = new ProbeSteps(ORDER, (err) =>
    err instanceof MailError ? err : diagnoseTokenError(err)
  );
  const sender = createGraphSender(input);
  try {
    await steps.run('authenticate', async () => {
      try {
        await input.auth.getAccessToken();
      } catch (err) {
        throw err instanceof MailError ? err : diagnoseTokenError(err);
      }
    });
    steps.ok('authenticate', `Access token for Microsoft Graph (${input.host})`);
    await steps.run('mailbox', () => sender.verify());
    steps.ok('mailbox', `The app may use the mailbox ${input.mailbox}`);
    if (input.send) {
      const send = input.send;
      const sent = await steps.run('send', () =>
        sender.send({ from: send.from, to: send.to, subject: send.subject, text: send.text })
      );
      steps.ok(
        'send',
        `Accepted by Microsoft Graph (${sent.via === 'mime' ? 'MIME' : 'draft'}) for ${send.to}`
      );
    } else {
      steps.skip('send', 'No test address given');
    }
    return steps.result();
  } catch (err) {
    return steps.failed(err);
  } finally {
    await sender.close();
  }
}
