// The optimised Algorithm 1 (lazy per-function node heaps, typed arrays) must take exactly the
// decisions of the straightforward implementation: same order, same nodes, same random tie-breaks.
import { describe, expect, it } from 'vitest';
import { mulberry32, randInt } from '@fastpath/bench';
import { placeDrf } from '../src/core/drf.ts';
import { DEFAULT_DIMS, type PlacementInput } from '../src/core/model.ts';
import { alignment, bestFit, worstFit, type MuScorer } from '../src/core/scoring-mu.ts';
import { generateCase } from '../src/sim/workload.ts';
import { placeDrfReference } from './reference-drf.ts';

const byFn = <T extends { fn: number }>(xs: T[]) => [...xs].sort((a, b) => a.fn - b.fn);
const scorers: [string, MuScorer][] = [
  ['alignment', alignment],
  ['worstfit', worstFit],
  ['bestfit', bestFit],
  // A custom score (no monotonicity known): the fast path must rescore everything and still agree.
  ['custom', (a, c, d) => -Math.abs(a[0] / Math.max(1, c[0]) - 0.5) + 0 * d[0]],
];

function check(input: PlacementInput, seed: number): void {
  for (const [name, s] of scorers) {
    const fast = placeDrf(input, s, { seed, name });
    const ref = placeDrfReference(input, s, { seed, name });
    expect(fast.order, name).toEqual(ref.order);
    expect(fast.w).toEqual(ref.w);
    expect(fast.free).toEqual(ref.free);
    expect(fast.unplaced).toEqual(byFn(ref.unplaced));
  }
}

describe('optimised DRF = reference Algorithm 1', () => {
  it('on dissertation-sized random cases', () => {
    for (let i = 0; i < 6; i++) check(generateCase({ nodes: 40, functions: 300, cpuShare: 0.8, memShare: 0.6, seed: 500 + i }), i + 1);
  });

  it('on small cases full of exact ties (identical nodes, zero demands, existing pods)', () => {
    const rng = mulberry32(42);
    for (let t = 0; t < 300; t++) {
      const N = randInt(rng, 1, 6);
      const size = [randInt(rng, 0, 8), randInt(rng, 0, 8)];
      const input: PlacementInput = {
        dims: DEFAULT_DIMS,
        nodes: Array.from({ length: N }, (_, n) => ({ name: `n${n}`, capacity: rng() < 0.6 ? [...size] : [randInt(rng, 0, 8), randInt(rng, 0, 8)], allocated: rng() < 0.2 ? [1, 1] : undefined })),
        functions: Array.from({ length: randInt(rng, 1, 8) }, (_, f) => ({
          name: `f${f}`,
          demand: [randInt(rng, 0, 3), randInt(rng, 0, 3)],
          pods: randInt(rng, 0, 6),
          existing: rng() < 0.3 ? randInt(rng, 1, 3) : undefined,
        })),
      };
      check(input, t + 1);
    }
  });
});
