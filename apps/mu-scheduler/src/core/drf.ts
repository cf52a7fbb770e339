// Algorithm 1 (dissertation §4.3.1): repeatedly take the function with the minimum dominant share
// D_f = max_j R_fj / Σ_n c_nj (ties: the smaller Σ_j d_fj, then the lower index), score every node
// its pod fits on, place it on the best one (random among exact ties, seeded), and drop the function
// from F when no node fits it or when all its pods are placed.
//
// Why it is fast (a 300 × 40 decision places ~2,500 pods and evaluates ~80,000 (function, node)
// pairs): all state lives in typed arrays of a workspace reused across calls (no allocation per
// step, almost none per call); the functions sit in an index heap keyed by dominant share that is
// repaired in place after each pod (only the placed function's share changes, and it only grows);
// each function keeps the list of nodes it still fits on (free resources only shrink, so a node that
// stops fitting is dropped for good) with the score last computed there, and a node is rescored
// only if a pod landed on it since. The decisions are identical to scoring every node at every
// step (pinned against that reference implementation in test/drf-reference.test.ts).
import { mulberry32 } from '@fastpath/bench';
import { emptyPlacement, validateInput, type Placement, type PlacementInput } from './model.ts';
import { alignment, bestFit, worstFit, type MuScorer } from './scoring-mu.ts';

export function dominantShare(alloc: ArrayLike<number>, total: ArrayLike<number>, off = 0, J = total.length): number {
  let d = 0;
  for (let j = 0; j < J; j++) {
    const a = alloc[off + j];
    if (a === 0) continue;
    const s = total[j] > 0 ? a / total[j] : Infinity;
    if (s > d) d = s;
  }
  return d;
}

/** Kernel ids of the built-in scores; anything else is a custom scorer, rescored on every step. */
const KERNEL = new Map<MuScorer, number>([
  [alignment, 0],
  [worstFit, 1],
  [bestFit, 2],
]);
const CUSTOM = 3;

/** Typed-array state of one decision, grown on demand and reused by the next call. */
class Workspace {
  J = 0;
  N = 0;
  cap = new Float64Array(0);
  free = new Float64Array(0);
  total = new Float64Array(0);
  dem = new Float64Array(0);
  R = new Float64Array(0);
  left = new Int32Array(0);
  share = new Float64Array(0);
  dsum = new Float64Array(0);
  /** Function heap (min by share, demand sum, index) of function indices. */
  fh = new Int32Array(0);
  fhSize = 0;
  /** Per function, N slots: candidate nodes, their last score and the node version it was computed at. */
  cand = new Int32Array(0);
  cScore = new Float64Array(0);
  cVer = new Int32Array(0);
  cSize = new Int32Array(0);
  nodeVer = new Int32Array(0);
  ties = new Int32Array(0);
  order = new Int32Array(0);
  /** Functions removed from F because no node fitted them any more. */
  noFit = new Int32Array(0);
  noFitCount = 0;
  /** Number of best-score ties the last scan left in `ties`. */
  nt = 0;
  kernel = 0;
  custom: MuScorer = alignment;
  sa: number[] = [];
  sc: number[] = [];
  sd: number[] = [];

