import { expect } from '@jest/globals';
/**
 * For assertions on an error that carries more than one fact (a code and a server reply):
 * `const err = await rejectionOf(promise)` then assert on each field with expect.
 */
export async function rejectionOf(
  work: Promise<unknown> | (() => Promise<unknown>)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- errors are duck-typed here
): Promise<any> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** `expect(value).toBeTruthy()`, and from here on TypeScript knows the value is there. */
export function expectTruthy<T>(value: T): asserts value is NonNullable<T> {
  expect(value).toBeTruthy();
}
