// Kubernetes scheduler scoring, ported from kube-scheduler (pkg/scheduler/framework/plugins/noderesources:
// least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go, balanced_allocation.go and
// helper/shape_score.go). Inputs are int64-style integers (milli-CPU, bytes); Go's integer division
// truncates, so we do too. `requested` already includes the incoming pod.

export const MAX_NODE_SCORE = 100;
/** RequestedToCapacityRatio shape scores are 0..10 and scaled to MAX_NODE_SCORE. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;
const MAX_UTILIZATION = 100;

const idiv = (a: number, b: number) => Math.trunc(a / b);

/** Per-resource weights; the default profile weighs cpu and memory 1 each. */
export type Weights = readonly number[];

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return idiv((capacity - requested) * MAX_NODE_SCORE, capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  // Upstream clamps: pods without requests get minimum values and may exceed capacity.
  if (requested > capacity) requested = capacity;
  return idiv(requested * MAX_NODE_SCORE, capacity);
}

function weighted(requested: readonly number[], allocatable: readonly number[], weights: Weights, f: (r: number, c: number) => number): number {
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    score += f(requested[i], allocatable[i]) * weights[i];
    weightSum += weights[i];
  }
  return weightSum === 0 ? 0 : idiv(score, weightSum);
}

/** NodeResourcesFit, strategy LeastAllocated (the default). */
export function leastAllocated(requested: readonly number[], allocatable: readonly number[], weights: Weights): number {
  return weighted(requested, allocatable, weights, leastRequestedScore);
}

/** NodeResourcesFit, strategy MostAllocated. */
export function mostAllocated(requested: readonly number[], allocatable: readonly number[], weights: Weights): number {
  return weighted(requested, allocatable, weights, mostRequestedScore);
}

export interface ShapePoint {
  /** 0..100 */
  utilization: number;
  /** 0..10 */
  score: number;
}

/** helper.BuildBrokenLinearFunction: piecewise linear through the shape points, flat outside. */
export function brokenLinear(shape: readonly ShapePoint[]): (p: number) => number {
  const pts = shape.map((s) => ({ u: s.utilization, s: s.score * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE) }));
  return (p) => {
    for (let i = 0; i < pts.length; i++) {
      if (p <= pts[i].u) {
        if (i === 0) return pts[0].s;
        return pts[i - 1].s + idiv((pts[i].s - pts[i - 1].s) * (p - pts[i - 1].u), pts[i].u - pts[i - 1].u);
      }
    }
    return pts[pts.length - 1].s;
  };
}

/** Upstream default shape when none is configured: bin packing ({0,0},{100,10}). */
export const DEFAULT_RTCR_SHAPE: readonly ShapePoint[] = [
  { utilization: 0, score: 0 },
  { utilization: 100, score: 10 },
];

/** NodeResourcesFit, strategy RequestedToCapacityRatio. */
export function requestedToCapacityRatio(
  requested: readonly number[],
  allocatable: readonly number[],
  weights: Weights,
  shape: readonly ShapePoint[] = DEFAULT_RTCR_SHAPE,
): number {
  const raw = brokenLinear(shape);
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const r = requested[i] > allocatable[i] ? raw(MAX_UTILIZATION) : raw(idiv(requested[i] * MAX_UTILIZATION, allocatable[i]));
    if (r > 0) {
      score += r * weights[i];
      weightSum += weights[i];
    }
  }
  return weightSum === 0 ? 0 : Math.round(score / weightSum);
}

/** NodeResourcesBalancedAllocation: (1 − std of the requested fractions) · 100, truncated. */
export function balancedAllocation(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(1, requested[i] / allocatable[i]);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    std = Math.sqrt(fractions.reduce((s, f) => s + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export type FitStrategy = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

export interface K8sProfile {
  strategy: FitStrategy;
  /** NodeResourcesFit resource weights (one per dim). */
  resourceWeights?: Weights;
  shape?: readonly ShapePoint[];
  /** Plugin weights in the framework's weighted sum (default profile: 1 and 1). */
  fitWeight?: number;
  balancedWeight?: number;
}

/** The framework's node score: Σ plugin score × plugin weight. */
export function k8sNodeScore(profile: K8sProfile, requested: readonly number[], allocatable: readonly number[]): number {
  const w = profile.resourceWeights ?? requested.map(() => 1);
  const fit =
    profile.strategy === 'LeastAllocated'
      ? leastAllocated(requested, allocatable, w)
      : profile.strategy === 'MostAllocated'
        ? mostAllocated(requested, allocatable, w)
        : requestedToCapacityRatio(requested, allocatable, w, profile.shape);
  return fit * (profile.fitWeight ?? 1) + balancedAllocation(requested, allocatable) * (profile.balancedWeight ?? 1);
}