  reset(F: number, N: number, J: number, pods: number): void {
    this.J = J;
    this.N = N;
    const grow = <T extends Float64Array | Int32Array>(a: T, n: number, make: (n: number) => T): T => (a.length >= n ? a : make(Math.max(n, 2 * a.length)));
    const f64 = (n: number) => new Float64Array(n);
    const i32 = (n: number) => new Int32Array(n);
    this.cap = grow(this.cap, N * J, f64);
    this.free = grow(this.free, N * J, f64);
    this.total = grow(this.total, J, f64);
    this.dem = grow(this.dem, F * J, f64);
    this.R = grow(this.R, F * J, f64);
    this.left = grow(this.left, F, i32);
    this.share = grow(this.share, F, f64);
    this.dsum = grow(this.dsum, F, f64);
    this.fh = grow(this.fh, F, i32);
    this.cand = grow(this.cand, F * N, i32);
    this.cScore = grow(this.cScore, F * N, f64);
    this.cVer = grow(this.cVer, F * N, i32);
    this.cSize = grow(this.cSize, F, i32);
    this.nodeVer = grow(this.nodeVer, N, i32);
    this.ties = grow(this.ties, N, i32);
    this.order = grow(this.order, 2 * pods, i32);
    this.noFit = grow(this.noFit, F, i32);
    this.total.fill(0, 0, J);
    this.cSize.fill(-1, 0, F);
    this.nodeVer.fill(0, 0, N);
    this.fhSize = 0;
    if (this.sa.length !== J) {
      this.sa = new Array<number>(J).fill(0);
      this.sc = new Array<number>(J).fill(0);
      this.sd = new Array<number>(J).fill(0);
    }
  }
}

/** Score of node n for function f through the custom scorer, or -Infinity when the pod does not fit. */
function customScore(w: Workspace, f: number, n: number): number {
  const J = w.J;
  for (let j = 0; j < J; j++) if (w.dem[f * J + j] > w.free[n * J + j]) return -Infinity;
  for (let j = 0; j < J; j++) {
    w.sa[j] = w.free[n * J + j];
    w.sc[j] = w.cap[n * J + j];
    w.sd[j] = w.dem[f * J + j];
  }
  return w.custom(w.sa, w.sc, w.sd);
}

function fLess(w: Workspace, x: number, y: number): boolean {
  const share = w.share;
  const dsum = w.dsum;
  return share[x] < share[y] || (share[x] === share[y] && (dsum[x] < dsum[y] || (dsum[x] === dsum[y] && x < y)));
}

function fSiftDown(w: Workspace, i: number): void {
  const fh = w.fh;
  const size = w.fhSize;
  const x = fh[i];
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && fLess(w, fh[r], fh[l]) ? r : l;
    if (!fLess(w, fh[m], x)) break;
    fh[i] = fh[m];
    i = m;
  }
  fh[i] = x;
}

/**
 * Scores f's candidate nodes into cScore (rescoring only nodes whose version moved) and drops the
 * ones it no longer fits on. One loop per kernel with the fit test fused in: this is the hot loop
 * (~80k iterations per decision), and the float operations are exactly those of scoring-mu.ts.
 */
function scoreCandidates(w: Workspace, f: number): void {
  const { J, N, cand, cScore, cVer, nodeVer, free, dem, cap, kernel } = w;
  const b = f * N;
  const fo = f * J;
  const ties = w.ties;
  let best = -Infinity;
  let nt = 0;
  let size = w.cSize[f];
  let i = 0;
  next: while (i < size) {
    const n = cand[b + i];
    const no = n * J;
    let s = 0;
    if (cVer[b + i] === nodeVer[n] && kernel !== CUSTOM) {
      s = cScore[b + i];
      if (s > best) {
        best = s;
        ties[0] = n;
        nt = 1;
      } else if (s === best) ties[nt++] = n;
      i++;
      continue;
    }
    for (let j = 0; j < J; j++) {
      if (dem[fo + j] > free[no + j]) {
        // Free resources only shrink, so it never fits again: swap-remove (ties are sorted later).
        size--;
        cand[b + i] = cand[b + size];
        cScore[b + i] = cScore[b + size];
        cVer[b + i] = cVer[b + size];
        continue next;
      }
    }
    if (kernel === 0) {
      for (let j = 0; j < J; j++) {
        const c = cap[no + j];
        if (c > 0) s += (free[no + j] / c) * (dem[fo + j] / c);
      }
    } else if (kernel === 1) {
      for (let j = 0; j < J; j++) {
        const c = cap[no + j];
        if (c > 0) s += (free[no + j] - dem[fo + j]) / c;
      }
    } else if (kernel === 2) {
      for (let j = 0; j < J; j++) {
        const a = free[no + j];
        if (a > 0) s += (a - dem[fo + j]) / a;
      }
    } else s = customScore(w, f, n);
    cScore[b + i] = s;
    cVer[b + i] = nodeVer[n];
    if (s > best) {
      best = s;
      ties[0] = n;
      nt = 1;
    } else if (s === best) ties[nt++] = n;
    i++;
  }
  w.cSize[f] = size;
  w.nt = nt;
}

