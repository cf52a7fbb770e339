// Eq. 4.2: unfairness U_j = Σ_t Σ_f |R_fjt − M_fjt| / Σ_t |F_t| against the per-resource max-min fair
// allocation M (water-filling), and inefficiency I_j = Σ_t |Σ_f d_fjt − Σ_f R_fjt| / Σ_t |F_t|, i.e.
// unmet demand per function. We also report the inefficiency against ILP0's allocation instead of
// the demand (how much less than the efficiency optimum an algorithm places).
import type { Placement, PlacementInput } from '../core/model.ts';

/** Max-min fair split of `capacity` among `demands` (water-filling): small demands are met in full. */
export function maxMinFair(demands: readonly number[], capacity: number): number[] {
  if (!(capacity >= 0)) throw new RangeError(`capacity must be >= 0 (got ${capacity})`);
  const out = new Array(demands.length).fill(0);
  const idx = demands.map((_, i) => i).sort((a, b) => demands[a] - demands[b]);
  let remaining = capacity;
  for (let k = 0; k < idx.length; k++) {
    const d = demands[idx[k]];
    if (!(d >= 0)) throw new RangeError(`demand ${idx[k]} must be >= 0 (got ${d})`);
    const share = remaining / (idx.length - k);
    const give = Math.min(d, share);
    out[idx[k]] = give;
    remaining -= give;
  }
  return out;
}

/** R_fj: resources allocated to each function (placed plus already running pods). */
export function allocationOf(input: PlacementInput, p: Placement): number[][] {
  return input.functions.map((f, i) => f.demand.map((d) => d * (p.placed[i] + (f.existing ?? 0))));
}

/** d_fj at this instant: the function's whole demand (pods wanted × per-pod request). */
export function demandOf(input: PlacementInput): number[][] {
  return input.functions.map((f) => f.demand.map((d) => d * (f.pods + (f.existing ?? 0))));
}

/** One time instant's contribution to Eq. 4.2 (sums, not yet divided by |F|). */
export interface FairnessSample {
  functions: number;
  /** Σ_f |R_fj − M_fj| per resource. */
  deviation: number[];
  /** |Σ_f d_fj − Σ_f R_fj| per resource. */
  unmet: number[];
  /** Σ_f R_fj per resource. */
  allocated: number[];
  /** |Σ_f R^ILP0_fj − Σ_f R_fj| per resource, when an ILP0 placement was given. */
  belowIlp0?: number[];
}

export function sampleOf(input: PlacementInput, p: Placement, ilp0?: Placement): FairnessSample {
  const J = input.dims.length;
  const F = input.functions.length;
  const R = allocationOf(input, p);
  const D = demandOf(input);
  const cap = new Array(J).fill(0);
  for (const n of input.nodes) n.capacity.forEach((c, j) => (cap[j] += c));
  const deviation = new Array(J).fill(0);
  const unmet = new Array(J).fill(0);
  const allocated = new Array(J).fill(0);
  for (let j = 0; j < J; j++) {
    const M = maxMinFair(
      D.map((d) => d[j]),
      cap[j],
    );
    let dSum = 0;
    let rSum = 0;
    for (let f = 0; f < F; f++) {
      deviation[j] += Math.abs(R[f][j] - M[f]);
      dSum += D[f][j];
      rSum += R[f][j];
    }
    unmet[j] = Math.abs(dSum - rSum);
    allocated[j] = rSum;
  }
  const out: FairnessSample = { functions: F, deviation, unmet, allocated };
  if (ilp0) {
    const R0 = allocationOf(input, ilp0);
    out.belowIlp0 = new Array(J).fill(0).map((_, j) => Math.abs(R0.reduce((s, r) => s + r[j], 0) - R.reduce((s, r) => s + r[j], 0)));
  }
  return out;
}

export interface Integrated {
  /** U_j */
  unfairness: number[];
  /** I_j against the demand (unmet demand per function). */
  unmet: number[];
  /** I_j against ILP0, when every sample had it. */
  inefficiencyVsIlp0?: number[];
}

/** Integrates samples over time (Eq. 4.2): sums divided by Σ_t |F_t|. */
export function integrate(samples: readonly FairnessSample[]): Integrated {
  if (samples.length === 0) throw new RangeError('integrate needs at least one sample');
  const J = samples[0].deviation.length;
  const F = samples.reduce((s, x) => s + x.functions, 0);
  const sum = (pick: (x: FairnessSample) => number[] | undefined) =>
    new Array(J).fill(0).map((_, j) => samples.reduce((s, x) => s + (pick(x)?.[j] ?? 0), 0) / Math.max(1, F));
  const out: Integrated = { unfairness: sum((x) => x.deviation), unmet: sum((x) => x.unmet) };
  if (samples.every((x) => x.belowIlp0)) out.inefficiencyVsIlp0 = sum((x) => x.belowIlp0);
  return out;
}
