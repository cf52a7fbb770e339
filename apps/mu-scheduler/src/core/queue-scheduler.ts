// The Kubernetes default scheduler as a baseline: one pod per cycle from a FIFO queue, filter nodes
// the pod fits (NodeResourcesFit filter), score them with the configured plugins, pick the highest
// score, random among ties (selectHost). It knows nothing about fairness. Queue order: the pods of a
// function arrive together (its ReplicaSet creates them in one burst), functions in seeded random order.
import { emptyPlacement, fits, validateInput, type Placement, type PlacementInput } from './model.ts';
import { mulberry32, shuffle } from '@fastpath/bench';
import { k8sNodeScore, type K8sProfile } from './scoring-k8s.ts';

/** kube-scheduler's non-zero defaults for pods without requests, used for scoring only. */
const NON_ZERO_DEFAULTS: Record<string, number> = { cpu: 100, memory: 200 * 1024 * 1024 };

export function placeQueue(input: PlacementInput, profile: K8sProfile, opts: { seed?: number; name?: string; queue?: number[] } = {}): Placement {
  validateInput(input);
  const rng = mulberry32(opts.seed ?? 1);
  const out = emptyPlacement(opts.name ?? `k8s-${profile.strategy}`, input);
  const dims = input.dims;
  const fnOrder = opts.queue ?? shuffle(rng, input.functions.map((_, i) => i));
  const alloc = input.nodes.map((n) => n.capacity.map((c, j) => Math.round(c * dims[j].k8sScale)));
  const unplaced = new Map<number, number>();
  const requested = new Array(dims.length).fill(0);
  for (const fn of fnOrder) {
    const f = input.functions[fn];
    const podReq = f.demand.map((d, j) => (d === 0 && NON_ZERO_DEFAULTS[dims[j].name] !== undefined ? NON_ZERO_DEFAULTS[dims[j].name] : Math.round(d * dims[j].k8sScale)));
    for (let p = 0; p < f.pods; p++) {
      let best = -Infinity;
      let chosen = -1;
      let nTies = 0;
      for (let n = 0; n < input.nodes.length; n++) {
        const free = out.free[n];
        if (!fits(f.demand, free)) continue;
        const cap = input.nodes[n].capacity;
        for (let j = 0; j < dims.length; j++) requested[j] = Math.round((cap[j] - free[j]) * dims[j].k8sScale) + podReq[j];
        const s = k8sNodeScore(profile, requested, alloc[n]);
        if (s > best) {
          best = s;
          chosen = n;
          nTies = 1;
        } else if (s === best) {
          // Reservoir sampling over equal scores, as selectHost does.
          nTies++;
          if (Math.floor(rng() * nTies) === 0) chosen = n;
        }
      }
      if (chosen < 0) {
        unplaced.set(fn, (unplaced.get(fn) ?? 0) + 1);
        continue;
      }
      for (let j = 0; j < dims.length; j++) out.free[chosen][j] -= f.demand[j];
      out.w[fn][chosen]++;
      out.placed[fn]++;
      out.order.push({ fn, node: chosen });
    }
  }
  for (const [fn, pods] of unplaced) {
    const f = input.functions[fn];
    const anyNode = input.nodes.some((n) => fits(f.demand, n.capacity));
    out.unplaced.push({ fn, name: f.name, pods, reason: anyNode ? 'no-feasible-node' : 'infeasible-demand' });
  }
  out.unplaced.sort((a, b) => a.fn - b.fn);
  return out;
}