/**
 * scoreCandidates for the common two-resource case (CPU, memory) of the built-in kernels: the same
 * operations unrolled, which roughly halves the hot loop's time.
 */
function scoreCandidates2(w: Workspace, f: number): void {
  const { N, cand, cScore, cVer, nodeVer, free, dem, cap, kernel } = w;
  const b = f * N;
  const d0 = dem[2 * f];
  const d1 = dem[2 * f + 1];
  const ties = w.ties;
  let best = -Infinity;
  let nt = 0;
  let size = w.cSize[f];
  let i = 0;
  while (i < size) {
    const n = cand[b + i];
    const v = nodeVer[n];
    if (cVer[b + i] === v) {
      const s = cScore[b + i];
      if (s > best) {
        best = s;
        ties[0] = n;
        nt = 1;
      } else if (s === best) ties[nt++] = n;
      i++;
      continue;
    }
    const a0 = free[2 * n];
    const a1 = free[2 * n + 1];
    if (d0 > a0 || d1 > a1) {
      size--;
      cand[b + i] = cand[b + size];
      cScore[b + i] = cScore[b + size];
      cVer[b + i] = cVer[b + size];
      continue;
    }
    const c0 = cap[2 * n];
    const c1 = cap[2 * n + 1];
    let s = 0;
    if (kernel === 0) {
      if (c0 > 0) s += (a0 / c0) * (d0 / c0);
      if (c1 > 0) s += (a1 / c1) * (d1 / c1);
    } else if (kernel === 1) {
      if (c0 > 0) s += (a0 - d0) / c0;
      if (c1 > 0) s += (a1 - d1) / c1;
    } else {
      if (a0 > 0) s += (a0 - d0) / a0;
      if (a1 > 0) s += (a1 - d1) / a1;
    }
    cScore[b + i] = s;
    cVer[b + i] = v;
    if (s > best) {
      best = s;
      ties[0] = n;
      nt = 1;
    } else if (s === best) ties[nt++] = n;
    i++;
  }
  w.cSize[f] = size;
  w.nt = nt;
}

/** The node Algorithm 1 places f's next pod on, or -1 when it fits nowhere. */
function bestNode(w: Workspace, f: number, rng: () => number): number {
  const N = w.N;
  const b = f * N;
  const { cand, cVer, ties } = w;
  if (w.cSize[f] < 0) {
    for (let n = 0; n < N; n++) {
      cand[b + n] = n;
      cVer[b + n] = -1;
    }
    w.cSize[f] = N;
  }
  if (w.J === 2 && w.kernel !== CUSTOM) scoreCandidates2(w, f);
  else scoreCandidates(w, f);
  const nt = w.nt;
  if (nt <= 1) return nt === 1 ? ties[0] : -1;
  // Exact ties break at random in node order, as a scan over the nodes lists them.
  ties.subarray(0, nt).sort();
  return ties[Math.floor(rng() * nt)];
}

