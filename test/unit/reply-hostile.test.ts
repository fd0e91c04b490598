/**
 * The reply analyser against hostile shapes (a sender who wants to freeze Strapi): each shape
 * at two sizes, 4× apart. The time must grow about linearly — never the 8 s that one 3.4 KB
 * reply (a quote header, then a line of spaces) took before — and stay within a generous
 * budget. The benchmark `npm run bench:hostile` prints the figures; this test only guards the
 * growth, with room for a busy machine.
 */
import { describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import { HOSTILE_SHAPES, analysisTime, hostileMessage } from '../helpers/hostile';

describe('hostile replies are analysed in time linear in their size', () => {
  for (const shape of HOSTILE_SHAPES) {
    test(shape.name, async () => {
      const small = await analysisTime(hostileMessage(shape, 64 * 1024), 2);
      const large = await analysisTime(hostileMessage(shape, 256 * 1024), 2);
      diagnostic(`${shape.name}: 64 KB ${small.toFixed(0)} ms, 256 KB ${large.toFixed(0)} ms`);
      // Linear: ×4 input gives about ×4 time; ×10 leaves room for noise, a quadratic
      // pattern would give ×16 and a cubic one ×64. The budget is far above what linear costs.
      expect(large).toBeLessThan(10 * small + 100);
      expect(large).toBeLessThan(3000);
    });
  }
});
