// The placement problem: resource vectors (CPU, memory, ... any length), nodes with capacity and
// already-requested amounts, and functions asking for a number of identical pods.

export interface ResourceDim {
  name: string;
  /** Multiplier to Kubernetes' integer units, used only by the upstream scorers (cpu: 1000 milli, memory MiB -> bytes). */
  k8sScale: number;
}

export const CPU: ResourceDim = { name: 'cpu', k8sScale: 1000 };
export const MEMORY_MIB: ResourceDim = { name: 'memory', k8sScale: 1 << 20 };
export const DEFAULT_DIMS: readonly ResourceDim[] = [CPU, MEMORY_MIB];

export interface NodeSpec {
  name: string;
  capacity: number[];
  /** Requests of pods already running there (default zero). */
  allocated?: number[];
}

export interface FunctionSpec {
  name: string;
  /** Per-pod request. */
  demand: number[];
  /** Pods to place now. */
  pods: number;
  /** Pods of this function already running (they count towards its dominant share). */
  existing?: number;
}

export interface PlacementInput {
  dims: readonly ResourceDim[];
  nodes: NodeSpec[];
  functions: FunctionSpec[];
}

export type UnplacedReason =
  /** The pod is bigger than every node's total capacity: no cluster state could fit it. */
  | 'infeasible-demand'
  /** No node had room when the function's turn came (Algorithm 1 removes it from F). */
  | 'no-feasible-node';

export interface Unplaced {
  fn: number;
  name: string;
  pods: number;
  reason: UnplacedReason;
}

export interface Placement {
  algorithm: string;
  /** Placement decisions in the order they were made. */
  order: { fn: number; node: number }[];
  /** w[f][n]: pods of function f placed on node n. */
  w: number[][];
  placed: number[];
  unplaced: Unplaced[];
  /** Remaining free capacity per node after placement. */
  free: number[][];
}

/** Bad input: the message names the offending field (e.g. functions[3].demand[1]). */
export class InvalidInputError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`invalid placement input: ${field} ${detail}`);
    this.name = 'InvalidInputError';
  }
}

function checkVector(field: string, v: unknown, len: number): void {
  if (!Array.isArray(v)) throw new InvalidInputError(field, 'must be an array');
  if (v.length !== len) throw new InvalidInputError(field, `has ${v.length} entries, expected ${len} (one per resource)`);
  v.forEach((x, j) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidInputError(`${field}[${j}]`, `must be a finite number (got ${x})`);
    if (x < 0) throw new InvalidInputError(`${field}[${j}]`, `must be >= 0 (got ${x})`);
  });
}

/** Throws InvalidInputError on NaN/negative/ill-shaped input; zero capacity is allowed (such a node fits nothing). */
export function validateInput(input: PlacementInput): void {
  const J = input.dims?.length ?? 0;
  if (J === 0) throw new InvalidInputError('dims', 'must name at least one resource');
  if (!Array.isArray(input.nodes)) throw new InvalidInputError('nodes', 'must be an array');
  if (!Array.isArray(input.functions)) throw new InvalidInputError('functions', 'must be an array');
  input.nodes.forEach((n, i) => {
    checkVector(`nodes[${i}].capacity`, n.capacity, J);
    if (n.allocated) checkVector(`nodes[${i}].allocated`, n.allocated, J);
  });
  input.functions.forEach((f, i) => {
    checkVector(`functions[${i}].demand`, f.demand, J);
    if (!Number.isInteger(f.pods) || f.pods < 0) throw new InvalidInputError(`functions[${i}].pods`, `must be an integer >= 0 (got ${f.pods})`);
    if (f.existing !== undefined && (!Number.isInteger(f.existing) || f.existing < 0)) {
      throw new InvalidInputError(`functions[${i}].existing`, `must be an integer >= 0 (got ${f.existing})`);
    }
  });
}

export function totalCapacity(input: PlacementInput): number[] {
  const t = new Array(input.dims.length).fill(0);
  for (const n of input.nodes) n.capacity.forEach((c, j) => (t[j] += c));
  return t;
}

export function freeOf(n: NodeSpec): number[] {
  return n.capacity.map((c, j) => Math.max(0, c - (n.allocated?.[j] ?? 0)));
}

export function fits(demand: readonly number[], free: readonly number[]): boolean {
  for (let j = 0; j < demand.length; j++) if (demand[j] > free[j]) return false;
  return true;
}

/** Placement bookkeeping shared by all algorithms. */
export function emptyPlacement(algorithm: string, input: PlacementInput): Placement {
  return {
    algorithm,
    order: [],
    w: input.functions.map(() => new Array(input.nodes.length).fill(0)),
    placed: new Array(input.functions.length).fill(0),
    unplaced: [],
    free: input.nodes.map(freeOf),
  };
}

/** Functions whose pod fits no node's total capacity. */
export function infeasibleFunctions(input: PlacementInput): Set<number> {
  const out = new Set<number>();
  input.functions.forEach((f, i) => {
    if (f.pods > 0 && !input.nodes.some((n) => fits(f.demand, n.capacity))) out.add(i);
  });
  return out;
}
