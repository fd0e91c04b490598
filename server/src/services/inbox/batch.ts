/**
 * Recording a batch: one transaction, a savepoint per message (message.ts), so one failing
 * message undoes nothing else and the database syncs to disk once per batch, not per message.
 *
 * When a decision's action fails, its savepoint undoes its rows but not the work Strapi queued
 * for after the commit (the webhooks of a publish, history versions). So the batch is rolled
 * back and redone one transaction per message, where a failing action undoes everything; the
 * message whose action failed is then recorded as failed in a transaction of its own. Rare,
 * and exact.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { getService } from '../../utils/get-service';
import type { ApprovalMailbox } from '../../approvals/mailbox';
import type { Effective } from '../../settings/model';
import {
  findRecorded,
  handleMessage,
  recordFailure,
  type Analyzed,
  type Batch,
  type Failure,
  type Handled,
} from './message';

/** The mailbox a batch was read from. */
export interface Source {
  imap: Effective<'imap'>;
  uidValidity: string;
  mailbox: ApprovalMailbox;
}

type Recorded = { handled: Handled[] } | { failed: Failure };

export async function recordBatch(
  strapi: Core.Strapi,
  source: Source,
  analyzed: Analyzed[]
): Promise<Handled[]> {
  const together = await undeadlocked(() => inTransaction(strapi, source, analyzed));
  if ('handled' in together) return together.handled;
  const handled: Handled[] = [];
  for (const one of analyzed) {
    const alone = await undeadlocked(() => inTransaction(strapi, source, [one]));
    handled.push(
      ...('handled' in alone
        ? alone.handled
        : [
            ...(await strapi.db.transaction(async ({ trx }) =>
              answered(strapi, trx, [
                await recordFailure(batchOf(strapi, source, trx), alone.failed),
              ])
            )),
          ])
    );
  }
  return handled;
}

/** A deadlock victim (MySQL/MariaDB, PostgreSQL): the database undid the whole transaction. */
const DEADLOCKS = new Set(['ER_LOCK_DEADLOCK', '40P01']);

/**
 * Runs a batch's transaction again when the database chose it as a deadlock's victim (two
 * instances inserting the same unique keys at once meet in InnoDB's gap locks): nothing of it
 * stands, so running it again is safe, and the duplicates are then found recorded.
 */
async function undeadlocked<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= 3 || !DEADLOCKS.has((err as { code?: string }).code ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 50));
    }
  }
}

/** Records `analyzed` in one transaction, or rolls all of it back at the first failed action. */
async function inTransaction(
  strapi: Core.Strapi,
  source: Source,
  analyzed: Analyzed[]
): Promise<Recorded> {
  return await strapi.db.transaction(async ({ trx, rollback }) => {
    const batch = {
      ...batchOf(strapi, source, trx),
      recorded: await findRecorded(strapi, analyzed),
    };
    const handled: Handled[] = [];
    for (const one of analyzed) {
      const step = await handleMessage(batch, one);
      if ('failed' in step) {
        // Strapi does not commit after a rollback, nor run the work queued for the commit.
        await rollback();
        return step;
      }
      handled.push(step.handled);
    }
    return { handled: await answered(strapi, trx, handled) };
  });
}

/**
 * The answers to approvers, kept in the outbox in the batch's transaction: an answer exists
 * if and only if the decision it reports was recorded, and goes out once that commits.
 */
async function answered(strapi: Core.Strapi, trx: unknown, handled: Handled[]) {
  for (const { answer } of handled) {
    if (answer) await getService(strapi, 'approval-mail').queueAnswer(answer, trx as Knex);
  }
  return handled;
}

const batchOf = (strapi: Core.Strapi, source: Source, trx: Batch['trx']): Batch => ({
  strapi,
  ...source,
  trx,
  recorded: new Map(),
});
