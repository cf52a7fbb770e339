// Live mode of the trace replay: the same arrivals as the discrete-event simulation, sent as real
// HTTP requests in real time to a SPRIGHT chain's gateway, with Mu's decisions applied in front of it:
//   - autoscaling: every epoch the Mu autoscaler (Holt prediction, SLO backlog term, grace, DRF cap to
//     48 pods) sets the requested pods per workload; a pod becomes ready `startupSec` later and then
//     gives `concurrency` request slots. SPRIGHT cannot change a function's instance count at run time,
//     so a "pod" here is admission capacity: at most ready pods × concurrency requests of a workload
//     are in flight at the gateway, the rest wait in Mu's queue;
//   - admission control: a request whose estimated response (queue position over the ready slots,
//     or the start-up of starting pods) exceeds the SLO is answered 503 by Mu and never sent.
// Response time = arrival to the gateway's answer, measured on this host.
import { summarize } from '@fastpath/bench';
import { estimateResponseSec } from '../autoscale/mu-autoscaler.ts';
import { muAutoscalerFor, type ReplayConfig } from '../replay/des.ts';
import type { SloSummary } from '../replay/replay.ts';

export interface LiveOptions {
  /** Sends one request of workload f; resolves with the HTTP status. */
  send: (f: number) => Promise<number>;
  arrivals: Float64Array[];
  names: string[];
  cfg: ReplayConfig;
  seconds: number;
  /** Longest wait for queued and in-flight requests after the last arrival (s). */
  drainSec?: number;
  onSecond?: (second: number) => void;
}

/** served = 2xx answers from the gateway; rejected503 = Mu's admission control (never sent). */
export interface LiveWorkload extends SloSummary {
  /** Non-2xx answers or transport errors from the gateway. */
  gatewayErrors: number;
  /** Still queued or in flight when the drain time ran out. */
  unfinished: number;
  perSecond: { requested: number[]; active: number[]; meanResponseMs: number[]; rejected: number[] };
}

export interface LiveResult {
  workloads: LiveWorkload[];
  withinSloPct: number;
  wallSec: number;
}

interface State {
  ready: number;
  starting: number[];
  inflight: number;
  queue: number[];
  qHead: number;
  next: number;
  arrivedInEpoch: number;
  responses: number[];
  served: number;
  rejected: number;
  errors: number;
  within: number;
  respSum: Float64Array;
  respCnt: Float64Array;
  rejectedPerSec: number[];
  requested: number[];
  active: number[];
}

