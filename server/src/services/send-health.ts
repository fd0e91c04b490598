/**
 * The sending account's run of failed attempts (its failure streak), recorded in the account's
 * row so that every instance adds to one count, and the events app code can hook to alert
 * someone: `mail-server.delivery.failing` when the streak reaches `send.alertAfterFailures`
 * (and each time it grows by ten times that), `mail-server.delivery.recovered` when a send
 * succeeds after such a streak. Throttling and the sending limits are not failures.
 *
 * A success costs nothing while this process knows the streak is 0: the send path stays free
 * of database writes on a healthy server.
 */
import type { Core } from '@strapi/strapi';
import { redactRefs, type MailError } from '../mail';
import { getPluginConfig } from '../utils/plugin-config';
import { SEND_ACCOUNT_UID } from './send-limits';

export const DELIVERY_FAILING_EVENT = 'mail-server.delivery.failing';
export const DELIVERY_RECOVERED_EVENT = 'mail-server.delivery.recovered';

export interface DeliveryFailingEvent {
  account: string;
  /** failed attempts in a row, every instance together */
  failures: number;
  since: string;
  error: { code: string; reason?: string; diagnosis: string };
}

type Row = {
  failureStreak: number | null;
  streakStartedAtMs: string | number | null;
  lastFailureAtMs: string | number | null;
  lastErrorCode: string | null;
  lastError: string | null;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** the streak this process last wrote or read, per account (absent: not known) */
  const known = new Map<string, number>();
  const meta = () => strapi.db.metadata.get(SEND_ACCOUNT_UID as never);
  const column = (attribute: string) =>
    (meta().attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute;
  const knex = () => strapi.db.connection;
  const threshold = () => getPluginConfig(strapi).send.alertAfterFailures;

  const emit = (event: string, payload: object) =>
    void Promise.resolve(strapi.eventHub.emit(event, payload)).catch((err: Error) =>
      strapi.log.warn(`[mail-server] a listener of ${event} failed: ${err.message}`)
    );

  const read = async (account: string) =>
    (await strapi.db
      .query(SEND_ACCOUNT_UID as never)
      .findOne({ where: { account } })) as Row | null;

  async function ensureRow(account: string) {
    const found = await strapi.db.query(SEND_ACCOUNT_UID as never).findOne({ where: { account } });
    if (found) return;
    try {
      await strapi.db.query(SEND_ACCOUNT_UID as never).create({
        data: { account, version: 0, usage: { sends: [], buckets: [] }, failureStreak: 0 },
      });
    } catch {
      // another instance created it first (unique index on `account`)
    }
  }

  return {
    /** One failed attempt (not a throttle): counted, and an event when the streak is long. */
    async failed(account: string, error: MailError): Promise<void> {
      await ensureRow(account);
      const c = column;
      const diagnosis = (redactRefs(error.diagnosis) ?? '').slice(0, 2000);
      // Compare-and-set on the count: the call that moves it to the threshold (and no other,
      // on any instance) is the one that tells.
      for (let tries = 0; tries < 50; tries++) {
        const row = await read(account);
        const before = Number(row?.failureStreak ?? 0);
        const now = Date.now();
        const changed = await knex()(meta().tableName)
          .where(c('account'), account)
          .andWhere((q) =>
            before === 0
              ? q.where(c('failureStreak'), 0).orWhereNull(c('failureStreak'))
              : q.where(c('failureStreak'), before)
          )
          .update({
            [c('failureStreak')]: before + 1,
            ...(before === 0 ? { [c('streakStartedAtMs')]: now } : {}),
            [c('lastFailureAtMs')]: now,
            [c('lastErrorCode')]: error.code,
            [c('lastError')]: diagnosis,
          });
        if (!changed) continue;
        const streak = before + 1;
        known.set(account, streak);
        const every = threshold();
        if (streak === every || (streak > every && streak % (every * 10) === 0)) {
          strapi.log.error(
            `[mail-server] ${streak} failed attempts in a row to send email (${error.code}): ${diagnosis}`
          );
          emit(DELIVERY_FAILING_EVENT, {
            account,
            failures: streak,
            since: new Date(
              before === 0 ? now : Number(row?.streakStartedAtMs ?? now)
            ).toISOString(),
            error: { code: error.code, reason: error.reason, diagnosis },
          } satisfies DeliveryFailingEvent);
        }
        return;
      }
    },

    /** A sent message ends the streak (a write only when one is known or may exist). */
    async succeeded(account: string): Promise<void> {
      if (known.get(account) === 0) return;
      const current = Number((await read(account))?.failureStreak ?? 0);
      if (current === 0) {
        known.set(account, 0);
        return;
      }
      // Only the success that ends the streak resets it and tells (a compare-and-set again).
      const changed = await knex()(meta().tableName)
        .where(column('account'), account)
        .andWhere(column('failureStreak'), current)
        .update({ [column('failureStreak')]: 0, [column('streakStartedAtMs')]: null });
      // A failure counted in between: the next success looks again.
      if (changed) known.set(account, 0);
      else known.delete(account);
      if (changed && current >= threshold()) {
        strapi.log.info(`[mail-server] email is sent again after ${current} failed attempts`);
        emit(DELIVERY_RECOVERED_EVENT, { account, failures: current });
      }
    },

    /** The streak another instance recorded (read by the outbox loop with the account row). */
    observe(account: string, streak: number) {
      known.set(account, streak);
    },

    async status(account: string) {
      const row = (await strapi.db
        .query(SEND_ACCOUNT_UID as never)
        .findOne({ where: { account } })) as Row | null;
      const streak = Number(row?.failureStreak ?? 0);
      const ms = (v: unknown) => (v == null ? null : new Date(Number(v)).toISOString());
      return {
        failureStreak: streak,
        streakStartedAt: streak > 0 ? ms(row?.streakStartedAtMs) : null,
        lastFailureAt: ms(row?.lastFailureAtMs),
        lastError: row?.lastErrorCode
          ? { code: row.lastErrorCode, diagnosis: row.lastError ?? '' }
          : null,
      };
    },
  };
};
