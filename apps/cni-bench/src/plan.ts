// What a suite run measures (repeats, durations, sweep points) and how long that should take.
// The default plan is budgeted for ~10 min on a quiet 2-core machine (goal: < 15 min); the
// estimate is printed before the run and compared with the measured phase times after it.

export type Phase = 'lab' | 'paths' | 'http' | 'background' | 'policy' | 'setup' | 'teardown';
export const PHASES: Phase[] = ['lab', 'paths', 'http', 'background', 'policy', 'setup', 'teardown'];

export interface Plan {
  rr: { seconds: number; repeats: number };
  /** Service (ClusterIP) paths: RR only, to show kube-proxy's DNAT cost. */
  serviceRr: { seconds: number; repeats: number };
  stream: { seconds: number; repeats: number };
  /** One perf run per path, split into `windows` sub-windows (one CPU estimate each). */
  perf: { seconds: number; windows: number };
  setup: { single: number; parallel: number[] };
  background: { variants: string[]; flows: number[]; rateMbit: number; seconds: number; repeats: number };
  /** `variants: 'all'` runs HTTP on every measured datapath (Table 3.2 has every CNI). */
  http: { variants: string[] | 'all'; concurrency: number[]; minRequests: number; sizeMB: number };
  /** Calico-style policy chain sizes, re-loaded into the calico-wp lab one after another. */
  policy: { variants: string[]; rules: number[]; rr: { seconds: number; repeats: number } };
}

export function plan(quick: boolean): Plan {
  return quick
    ? {
        rr: { seconds: 0.5, repeats: 3 },
        serviceRr: { seconds: 0.5, repeats: 2 },
        stream: { seconds: 1, repeats: 2 },
        perf: { seconds: 1, windows: 2 },
        setup: { single: 2, parallel: [3] },
        background: { variants: ['calico-np'], flows: [0, 50], rateMbit: 1, seconds: 1, repeats: 2 },
        http: { variants: ['calico-np'], concurrency: [1, 10], minRequests: 10, sizeMB: 5 },
        policy: { variants: ['calico-wp'], rules: [1000], rr: { seconds: 0.5, repeats: 2 } },
      }
    : {
        // 5 repeats keep the Student-t CI usable (t = 2.78 at 4 df; 2 repeats give 12.7).
        // 1 s RR runs hold ~30k transactions each: per-repeat p50/p99 are stable, the
        // run-to-run spread is what the CI shows. iperf3 needs whole seconds.
        rr: { seconds: 1, repeats: 5 },
        serviceRr: { seconds: 1, repeats: 3 },
        stream: { seconds: 1, repeats: 5 },
        perf: { seconds: 3, windows: 6 },
        setup: { single: 5, parallel: [10] },
        // Fig. 3.13's shape: none, the dissertation's knee (~400), its maximum (1500); native
        // routing, a VXLAN overlay and the eBPF datapath.
        background: { variants: ['calico-np', 'flannel-vxlan', 'cilium-vxlan'], flows: [0, 400, 1500], rateMbit: 1, seconds: 1, repeats: 3 },
        // Table 3.2 has every CNI at 1 and 400 clients; 100 shows the curve's knee.
        http: { variants: 'all', concurrency: [1, 100, 400], minRequests: 20, sizeMB: 5 },
        policy: { variants: ['calico-wp'], rules: [1000, 5000], rr: { seconds: 1, repeats: 3 } },
      };
}

/** Seconds each unit of work takes on a quiet 2-core machine; checked against phases run alone
 *  at load average ~1 (docs/reproduction/cni.md): the estimate is on the safe side. */
export const COST = {
  lab: 3.5,
  teardown: 0.8,
  servers: 0.4,
  rrRun: 0.35,
  streamRun: 0.7,
  perfRun: 2.5,
  iptables: 0.8,
  podSetup: 0.35,
  bgConnect: 1.5,
  /** 1500 flows connected in 3.2 s on the quiet machine (98 s at load average 33). */
  bgPerFlow: 0.002,
  httpStart: 0.8,
  httpPerLevel: 0.5,
  httpGbps: 2.5,
  policyPer1k: 0.4,
} as const;

export interface VariantShape {
  id: string;
  /** Measures its intra-host path (the first variant of each intra-host datapath does). */
  intra: boolean;
  /** Has a kube-proxy Service path (every style but the Cilium one). */
  service: boolean;
}

const rrS = (r: { seconds: number; repeats: number }) => r.repeats * (r.seconds + COST.rrRun);

/** Estimated seconds per phase for running `p` over `variants` with the phases enabled. */
export function estimate(p: Plan, variants: VariantShape[], on: Record<Phase, boolean>): Record<Phase, number> {
  const e: Record<Phase, number> = { lab: 0, paths: 0, http: 0, background: 0, policy: 0, setup: 0, teardown: 0 };
  const perPath = rrS(p.rr) + p.stream.repeats * (p.stream.seconds + COST.streamRun) + (on.paths ? p.perf.seconds + COST.perfRun : 0) + COST.iptables;
  const httpIds = p.http.variants === 'all' ? variants.map((v) => v.id) : p.http.variants;
  for (const v of variants) {
    e.lab += COST.lab + COST.servers;
    e.teardown += COST.teardown;
    if (on.paths) e.paths += (v.intra ? 2 : 1) * perPath + (v.service ? rrS(p.serviceRr) + COST.iptables : 0);
    if (on.http && httpIds.includes(v.id)) {
      const bytesGb = p.http.concurrency.reduce((a, c) => a + Math.max(c, p.http.minRequests) * p.http.sizeMB * 8e-3, 0);
      e.http += COST.httpStart + p.http.concurrency.length * COST.httpPerLevel + bytesGb / COST.httpGbps;
    }
    if (on.background && p.background.variants.includes(v.id)) {
      for (const f of p.background.flows) {
        e.background += (f ? COST.bgConnect + f * COST.bgPerFlow : 0) + rrS(p.background) + p.background.repeats * (p.background.seconds + COST.streamRun);
      }
    }
    if (on.policy && p.policy.variants.includes(v.id)) e.policy += p.policy.rules.reduce((a, n) => a + (n / 1000) * COST.policyPer1k + rrS(p.policy.rr) + COST.iptables, 0);
    if (on.setup) e.setup += (p.setup.single + p.setup.parallel.reduce((a, b) => a + b, 0)) * COST.podSetup;
  }
  return e;
}
