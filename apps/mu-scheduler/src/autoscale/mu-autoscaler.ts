// Mu's SLO-aware autoscaler: predict each function's arrival rate (Holt), size the deployment for the
// predicted load plus the backlog that must drain within the SLO, hold scale-downs for a grace period,
// and cap the total by fairness: the placement core (DRF) decides how many of the desired pods fit.
import { MU_DEFAULT_ALGORITHM, place } from '../core/algorithms.ts';
import { DEFAULT_DIMS, type PlacementInput } from '../core/model.ts';
import { Holt, type Predictor } from './predictor.ts';

export interface MuAutoscalerConfig {
  execSec: number;
  concurrency: number;
  sloSec: number;
  epochSec: number;
  /** Pod start-up time; the predictor looks this far (plus one epoch) ahead. */
  startupSec: number;
  /** Keep pods for this long after the desired count drops ("grace"). */
  graceSec: number;
  /** Per-pod request [cores, MiB] and the nodes that hold the pods. */
  podDemand: [number, number];
  nodes: { name: string; capacity: [number, number] }[];
}

export interface MuDecision {
  /** Desired before the fairness cap. */
  desired: number[];
  /** After the cap: what Mu requests. */
  requested: number[];
  predicted: number[];
}

export class MuAutoscaler {
  private readonly predictors: Predictor[];
  private readonly history: { t: number; d: number }[][];

  constructor(
    readonly functions: string[],
    readonly cfg: MuAutoscalerConfig,
  ) {
    if (!(cfg.execSec > 0 && cfg.concurrency > 0 && cfg.sloSec > 0 && cfg.epochSec > 0)) throw new RangeError('exec, concurrency, SLO and epoch must be > 0');
    this.predictors = functions.map(() => new Holt());
    this.history = functions.map(() => []);
  }

  /** rates: arrivals/s in the last epoch (admitted or not); backlog: queued requests per function. */
  decide(now: number, rates: number[], backlog: number[]): MuDecision {
    const c = this.cfg;
    const steps = Math.ceil((c.startupSec + c.epochSec) / c.epochSec);
    const predicted = rates.map((r, f) => {
      this.predictors[f].observe(r);
      return Math.max(r, this.predictors[f].forecast(steps));
    });
    const desired = predicted.map((lambda, f) => {
      const raw = Math.ceil(((lambda + backlog[f] / c.sloSec) * c.execSec) / c.concurrency - 1e-9);
      const h = this.history[f];
      h.push({ t: now, d: raw });
      while (h.length && h[0].t < now - c.graceSec) h.shift();
      return Math.max(...h.map((x) => x.d));
    });
    const input: PlacementInput = {
      dims: DEFAULT_DIMS,
      nodes: c.nodes.map((n) => ({ name: n.name, capacity: [...n.capacity] })),
      functions: this.functions.map((name, f) => ({ name, demand: [...c.podDemand], pods: desired[f] })),
    };
    const placement = place(MU_DEFAULT_ALGORITHM, input, 1);
    return { desired, requested: placement.placed, predicted };
  }
}

/** Admission control: would a request arriving now finish within the SLO? */
export function estimateResponseSec(opts: {
  queued: number;
  freeSlots: number;
  readySlots: number;
  /** Seconds until each starting pod is ready. */
  startingIn: number[];
  concurrency: number;
  execSec: number;
}): number {
  const { queued, freeSlots, readySlots, startingIn, concurrency, execSec } = opts;
  const ahead = queued + 1;
  if (ahead <= freeSlots) return execSec;
  // The rest is served by the ready slots in waves of at most execSec each (a busy slot frees within
  // execSec), then our own execution; starting pods only help once they are ready.
  if (readySlots > 0) return Math.ceil((ahead - freeSlots) / readySlots) * execSec + execSec;
  if (startingIn.length === 0) return Infinity;
  const first = Math.min(...startingIn);
  const slots = startingIn.length * concurrency;
  return first + Math.ceil(ahead / slots) * execSec;
}
