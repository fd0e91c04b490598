/**
 * `npm run bench:hostile`: the reply analyser against the hostile shapes of
 * test/helpers/hostile.ts, each at 1 MB and just under the 10 MB limit, with the same sizes of
 * a plain Outlook-style reply as the baseline. Prints each time, the ratio between the two
 * sizes and the worst case. The analyser parses at most the first 2 MB of a message
 * (MAX_READ_BYTES), so a 10 MB message costs about what 2 MB does; linearity below that is
 * guarded by test/unit/reply-hostile.test.ts. Target: every message up to 10 MB under 1 s.
 * A benchmark, not a test: it never fails on time.
 */
import { DEFAULT_MAX_BYTES } from '../server/src/mail/reply';
import { MAX_READ_BYTES } from '../server/src/mail/reply/analyze';
import {
  HOSTILE_SHAPES,
  analysisTime,
  hostileMessage,
  type HostileShape,
} from '../test/helpers/hostile';

const out = (line: string) => process.stdout.write(`${line}\n`);
const SIZES = [1024 * 1024, DEFAULT_MAX_BYTES - 64 * 1024];

const BASELINE: HostileShape = {
  name: 'baseline: a plain reply over a long quoted thread',
  head: 'APPROVE\n\nLooks good.\n\nOn 1 Jan 2025, Anna <anna@example.test> wrote:\n',
  unit: '> The spring launch article is ready for review, with the new images.\n',
};

async function main() {
  out(
    `reply analysis: best of 3 per message, first ${MAX_READ_BYTES / 1024 / 1024} MB parsed, node ${process.version}\n`
  );
  out('| shape | 1 MB | 10 MB | ratio |');
  out('| --- | ---: | ---: | ---: |');
  let worst = { name: '', ms: 0 };
  for (const shape of [BASELINE, ...HOSTILE_SHAPES]) {
    const times: number[] = [];
    for (const size of SIZES) times.push(await analysisTime(hostileMessage(shape, size), 3));
    const [a, b] = times as [number, number];
    if (shape !== BASELINE && b > worst.ms) worst = { name: shape.name, ms: b };
    out(`| ${shape.name} | ${a.toFixed(0)} ms | ${b.toFixed(0)} ms | ${(b / a).toFixed(1)} |`);
  }
  out(`\nworst hostile case at 10 MB: ${worst.name}, ${worst.ms.toFixed(0)} ms (target < 1000 ms)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
