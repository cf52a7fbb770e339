// Discrete-event simulation of Table 4.1: functions receive requests (arrival times given), pods serve
// `concurrency` requests at once for `execSec` each, a cluster holds `capacityPods` pods, a new pod is
// ready `startupSec` after it gets a slot. Three policies:
//   mu:          Mu autoscaler (Holt prediction, SLO backlog term, grace, DRF fairness cap) + admission
//                control (503 when the estimated response exceeds the SLO);
//   rps / concurrency: one Knative KPA per function, no coordination; pods beyond the capacity wait
//                (Pending) in FIFO order, as with the default scheduler; requests queue at the activator.
import { MinHeap } from '../core/heap.ts';
import { KpaDecider } from '../autoscale/kpa.ts';
import { MuAutoscaler, estimateResponseSec } from '../autoscale/mu-autoscaler.ts';

export type Policy = 'mu' | 'rps' | 'concurrency';

export interface ReplayConfig {
  concurrency: number;
  execSec: number;
  capacityPods: number;
  sloSec: number;
  startupSec: number;
  epochSec: number;
  graceSec: number;
  /** Knative per-pod targets after utilization. */
  rpsTarget: number;
  concurrencyTarget: number;
}

export const TABLE_4_1: ReplayConfig = {
  concurrency: 4,
  execSec: 0.5,
  capacityPods: 48,
  sloSec: 5,
  startupSec: 5,
  epochSec: 2,
  graceSec: 16,
  // Table 4.1 "Target RPS 8" with Knative's default 70% target utilization.
  rpsTarget: 8 * 0.7,
  // Table 4.1 "Target CC 40": target-utilization-percentage 40 of containerConcurrency 4.
  concurrencyTarget: 4 * 0.4,
};

export interface FunctionResult {
  name: string;
  total: number;
  served: number;
  rejected503: number;
  withinSlo: number;
  /** Response times (s) of served requests, in completion order. */
  responses: Float64Array;
  perSecond: { meanResponse: number[]; rejected: number[]; requested: number[]; active: number[] };
}

interface Pod {
  fn: number;
  state: 'pending' | 'starting' | 'ready' | 'terminating' | 'gone';
  readyAt: number;
  inflight: number;
}

type Ev = { t: number; seq: number; kind: 'done'; pod: Pod; fn: number; arrival: number } | { t: number; seq: number; kind: 'ready'; pod: Pod };

/** Mu's autoscaler for Table 4.1: 48 pods of 7 cores / 30 GB, i.e. 12 nodes holding 4 pods each. */
export function muAutoscalerFor(names: string[], cfg: ReplayConfig): MuAutoscaler {
  return new MuAutoscaler(names, {
    execSec: cfg.execSec,
    concurrency: cfg.concurrency,
    sloSec: cfg.sloSec,
    epochSec: cfg.epochSec,
    startupSec: cfg.startupSec,
    graceSec: cfg.graceSec,
    podDemand: [7, 30 * 1024],
    nodes: Array.from({ length: Math.ceil(cfg.capacityPods / 4) }, (_, i) => ({ name: `w${i}`, capacity: [28, 120 * 1024] as [number, number] })),
  });
}

