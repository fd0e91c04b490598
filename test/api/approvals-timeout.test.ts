/**
 * A message that defeats the analyser (issue #11, point 1) is quarantined as analysis-timeout
 * once, through the built plugin's analyser thread, and the batch goes on: the reply after it
 * is decided, and the next pass does not read the hostile message again.
 */
import { describe, expect, test } from '@jest/globals';
import { appendRaw, folderCounts } from '../helpers/mailbox';
import { sendReply } from '../helpers/replies';
import { HOSTILE_SHAPES, hostileMessage } from '../helpers/hostile';
import { useApprovalsFixture } from '../helpers/approvals-fixture';

describe('approvals: the analyser’s time limit', () => {
  const fx = useApprovalsFixture({ MAIL_SERVER_ANALYSIS_TIMEOUT_MS: '150' });

  test('a hostile message is quarantined as analysis-timeout; the reply after it is decided', async () => {
    const { entry, notification } = await fx.ask('After a hostile message');
    const shape = HOSTILE_SHAPES.find((s) => s.name === 'decision word then spaces')!;
    // 6 MB of LF lines, 9 MB once stored with CRLF: under the 10 MB limit, so it is read, and slow enough (~0.4 s) to outlast 150 ms.
    await appendRaw(fx.stack, fx.mailbox, hostileMessage(shape, 6 * 1024 * 1024));
    await sendReply(fx.stack, fx.approver, fx.mailbox.address, notification, 'APPROVE');

    // Asserted on what was recorded, not on this pass's counts: the job's cron tick may have
    // started a pass first (passes run one after the other, so both are over when this returns).
    const report = await fx.runInbox();
    expect(report.error).toBe(undefined);
    const rows = await fx.inboundFor({});
    expect(rows.map((r) => r.verdict).sort()).toEqual(['applied', 'quarantined']);
    const [held] = await fx.inboundFor({ reason: 'analysis-timeout' });
    expect([held?.verdict, held?.folder]).toEqual(['quarantined', 'Quarantine']);
    expect(await fx.isPublished(entry.documentId)).toBe(true);

    // Filed out of the INBOX: the next pass has nothing to read again.
    expect((await folderCounts(fx.stack, fx.mailbox)).INBOX).toBe(0);
    expect((await fx.runInbox()).handled).toBe(0);
  });
});
