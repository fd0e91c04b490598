/**
 * The arithmetic of the sending limits (services/send-limits.ts `evaluate`): a sliding window
 * of message times, recipients in 24 buckets of the day, a pause. The shared counting across
 * instances is tested against real databases in test/api/outbox-faults.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import { evaluate, type Limits } from '../../server/src/services/send-limits';

const MINUTE = 60_000;
const DAY = 86_400_000;
const limits = (over: Partial<Limits> = {}): Limits => ({
  messages: 3,
  windowMs: MINUTE,
  recipients: 10,
  recipientWindowMs: DAY,
  ...over,
});
const empty = () => ({ sends: [] as number[], buckets: [] as Array<[number, number]> });

/** Takes one message to `n` recipients at `now`, carrying the usage forward like the service. */
function run(steps: Array<[now: number, n: number]>, rules = limits()) {
  let usage = empty();
  return steps.map(([now, n]) => {
    const { grant, next } = evaluate(usage, 0, rules, n, now);
    usage = next;
    return grant;
  });
}

describe('sending limits', () => {
  test('N messages per window, then refused until the oldest leaves the window', () => {
    const t0 = 1_000_000;
    const grants = run([
      [t0, 1],
      [t0 + 10, 1],
      [t0 + 20, 1],
      [t0 + 30, 1],
    ]);
    expect(grants.map((g) => g.ok)).toStrictEqual([true, true, true, false]);
    const refused = grants[3]!;
    expect(refused.ok ? null : [refused.why, refused.atMs]).toStrictEqual([
      'messages',
      t0 + MINUTE,
    ]);
    // Sliding: after the first leaves the window, one more fits, not three.
    const later = run([
      [t0, 1],
      [t0 + 10, 1],
      [t0 + 20, 1],
      [t0 + MINUTE + 1, 1],
      [t0 + MINUTE + 2, 1],
    ]);
    expect(later.map((g) => g.ok)).toStrictEqual([true, true, true, true, false]);
  });

  test('recipients per day: never over, and the wait ends when enough buckets leave the day', () => {
    const t0 = 10 * DAY;
    const rules = limits({ messages: 0 });
    const grants = run(
      [
        [t0, 4],
        [t0 + DAY / 2, 4],
        [t0 + DAY / 2 + 1, 4],
      ],
      rules
    );
    expect(grants.map((g) => g.ok)).toStrictEqual([true, true, false]);
    const refused = grants[2]!;
    // The first bucket (t0's hour) must leave the day: at its end plus a day.
    expect(refused.ok ? null : [refused.why, refused.atMs]).toStrictEqual([
      'recipients',
      t0 + DAY / 24 + DAY,
    ]);
  });

  test('a message with more recipients than a day allows can never go', () => {
    const [grant] = run([[0, 11]]);
    expect(grant?.ok ? null : grant?.why).toBe('too-many-recipients');
  });

  test('a pause refuses until its end and counts nothing', () => {
    const { grant, next } = evaluate(empty(), 5_000, limits(), 1, 1_000);
    expect(grant.ok ? null : [grant.why, grant.atMs]).toStrictEqual(['paused', 5_000]);
    expect(next.sends).toStrictEqual([]);
  });

  test('no limit: granted, nothing kept', () => {
    const { grant, next } = evaluate(empty(), 0, limits({ messages: 0, recipients: 0 }), 50, 1);
    expect(grant.ok).toBe(true);
    expect(next).toStrictEqual(empty());
  });

  test('the window slides: the send times kept are the ones still inside it', () => {
    let usage = empty();
    for (const t of [0, 10, 20]) usage = evaluate(usage, 0, limits(), 1, t).next;
    expect(usage.sends).toStrictEqual([0, 10, 20]);
    // A minute and 5 ms later the first has left: one more fits, and only the last three stay.
    const { grant, next } = evaluate(usage, 0, limits(), 1, MINUTE + 5);
    expect(grant.ok).toBe(true);
    expect(next.sends).toStrictEqual([10, 20, MINUTE + 5]);
  });
});
