/**
 * The plugin config (server/src/config/): defaults, strictness, and the renamed key that
 * existing apps still use.
 */
import { describe, expect, test } from '@jest/globals';
import { pluginConfigSchema } from '../../server/src/config/schema';
import config from '../../server/src/config';

describe('plugin config', () => {
  test('an empty config gets every default, timeoutSeconds 10', () => {
    const parsed = pluginConfigSchema.parse({});
    expect(parsed.timeoutSeconds).toBe(10);
    expect(parsed.inbox).toStrictEqual({
      idle: true,
      analysisTimeoutMs: 15_000,
      graphPollSeconds: 3,
      retentionDays: 90,
    });
  });

  test('testTimeoutSeconds (the name up to 0.1) is read as timeoutSeconds', () => {
    expect(pluginConfigSchema.parse({ testTimeoutSeconds: 25 }).timeoutSeconds).toBe(25);
    expect(pluginConfigSchema.parse({ testTimeoutSeconds: 25 })).not.toHaveProperty(
      'testTimeoutSeconds'
    );
  });

  test('the new name wins when both are given', () => {
    const parsed = pluginConfigSchema.parse({ testTimeoutSeconds: 25, timeoutSeconds: 5 });
    expect(parsed.timeoutSeconds).toBe(5);
  });

  test('the old name is held to the same bounds', () => {
    const result = pluginConfigSchema.safeParse({ testTimeoutSeconds: 0 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toStrictEqual(['timeoutSeconds']);
  });

  test('an unknown key fails the boot, naming the key', () => {
    expect(() => config.validator({ timeoutSecs: 5 })).toThrow(/timeoutSecs|unrecognized/i);
    expect(() => config.validator({ timeoutSeconds: 5 })).not.toThrow();
  });
});
