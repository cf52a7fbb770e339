// Algorithm 1 written the obvious way (score every feasible node at every step), kept as the
// reference that the optimised src/core/drf.ts must match decision for decision.
import { MinHeap } from '../src/core/heap.ts';
import { emptyPlacement, infeasibleFunctions, totalCapacity, validateInput, type Placement, type PlacementInput } from '../src/core/model.ts';
import { mulberry32 } from '@fastpath/bench';
import type { MuScorer } from '../src/core/scoring-mu.ts';

interface Entry {
  fn: number;
  share: number;
  demandSum: number;
}

const less = (x: Entry, y: Entry) =>
  x.share < y.share || (x.share === y.share && (x.demandSum < y.demandSum || (x.demandSum === y.demandSum && x.fn < y.fn)));

function dominantShare(alloc: readonly number[], total: readonly number[]): number {
  let d = 0;
  for (let j = 0; j < alloc.length; j++) {
    if (alloc[j] === 0) continue;
    d = Math.max(d, total[j] > 0 ? alloc[j] / total[j] : Infinity);
  }
  return d;
}

export function placeDrfReference(input: PlacementInput, scorer: MuScorer, opts: { seed?: number; name?: string } = {}): Placement {
  validateInput(input);
  const rng = mulberry32(opts.seed ?? 1);
  const out = emptyPlacement(opts.name ?? 'drf', input);
  const total = totalCapacity(input);
  const J = input.dims.length;
  const R = input.functions.map((f) => f.demand.map((d) => d * (f.existing ?? 0)));
  const left = input.functions.map((f) => f.pods);
  const bad = infeasibleFunctions(input);
  const heap = new MinHeap<Entry>(less);
  input.functions.forEach((f, fn) => {
    if (f.pods === 0) return;
    if (bad.has(fn)) {
      out.unplaced.push({ fn, name: f.name, pods: f.pods, reason: 'infeasible-demand' });
      return;
    }
    heap.push({ fn, share: dominantShare(R[fn], total), demandSum: f.demand.reduce((s, x) => s + x, 0) });
  });
  const caps = input.nodes.map((n) => n.capacity);
  const N = caps.length;
  const ties: number[] = [];
  while (heap.size > 0) {
    const e = heap.pop()!;
    const d = input.functions[e.fn].demand;
    let best = -Infinity;
    ties.length = 0;
    for (let n = 0; n < N; n++) {
      const a = out.free[n];
      // Inline fit test: this loop runs ~80k times per 300x40 decision.
      let ok = true;
      for (let j = 0; j < J; j++) {
        if (d[j] > a[j]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const s = scorer(a, caps[n], d);
      if (s > best) {
        best = s;
        ties.length = 0;
        ties.push(n);
      } else if (s === best) ties.push(n);
    }
    if (ties.length === 0) {
      out.unplaced.push({ fn: e.fn, name: input.functions[e.fn].name, pods: left[e.fn], reason: 'no-feasible-node' });
      continue;
    }
    const k = ties.length === 1 ? ties[0] : ties[Math.floor(rng() * ties.length)];
    const freeK = out.free[k];
    const Rf = R[e.fn];
    for (let j = 0; j < J; j++) {
      freeK[j] -= d[j];
      Rf[j] += d[j];
    }
    out.w[e.fn][k]++;
    out.placed[e.fn]++;
    out.order.push({ fn: e.fn, node: k });
    if (--left[e.fn] > 0) {
      e.share = dominantShare(Rf, total);
      heap.push(e);
    }
  }
  return out;
}