export function simulateReplay(policy: Policy, arrivals: Float64Array[], names: string[], cfg: ReplayConfig, durationSec: number): FunctionResult[] {
  const F = arrivals.length;
  const pendingFifo: Pod[] = [];
  const queues: number[][] = arrivals.map(() => []); // arrival times waiting for a slot
  const qHead = arrivals.map(() => 0);
  const heap = new MinHeap<Ev>((a, b) => a.t < b.t || (a.t === b.t && a.seq < b.seq));
  let seq = 0;
  const horizon = durationSec + 600; // let queues drain after the trace ends
  const seconds = Math.ceil(horizon);
  const res: FunctionResult[] = names.map((name, f) => ({
    name,
    total: arrivals[f].length,
    served: 0,
    rejected503: 0,
    withinSlo: 0,
    responses: new Float64Array(arrivals[f].length),
    perSecond: { meanResponse: new Array(seconds).fill(NaN), rejected: new Array(seconds).fill(0), requested: new Array(seconds).fill(0), active: new Array(seconds).fill(0) },
  }));
  const respSum = names.map(() => new Float64Array(seconds));
  const respCnt = names.map(() => new Float64Array(seconds));
  const requested = new Array(F).fill(0);
  const arrivedInEpoch = new Array(F).fill(0);
  const arrivedInSecond = new Array(F).fill(0);
  const concIntegral = new Array(F).fill(0);
  let lastConcT = 0;

  const kpa = policy === 'mu' ? [] : names.map(() => new KpaDecider({ target: policy === 'rps' ? cfg.rpsTarget : cfg.concurrencyTarget }));
  const mu = policy === 'mu' ? muAutoscalerFor(names, cfg) : undefined;

  // Per-function indices: the CC baseline can ask for thousands of pods, so nothing below may scan all pods per event.
  const byFn: Set<Pod>[] = names.map(() => new Set());
  const readyOf: Set<Pod>[] = names.map(() => new Set());
  const startingOf: Set<Pod>[] = names.map(() => new Set());
  const inflight = new Array(F).fill(0);
  let occupiedCount = 0;
  let pendingHead = 0;
  const occupied = () => occupiedCount;
  const waiting = (f: number) => queues[f].length - qHead[f];
  const setState = (pod: Pod, state: Pod['state']) => {
    if (pod.state === 'ready') readyOf[pod.fn].delete(pod);
    if (pod.state === 'starting') startingOf[pod.fn].delete(pod);
    pod.state = state;
    if (state === 'ready') readyOf[pod.fn].add(pod);
    if (state === 'starting') startingOf[pod.fn].add(pod);
  };

  const accountConcurrency = (t: number) => {
    if (t > lastConcT) {
      for (let f = 0; f < F; f++) concIntegral[f] += (inflight[f] + waiting(f)) * (t - lastConcT);
      lastConcT = t;
    }
  };

  const startService = (pod: Pod, f: number, arrival: number, now: number) => {
    pod.inflight++;
    inflight[f]++;
    heap.push({ t: now + cfg.execSec, seq: seq++, kind: 'done', pod, fn: f, arrival });
  };
  const drainQueue = (pod: Pod, now: number) => {
    const f = pod.fn;
    while (pod.state === 'ready' && pod.inflight < cfg.concurrency && waiting(f) > 0) startService(pod, f, queues[f][qHead[f]++], now);
  };
  const admit = (pod: Pod, now: number) => {
    occupiedCount++;
    setState(pod, 'starting');
    pod.readyAt = now + cfg.startupSec;
    heap.push({ t: pod.readyAt, seq: seq++, kind: 'ready', pod });
  };
  const fillCapacity = (now: number) => {
    while (pendingHead < pendingFifo.length && occupied() < cfg.capacityPods) {
      const pod = pendingFifo[pendingHead++];
      if (pod.state === 'pending') admit(pod, now);
    }
    if (pendingHead > 1024 && pendingHead * 2 > pendingFifo.length) {
      pendingFifo.splice(0, pendingHead);
      pendingHead = 0;
    }
  };
  const removePod = (pod: Pod, now: number) => {
    const held = pod.state !== 'pending';
    setState(pod, 'gone');
    byFn[pod.fn].delete(pod);
    if (held) {
      occupiedCount--;
      fillCapacity(now);
    }
  };
  const rank = (p: Pod) => (p.state === 'pending' ? 0 : p.state === 'starting' ? 1 : 2);
  const reconcile = (f: number, want: number, now: number) => {
    const mine = [...byFn[f]].filter((p) => p.state !== 'terminating');
    if (mine.length < want) {
      for (let k = mine.length; k < want; k++) {
        const pod: Pod = { fn: f, state: 'pending', readyAt: Infinity, inflight: 0 };
        byFn[f].add(pod);
        // FIFO like the default scheduler's queue: nobody overtakes a pod that is already Pending.
        if (pendingHead === pendingFifo.length && occupied() < cfg.capacityPods) admit(pod, now);
        else pendingFifo.push(pod);
      }
    } else if (mine.length > want) {
      const order = mine.sort((a, b) => rank(a) - rank(b) || a.inflight - b.inflight);
      for (const pod of order.slice(0, mine.length - want)) {
        if (pod.inflight === 0) removePod(pod, now);
        else setState(pod, 'terminating');
      }
    }
  };

  const onArrival = (f: number, t: number) => {
    arrivedInEpoch[f]++;
    arrivedInSecond[f]++;
    const sec = Math.floor(t);
    const ready = [...readyOf[f]];
    const free = ready.reduce((s, p) => s + (cfg.concurrency - p.inflight), 0);
    if (mu) {
      const est = estimateResponseSec({
        queued: waiting(f),
        freeSlots: free,
        readySlots: ready.length * cfg.concurrency,
        startingIn: [...startingOf[f]].map((p) => p.readyAt - t),
        concurrency: cfg.concurrency,
        execSec: cfg.execSec,
      });
      if (est > cfg.sloSec) {
        res[f].rejected503++;
        res[f].perSecond.rejected[sec]++;
        return;
      }
    }
    if (free > 0 && waiting(f) === 0) {
      let best = ready[0];
      for (const p of ready) if (p.inflight < best.inflight) best = p;
      startService(best, f, t, t);
    } else queues[f].push(t);
  };

  const tick = (now: number) => {
    if (mu) {
      const d = mu.decide(
        now,
        arrivedInEpoch.map((n) => n / cfg.epochSec),
        names.map((_, f) => waiting(f)),
      );
      for (let f = 0; f < F; f++) {
        requested[f] = d.requested[f];
        reconcile(f, d.requested[f], now);
      }
    } else {
      for (let f = 0; f < F; f++) {
        requested[f] = kpa[f].decide(now, readyOf[f].size);
        reconcile(f, requested[f], now);
      }
    }
    arrivedInEpoch.fill(0);
  };

  const perSecondSample = (s: number) => {
    accountConcurrency(s);
    for (let f = 0; f < F; f++) {
      if (!mu) kpa[f].record(s, policy === 'rps' ? arrivedInSecond[f] : concIntegral[f]);
      concIntegral[f] = 0;
      arrivedInSecond[f] = 0;
      const ps = res[f].perSecond;
      if (s - 1 >= 0 && s - 1 < seconds) {
        ps.requested[s - 1] = requested[f];
        ps.active[s - 1] = readyOf[f].size;
      }
    }
  };

  // Merge arrivals of all functions in time order with the event heap and the periodic ticks.
  const idx = new Array(F).fill(0);
  let nextTick = 0;
  let nextSecond = 1;
  for (;;) {
    let af = -1;
    let at = Infinity;
    for (let f = 0; f < F; f++) {
      if (idx[f] < arrivals[f].length && arrivals[f][idx[f]] < at) {
        at = arrivals[f][idx[f]];
        af = f;
      }
    }
    const ev = heap.size ? heap.pop() : undefined;
    const et = ev ? ev.t : Infinity;
    if (at === Infinity && !ev && nextSecond > durationSec && queues.every((q, f) => q.length === qHead[f])) break;
    const t = Math.min(at, et, nextTick, nextSecond);
    if (t > horizon || (t === Infinity && !ev)) break;
    if (ev && et !== t) heap.push(ev);
    accountConcurrency(t);
    if (t === nextSecond) {
      perSecondSample(nextSecond);
      nextSecond++;
      if (ev && et === t) heap.push(ev);
      continue;
    }
    if (t === nextTick) {
      tick(nextTick);
      nextTick += cfg.epochSec;
      if (ev && et === t) heap.push(ev);
      continue;
    }
    if (ev && et === t) {
      if (ev.kind === 'ready') {
        if (ev.pod.state === 'starting') {
          setState(ev.pod, 'ready');
          drainQueue(ev.pod, t);
        }
      } else {
        const pod = ev.pod;
        pod.inflight--;
        inflight[ev.fn]--;
        const r = t - ev.arrival;
        const f = ev.fn;
        res[f].responses[res[f].served++] = r;
        if (r <= cfg.sloSec + 1e-9) res[f].withinSlo++;
        const sec = Math.floor(ev.arrival);
        if (sec < seconds) {
          respSum[f][sec] += r;
          respCnt[f][sec]++;
        }
        if (pod.state === 'terminating') {
          if (pod.inflight === 0) removePod(pod, t);
        } else {
          drainQueue(pod, t);
          // Another ready pod of this function may have room for the rest of the queue.
        }
      }
      continue;
    }
    idx[af]++;
    onArrival(af, at);
  }
  for (let f = 0; f < F; f++) {
    res[f].responses = res[f].responses.slice(0, res[f].served);
    for (let s = 0; s < seconds; s++) if (respCnt[f][s] > 0) res[f].perSecond.meanResponse[s] = respSum[f][s] / respCnt[f][s];
  }
  return res;
}