/** Algorithm 1's loop over the typed state only (kept apart so it stays optimised); returns the pods placed. */
function placeAll(w: Workspace, rng: () => number): number {
  const { J, fh, free, dem, R, total, share, left, nodeVer, order, noFit } = w;
  let placedCount = 0;
  w.noFitCount = 0;
  while (w.fhSize > 0) {
    const f = fh[0];
    const k = bestNode(w, f, rng);
    if (k < 0) {
      noFit[w.noFitCount++] = f;
      fh[0] = fh[--w.fhSize];
      fSiftDown(w, 0);
      continue;
    }
    const fo = f * J;
    const ko = k * J;
    for (let j = 0; j < J; j++) {
      free[ko + j] -= dem[fo + j];
      R[fo + j] += dem[fo + j];
    }
    nodeVer[k]++;
    order[2 * placedCount] = f;
    order[2 * placedCount + 1] = k;
    placedCount++;
    // Only this function's share changed and it can only grow: repair the heap downwards.
    if (--left[f] > 0) share[f] = dominantShare(R, total, fo, J);
    else fh[0] = fh[--w.fhSize];
    fSiftDown(w, 0);
  }
  return placedCount;
}

let shared: Workspace | undefined;
let busy = false;

export function placeDrf(input: PlacementInput, scorer: MuScorer, opts: { seed?: number; name?: string } = {}): Placement {
  validateInput(input);
  // A custom scorer could itself call placeDrf: that nested call gets its own workspace.
  const w = busy ? new Workspace() : (shared ??= new Workspace());
  busy = true;
  try {
    return run(w, input, scorer, opts);
  } finally {
    if (w === shared) busy = false;
  }
}

function run(w: Workspace, input: PlacementInput, scorer: MuScorer, opts: { seed?: number; name?: string }): Placement {
  const rng = mulberry32(opts.seed ?? 1);
  const out = emptyPlacement(opts.name ?? 'drf', input);
  const J = input.dims.length;
  const N = input.nodes.length;
  const F = input.functions.length;
  let pods = 0;
  for (let f = 0; f < F; f++) pods += input.functions[f].pods;
  w.reset(F, N, J, pods);
  w.kernel = KERNEL.get(scorer) ?? CUSTOM;
  w.custom = scorer;
  const { cap, free, total, dem, R, left, share, dsum, fh, order } = w;
  for (let n = 0; n < N; n++) {
    const nd = input.nodes[n];
    for (let j = 0; j < J; j++) {
      cap[n * J + j] = nd.capacity[j];
      free[n * J + j] = out.free[n][j];
      total[j] += nd.capacity[j];
    }
  }
  for (let f = 0; f < F; f++) {
    const fn = input.functions[f];
    const ex = fn.existing ?? 0;
    let s = 0;
    for (let j = 0; j < J; j++) {
      dem[f * J + j] = fn.demand[j];
      R[f * J + j] = fn.demand[j] * ex;
      s += fn.demand[j];
    }
    dsum[f] = s;
    left[f] = fn.pods;
    share[f] = dominantShare(R, total, f * J, J);
    if (fn.pods === 0) continue;
    let fitsSomewhere = false;
    for (let n = 0; n < N && !fitsSomewhere; n++) {
      let ok = true;
      for (let j = 0; j < J; j++) if (dem[f * J + j] > cap[n * J + j]) ok = false;
      fitsSomewhere = ok;
    }
    if (fitsSomewhere) fh[w.fhSize++] = f;
    else out.unplaced.push({ fn: f, name: fn.name, pods: fn.pods, reason: 'infeasible-demand' });
  }
  for (let i = (w.fhSize >> 1) - 1; i >= 0; i--) fSiftDown(w, i);

  const placedCount = placeAll(w, rng);
  for (let i = 0; i < w.noFitCount; i++) {
    const f = w.noFit[i];
    out.unplaced.push({ fn: f, name: input.functions[f].name, pods: left[f], reason: 'no-feasible-node' });
  }
  for (let i = 0; i < placedCount; i++) {
    const f = order[2 * i];
    const k = order[2 * i + 1];
    out.w[f][k]++;
    out.placed[f]++;
  }
  for (let i = 0; i < placedCount; i++) out.order.push({ fn: order[2 * i], node: order[2 * i + 1] });
  for (let n = 0; n < N; n++) for (let j = 0; j < J; j++) out.free[n][j] = free[n * J + j];
  out.unplaced.sort((a, b) => a.fn - b.fn);
  return out;
}
