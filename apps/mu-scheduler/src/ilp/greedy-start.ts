// A MIP start aimed at ILP0 (max pods): pods cost cluster resources in proportion to their size, so
// placing the smallest pods first (size = Σ_j d_fj / Σ_n c_nj) onto the tightest node that still fits
// (BestFit by normalised leftover) packs many more pods than a fairness-driven order does. It is only
// a start for the solver: the solver keeps whatever it can prove or find beyond it.
import { emptyPlacement, fits, infeasibleFunctions, totalCapacity, type Placement, type PlacementInput } from '../core/model.ts';

export function smallestFirstPlacement(input: PlacementInput): Placement {
  const out = emptyPlacement('smallest-first', input);
  const total = totalCapacity(input);
  const J = input.dims.length;
  const size = input.functions.map((f) => f.demand.reduce((s, d, j) => s + (total[j] > 0 ? d / total[j] : 0), 0));
  const bad = infeasibleFunctions(input);
  const order = input.functions.map((_, i) => i).sort((a, b) => size[a] - size[b] || a - b);
  for (const f of order) {
    const fn = input.functions[f];
    if (fn.pods === 0) continue;
    if (bad.has(f)) {
      out.unplaced.push({ fn: f, name: fn.name, pods: fn.pods, reason: 'infeasible-demand' });
      continue;
    }
    let p = 0;
    for (; p < fn.pods; p++) {
      let best = -1;
      let bestLeft = Infinity;
      for (let n = 0; n < input.nodes.length; n++) {
        const a = out.free[n];
        if (!fits(fn.demand, a)) continue;
        const c = input.nodes[n].capacity;
        let left = 0;
        for (let j = 0; j < J; j++) if (c[j] > 0) left += (a[j] - fn.demand[j]) / c[j];
        if (left < bestLeft) {
          bestLeft = left;
          best = n;
        }
      }
      if (best < 0) break;
      for (let j = 0; j < J; j++) out.free[best][j] -= fn.demand[j];
      out.w[f][best]++;
      out.placed[f]++;
      out.order.push({ fn: f, node: best });
    }
    if (p < fn.pods) out.unplaced.push({ fn: f, name: fn.name, pods: fn.pods - p, reason: 'no-feasible-node' });
  }
  out.unplaced.sort((a, b) => a.fn - b.fn);
  return out;
}
