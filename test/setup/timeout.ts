/**
 * The time limit of every test and hook of a jest project (jest.config.js `globals`): short for
 * unit tests, long where a file boots Strapi, a mail stack or a browser.
 */
import { jest } from '@jest/globals';

jest.setTimeout((globalThis as { TEST_TIMEOUT_MS?: number }).TEST_TIMEOUT_MS ?? 30_000);
