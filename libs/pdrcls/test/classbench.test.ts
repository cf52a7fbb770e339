// Every classifier against the expected first-match answers of all six ClassBench traces.
// The linear kinds (oracle, ll, ll-fullscan) cost O(rules) per packet, so on the 10K sets
// they check every 16th trace line (~6-8K lines); every other kind checks every line.
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CLASSBENCH_SETS, Classifier, classbenchMissing, encodeRules, KEY_BYTES, KIND_NAMES, loadClassBench, PDR_ID_NONE,
} from '../src/index.ts';

const missing = classbenchMissing();
if (missing) console.warn(`skipping ClassBench trace tests: ${missing}`);
const LINEAR = new Set(['oracle', 'll', 'll-fullscan']);

/** Keys and expected answers of every `stride`-th trace line. */
function sample(keys: Buffer, expected: Int32Array, stride: number) {
  if (stride === 1) return { keys, expected };
  const n = Math.ceil(expected.length / stride);
  const k = Buffer.alloc(n * KEY_BYTES);
  const e = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys.copy(k, i * KEY_BYTES, i * stride * KEY_BYTES, (i * stride + 1) * KEY_BYTES);
    e[i] = expected[i * stride];
  }
  return { keys: k, expected: e };
}

describe.skipIf(missing !== null)('ClassBench traces: 0 mismatches for every classifier', () => {
  for (const set of CLASSBENCH_SETS) {
    describe(set, () => {
      const data = missing ? undefined : loadClassBench(set);
      for (const kind of KIND_NAMES) {
        const stride = LINEAR.has(kind) && set.endsWith('10k') ? 16 : 1;
        it(`${kind}${stride > 1 ? ` (every ${stride}th line)` : ''}`, async () => {
          const { rules, trace, expected: all } = data!;
          const { keys, expected } = sample(trace.keys, all, stride);
          const c = new Classifier(kind);
          try {
            c.insertBuffer(encodeRules(rules));
            expect(c.stats().rules).toBe(rules.length);
            const ids = new Uint32Array(expected.length);
            // slices, yielding in between, so a long C call never starves the test worker
            const slice = 8192;
            let matched = 0;
            for (let off = 0; off < expected.length; off += slice) {
              const end = Math.min(off + slice, expected.length);
              matched += c.classifyInto(keys.subarray(off * KEY_BYTES, end * KEY_BYTES), ids.subarray(off, end));
              await tick();
            }
            let mismatches = 0;
            let firstBad = -1;
            for (let i = 0; i < expected.length; i++) {
              if (ids[i] !== (expected[i] < 0 ? PDR_ID_NONE : expected[i])) {
                mismatches++;
                if (firstBad < 0) firstBad = i;
              }
            }
            expect(mismatches, `${set}/${kind}: first mismatch at sample ${firstBad}: got ${ids[firstBad]}, want ${expected[firstBad]}`).toBe(0);
            expect(matched).toBe(expected.filter((e) => e >= 0).length);
          } finally {
            c.destroy();
          }
        });
      }
    });
  }
});