export async function runLiveReplay(o: LiveOptions): Promise<LiveResult> {
  const { cfg, arrivals } = o;
  const F = arrivals.length;
  const seconds = Math.ceil(o.seconds);
  const drainSec = o.drainSec ?? 60;
  const mu = muAutoscalerFor(o.names, cfg);
  const st: State[] = arrivals.map(() => ({
    ready: 0,
    starting: [],
    inflight: 0,
    queue: [],
    qHead: 0,
    next: 0,
    arrivedInEpoch: 0,
    responses: [],
    served: 0,
    rejected: 0,
    errors: 0,
    within: 0,
    respSum: new Float64Array(seconds + drainSec + 1),
    respCnt: new Float64Array(seconds + drainSec + 1),
    rejectedPerSec: new Array(seconds).fill(0),
    requested: new Array(seconds).fill(0),
    active: new Array(seconds).fill(0),
  }));
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  const slots = (s: State) => s.ready * cfg.concurrency;

  const dispatch = (f: number) => {
    const s = st[f];
    while (s.qHead < s.queue.length && s.inflight < slots(s)) {
      const arrival = s.queue[s.qHead++];
      s.inflight++;
      const finish = (ok: boolean) => {
        s.inflight--;
        const t = now();
        const rt = t - arrival;
        if (ok) {
          s.served++;
          s.responses.push(rt);
          if (rt <= cfg.sloSec) s.within++;
          const sec = Math.min(s.respSum.length - 1, Math.floor(arrival));
          s.respSum[sec] += rt;
          s.respCnt[sec]++;
        } else s.errors++;
        dispatch(f);
      };
      o.send(f).then(
        (status) => finish(status >= 200 && status < 300),
        () => finish(false),
      );
    }
    if (s.qHead > 4096 && s.qHead * 2 > s.queue.length) {
      s.queue = s.queue.slice(s.qHead);
      s.qHead = 0;
    }
  };

  const arrive = (f: number, t: number) => {
    const s = st[f];
    s.arrivedInEpoch++;
    const queued = s.queue.length - s.qHead;
    const est = estimateResponseSec({
      queued,
      freeSlots: Math.max(0, slots(s) - s.inflight),
      readySlots: slots(s),
      startingIn: s.starting.map((r) => r - t),
      concurrency: cfg.concurrency,
      execSec: cfg.execSec,
    });
    if (est > cfg.sloSec) {
      s.rejected++;
      s.rejectedPerSec[Math.min(seconds - 1, Math.floor(t))]++;
      return;
    }
    s.queue.push(t);
    dispatch(f);
  };

  const epoch = (t: number) => {
    const d = mu.decide(
      t,
      st.map((s) => s.arrivedInEpoch / cfg.epochSec),
      st.map((s) => s.queue.length - s.qHead),
    );
    st.forEach((s, f) => {
      s.arrivedInEpoch = 0;
      const want = d.requested[f];
      let have = s.ready + s.starting.length;
      while (have < want) {
        s.starting.push(t + cfg.startupSec);
        have++;
      }
      // Scale down: starting pods first, then ready ones (their in-flight requests finish).
      while (have > want && s.starting.length) {
        s.starting.pop();
        have--;
      }
      while (have > want && s.ready > 0) {
        s.ready--;
        have--;
      }
    });
  };

  let nextEpoch = 0;
  let lastSecond = -1;
  const endOfArrivals = Math.min(seconds, ...arrivals.map((a) => (a.length ? a[a.length - 1] + 1e-9 : 0)));
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const t = now();
      while (t >= nextEpoch && nextEpoch < seconds) {
        epoch(nextEpoch);
        nextEpoch += cfg.epochSec;
      }
      for (let f = 0; f < F; f++) {
        const s = st[f];
        let promoted = false;
        for (let i = s.starting.length - 1; i >= 0; i--) {
          if (s.starting[i] <= t) {
            s.starting.splice(i, 1);
            s.ready++;
            promoted = true;
          }
        }
        const a = arrivals[f];
        while (s.next < a.length && a[s.next] <= t && a[s.next] < seconds) arrive(f, a[s.next++]);
        if (promoted) dispatch(f);
      }
      const sec = Math.floor(t);
      if (sec !== lastSecond && sec < seconds) {
        for (const s of st) {
          s.requested[sec] = s.ready + s.starting.length;
          s.active[sec] = s.ready;
        }
        lastSecond = sec;
        o.onSecond?.(sec);
      }
      const busy = st.some((s) => s.inflight > 0 || s.qHead < s.queue.length);
      if ((t >= Math.max(endOfArrivals, 0) && t >= seconds - 1e-9 && !busy) || t > seconds + drainSec) {
        clearInterval(timer);
        done();
      }
    }, 5);
  });
  const wallSec = now();

  const workloads = st.map((s, f): LiveWorkload => {
    const sum = s.responses.length ? summarize(s.responses) : undefined;
    const total = arrivals[f].filter((x) => x < seconds).length;
    const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    return {
      name: o.names[f],
      total,
      served: s.served,
      rejected503: s.rejected,
      gatewayErrors: s.errors,
      unfinished: total - s.served - s.rejected - s.errors,
      withinSlo: s.within,
      withinSloPct: (100 * s.within) / Math.max(1, total),
      meanMs: sum ? sum.mean * 1000 : NaN,
      p50Ms: sum ? sum.p50 * 1000 : NaN,
      p99Ms: sum ? sum.p99 * 1000 : NaN,
      requestedPods: { max: Math.max(...s.requested), avg: avg(s.requested) },
      activePods: { max: Math.max(...s.active), avg: avg(s.active) },
      perSecond: {
        requested: s.requested,
        active: s.active,
        meanResponseMs: Array.from({ length: seconds }, (_, i) => (s.respCnt[i] ? Math.round((1000 * s.respSum[i]) / s.respCnt[i]) : -1)),
        rejected: s.rejectedPerSec,
      },
    };
  });
  const total = workloads.reduce((a, w) => a + w.total, 0);
  return { workloads, withinSloPct: (100 * workloads.reduce((a, w) => a + w.withinSlo, 0)) / Math.max(1, total), wallSec };
}
