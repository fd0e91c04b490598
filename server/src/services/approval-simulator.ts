/**
 * The decision simulator behind the Approvals page: what the inbox job would see in a pasted
 * message and what it would do, without recording, publishing or moving anything.
 */
import type { Core } from '@strapi/strapi';
import type { Simulation } from '../../../shared/contracts/approval';
import { getService } from '../utils/get-service';
import { approvalMailbox } from '../approvals/mailbox';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The answer of POST /approvals/analyze (shared/contracts/approval.ts `simulationSchema`). */
  async simulate(raw: Buffer): Promise<Simulation> {
    const settings = getService(strapi, 'settings');
    const { own, trust } = approvalMailbox(
      await settings.getEffective('smtp'),
      await settings.getEffective('imap')
    );
    const analysis = await getService(strapi, 'inbox')
      .analyzer()
      .analyze(raw, { ownAddresses: own, trust: trust.trust });
    const verdict = await getService(strapi, 'approval-rules').evaluate(analysis, trust);
    return {
      analysis,
      verdict: verdict.verdict,
      reason: verdict.reason,
      request: verdict.request
        ? { id: verdict.request.id, title: verdict.request.title, status: verdict.request.status }
        : null,
    };
  },
});
