// The measurement suite: for every supported datapath build ONE lab and run every
// measurement on it (paths, HTTP, background flows, policy sizes, pod setup), timing each
// phase; write docs/results/cni/*.json after every datapath so an interrupted run keeps
// what it measured.
import { loadavg } from 'node:os';
import { printTable, progress, summarize, writeResult, type Summary } from '@fastpath/bench';
import { detectCapabilities, type CapabilityReport } from './caps.ts';
import { Lab } from './lab/lab.ts';
import type { Datapath, Unsupported } from './lab/datapath.ts';
import { availability } from './lab/styles/index.ts';
import { ciliumStats } from './lab/styles/cilium.ts';
import { cleanupStale, isEmpty } from './runid.ts';
import { backgroundPoint, type BackgroundPoint } from './measure/background.ts';
import { http, type AbResult } from './measure/http.ts';
import { iptablesPath, type IptablesPath } from './measure/iptrace.ts';
import { FORWARDING, profile, type Attribution } from './measure/perf.ts';
import { policySweep, type PolicyPoint } from './measure/policy.ts';
import { rr, rrOnce, type RrResult } from './measure/rr.ts';
import { ifStats, startServers } from './measure/servers.ts';
import { setupLatency, type SetupResult } from './measure/setup.ts';
import { stream, streamOnce, type StreamResult } from './measure/stream.ts';
import { estimate, PHASES, plan, type Phase, type Plan } from './plan.ts';
import type { PathRow } from './report/findings.ts';

export { plan, type Plan };

export interface SuiteOptions {
  quick: boolean;
  variants?: string[];
  mtu: number;
  policyRules: number;
  policyBatch: number;
  services: number;
  /** Path measurements (RR, stream, perf, iptables); off only to time other phases alone. */
  paths?: boolean;
  background: boolean;
  http: boolean;
  setup: boolean;
  perf: boolean;
  policy?: boolean;
  /** Also profile a stream run (CPU per KiB / per packet of bulk traffic). */
  perfStream?: boolean;
  log?: (line: string) => void;
}

export interface CpuProfile {
  workload: 'rr' | 'stream';
  attribution: Attribution;
  /** Transactions (rr) or bytes (stream) completed while profiling. */
  work: number;
  /** Packets the client pod sent while profiling (skbs as counted by its interface). */
  packets: number;
  nsPerTransaction?: Record<string, number>;
  nsPerKiB?: Record<string, number>;
  nsPerPacket: Record<string, number>;
  /** CPU ns per packet by family over the perf sub-windows (mean, 95% CI), plus
   *  'forwarding' = the datapath families together (bridge, netfilter, eBPF, veth, VXLAN, IP/FIB, netdev). */
  perPacket?: Record<string, Summary>;
  /** eBPF program + its helpers (FIB lookup, redirect) per packet, by leaf family. */
  underEbpfPerPacket?: Record<string, number>;
}

/** One measured path; the report reads the same fields back as a PathRow. */
export interface PathResult extends PathRow {
  rr: RrResult;
  stream?: StreamResult;
  cpu?: CpuProfile[];
  iptables?: IptablesPath;
  ebpf?: Record<string, number>;
}

const per = (ns: Record<string, number>, d: number) => Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, d > 0 ? v / d : NaN]));
const forwarding = (ns: Record<string, number>) => FORWARDING.reduce((a, f) => a + (ns[f] ?? 0), 0);

/** Windows with fewer client packets than this say nothing (the client was starved). */
const MIN_WINDOW_PACKETS = 200;
/** ... or fewer of our samples than this (a workload that ended early, a starved window). */
const MIN_WINDOW_SAMPLES = 20;

/** perf during a steady RR run (and optionally a stream run); normalised by the interface
 *  counters of the client pod at the edges of each sub-window. */
async function cpuProfiles(client: ReturnType<Lab['pod']>, ip: string, p: Plan['perf'], withStream: boolean): Promise<CpuProfile[]> {
  const out: CpuProfile[] = [];
  const warm = 0.6;
  {
    const r = await profile(p.seconds, () => rrOnce(client, ip, warm + p.seconds + 2.5), () => ifStats(client), { warmMs: warm * 1000, windows: p.windows });
    const packets = r.after.txPackets - r.before.txPackets;
    // Transactions from the client's own rate over the window; packets from its interface.
    const txns = r.result.tps * r.windowS;
    const wins = r.windows
      .map((w) => ({ ns: w.attribution.ns, samples: w.attribution.samples, packets: w.after.txPackets - w.before.txPackets }))
      .filter((w) => w.packets >= MIN_WINDOW_PACKETS && w.samples >= MIN_WINDOW_SAMPLES);
    const perPacket: Record<string, Summary> = {};
    if (wins.length >= 2) {
      for (const f of [...Object.keys(r.attribution.ns), 'forwarding']) {
        perPacket[f] = summarize(wins.map((w) => (f === 'forwarding' ? forwarding(w.ns) : (w.ns[f] ?? 0)) / w.packets));
      }
    }
    out.push({
      workload: 'rr',
      attribution: r.attribution,
      work: txns,
      packets,
      nsPerTransaction: per(r.attribution.ns, txns),
      nsPerPacket: per(r.attribution.ns, packets),
      perPacket,
      underEbpfPerPacket: per(r.attribution.underEbpf, packets),
    });
  }
  if (withStream) {
    const r = await profile(p.seconds, () => streamOnce(client, ip, Math.ceil(warm + p.seconds + 2.5)), () => ifStats(client), { warmMs: (warm + 0.4) * 1000 });
    const packets = r.after.txPackets - r.before.txPackets;
    const bytes = r.after.txBytes - r.before.txBytes;
    out.push({ workload: 'stream', attribution: r.attribution, work: bytes, packets, nsPerKiB: per(r.attribution.ns, bytes / 1024), nsPerPacket: per(r.attribution.ns, packets) });
  }
  return out;
}

export interface PhaseTime {
  variant: string;
  phase: Phase;
  seconds: number;
}

export interface SuiteResult {
  caps: CapabilityReport;
  unsupported: Unsupported[];
  measured: string[];
  paths: PathResult[];
  setup: Record<string, SetupResult>;
  background: Record<string, BackgroundPoint[]>;
  http: Record<string, AbResult[]>;
  policyLoad: Record<string, { rules: number; batches: number; ms: number }>;
  policySweep: Record<string, PolicyPoint[]>;
  failures: { variant: string; stage: string; error: string }[];
  phases: PhaseTime[];
  estimate: Record<Phase, number>;
  files: string[];
  seconds: number;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Seconds per phase summed over variants. */
export function phaseTotals(ts: PhaseTime[]): Record<Phase, number> {
  return Object.fromEntries(PHASES.map((ph) => [ph, sum(ts.filter((t) => t.phase === ph).map((t) => t.seconds))])) as Record<Phase, number>;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const t0 = performance.now();
  const loadBefore = loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
  const stale = await cleanupStale();
  if (!isEmpty(stale)) log(`removed leftovers of an interrupted run: ${[...stale.netns, ...stale.pins, ...stale.scratch].join(', ')}`);
  const caps = await detectCapabilities();
  const { supported, unsupported } = availability(caps);
  for (const u of unsupported) log(`skipped ${u.id}: ${u.reason}`);
  let selected: Datapath[] = supported;
  if (o.variants?.length) {
    const known = new Set([...supported.map((d) => d.id), ...unsupported.map((u) => u.id)]);
    const bad = o.variants.filter((v) => !known.has(v));
    if (bad.length) throw new Error(`unknown datapath(s) ${bad.join(', ')}; known: ${[...known].join(', ')}`);
    selected = supported.filter((d) => o.variants!.includes(d.id));
    if (!selected.length) throw new Error(`none of ${o.variants.join(', ')} can run on this kernel (see "cni-bench caps")`);
  }
  const p = plan(o.quick);
  const on: Record<Phase, boolean> = { lab: true, teardown: true, paths: o.paths ?? true, http: o.http, background: o.background, policy: o.policy ?? true, setup: o.setup };
  if (!o.perf) p.perf.seconds = 0;
  const seenIntra = new Set<string>();
  const shapes = selected.map((d) => {
    const intra = !seenIntra.has(d.intraKey);
    seenIntra.add(d.intraKey);
    return { id: d.id, intra, service: d.style !== 'cilium' };
  });
  const eta = estimate(p, shapes, on);
  const etaTotal = sum(Object.values(eta));
  log(`plan (${o.quick ? 'quick' : 'default'}): ${selected.length} datapaths [${selected.map((d) => d.id).join(', ')}]`);
  log(`  paths: RR ${p.rr.repeats}×${p.rr.seconds}s, stream ${p.stream.repeats}×${p.stream.seconds}s, perf ${o.perf ? `${p.perf.seconds}s in ${p.perf.windows} windows` : 'off'}, service RR ${p.serviceRr.repeats}×${p.serviceRr.seconds}s`);
  if (on.http) log(`  http: ${p.http.variants === 'all' ? 'every datapath' : p.http.variants.join(', ')} at ${p.http.concurrency.join('/')} clients, ${p.http.sizeMB} MB responses`);
  if (on.background) log(`  background: ${p.background.variants.join(', ')} at ${p.background.flows.join('/')} flows of ${p.background.rateMbit} Mbit/s`);
  if (on.policy) log(`  policy: ${p.policy.variants.join(', ')} at ${p.policy.rules.join('/')} rules`);
  if (on.setup) log(`  setup: ${p.setup.single} pods one by one, ${p.setup.parallel.join('/')} at once`);
  log(`  estimate on a quiet 2-core machine: ${etaTotal.toFixed(0)} s (${PHASES.filter((ph) => eta[ph] > 0).map((ph) => `${ph} ${eta[ph].toFixed(0)}`).join(', ')})`);

  const res: SuiteResult = {
    caps, unsupported, measured: selected.map((d) => d.id), paths: [], setup: {}, background: {}, http: {}, policyLoad: {}, policySweep: {}, failures: [], phases: [], estimate: eta, files: [], seconds: 0,
  };
  const httpIds = p.http.variants === 'all' ? selected.map((d) => d.id) : p.http.variants;
  // The bar counts estimated seconds, so its ETA is the plan's, corrected by actual progress.
  const bar = progress('cni-bench lab', Math.max(1, Math.round(etaTotal)));
  const flush = () => {
    res.seconds = (performance.now() - t0) / 1000;
    res.files = [];
    const meta = {
      mode: o.quick ? 'quick' : 'default', plan: p, options: { mtu: o.mtu, policyRules: o.policyRules, policyBatch: o.policyBatch, services: o.services, phases: on },
      seconds: res.seconds, estimate: { seconds: etaTotal, phases: eta }, phaseSeconds: phaseTotals(res.phases), phases: res.phases, loadAfter: loadavg(), failures: res.failures,
    };
    const w = (name: string, data: object) => res.files.push(writeResult('cni', name, data, { loadBefore }));
    w('suite', { ...meta, measured: res.measured, capabilities: caps, unsupported });
    w('paths', { paths: res.paths.map(({ cpu: _cpu, ...rest }) => rest) });
    w('cpu', { note: 'cpu-clock samples (CPU ns); see README "CPU attribution"', paths: res.paths.filter((r) => r.cpu).map((r) => ({ variant: r.variant, path: r.path, cpu: r.cpu })) });
    w('setup', { setup: res.setup, policyLoad: res.policyLoad, policySweep: res.policySweep, policyPlan: p.policy });
    if (on.background) w('background', { plan: p.background, background: res.background });
    if (on.http) w('http', { plan: { ...p.http, variants: httpIds }, http: res.http });
  };

  const labOpts = { mtu: o.mtu, policyRules: o.policyRules, policyBatch: o.policyBatch, services: o.services, podsPerHost: 2 };

  for (const [i, d] of selected.entries()) {
    const shape = shapes[i];
    const myEta = estimate(p, [shape], on);
    const lab = new Lab(d, labOpts);
    // Each phase is timed and fails on its own: one broken measurement never hides the others.
    const phase = async (name: Phase, fn: () => Promise<void>) => {
      if (!on[name]) return;
      bar.label(`${d.id} ${name}`);
      const ts = performance.now();
      try {
        await fn();
      } catch (err) {
        res.failures.push({ variant: d.id, stage: name, error: (err as Error).message });
        log(`${d.id} ${name} FAILED: ${(err as Error).message}`);
      } finally {
        const seconds = (performance.now() - ts) / 1000;
        res.phases.push({ variant: d.id, phase: name, seconds });
        bar.tick(Math.round(myEta[name]));
      }
    };
    let built = false;
    await phase('lab', async () => {
      await lab.create();
      built = true;
      if (d.policy) {
        const pl = lab.hosts[0].state.policyLoad;
        res.policyLoad[d.id] = { rules: o.policyRules, batches: pl?.batches ?? 0, ms: pl?.ms ?? 0 };
      }
    });
    if (built) {
      const servers = await startServers([lab.pod(1, 1), lab.pod(2, 0)]).catch((err) => {
        res.failures.push({ variant: d.id, stage: 'servers', error: (err as Error).message });
        return null;
      });
      if (servers) {
        await phase('paths', () => measurePaths(lab, d, shape.intra, p, o, res, log));
        await phase('http', async () => {
          if (!httpIds.includes(d.id)) return;
          log(`${d.id}: HTTP ${p.http.concurrency.join('/')} clients`);
          res.http[d.id] = await http(lab, lab.pod(1, 0), lab.pod(2, 0), p.http);
        });
        await phase('background', async () => {
          if (!p.background.variants.includes(d.id)) return;
          const pts: BackgroundPoint[] = [];
          for (const flows of p.background.flows) {
            log(`${d.id}: ${flows} background flows`);
            pts.push(await backgroundPoint({ client: lab.pod(1, 0), ip: lab.pod(2, 0).ip }, { client: lab.pod(1, 1), server: lab.pod(2, 1) }, flows, p.background));
            res.background[d.id] = pts;
          }
        });
        await phase('policy', async () => {
          if (!p.policy.variants.includes(d.id) || !d.policy) return;
          log(`${d.id}: policy chains of ${p.policy.rules.join('/')} rules`);
          res.policySweep[d.id] = await policySweep(lab, lab.pod(1, 0), lab.pod(1, 1), p.policy);
        });
        await servers.stop();
      }
      // Last: it adds pods to host 1.
      await phase('setup', async () => {
        log(`${d.id}: pod setup latency`);
        res.setup[d.id] = await setupLatency(lab, p.setup);
      });
    }
    await phase('teardown', () => lab.destroy());
    flush();
  }
  bar.stop();
  flush();
  return res;
}

/** RR, stream, perf and iptables traversal of the intra (if this variant owns it), inter and service paths. */
async function measurePaths(lab: Lab, d: Datapath, withIntra: boolean, p: Plan, o: SuiteOptions, res: SuiteResult, log: (l: string) => void): Promise<void> {
  const client = lab.pod(1, 0);
  const paths: { path: PathResult['path']; ip: string; hosts: (typeof lab.hosts)[number][] }[] = [];
  if (withIntra) paths.push({ path: 'intra', ip: lab.pod(1, 1).ip, hosts: [lab.hosts[0]] });
  paths.push({ path: 'inter', ip: lab.pod(2, 0).ip, hosts: [...lab.hosts] });
  // Service traffic through kube-proxy's DNAT; the Cilium-style path has no socket LB
  // (Cilium replaces kube-proxy with its own eBPF LB, not modelled here).
  if (d.style !== 'cilium') paths.push({ path: 'service', ip: lab.service('svc-intra').ip, hosts: [lab.hosts[0]] });
  for (const x of paths) {
    const svc = x.path === 'service';
    log(`${d.id} ${x.path}: ${svc ? 'RR' : o.perf ? 'RR, stream, perf' : 'RR, stream'}, iptables`);
    const r: PathResult = { variant: d.id, style: d.style, path: x.path, intra: d.intra, inter: d.inter, policy: d.policy, rr: await rr(client, x.ip, svc ? p.serviceRr : p.rr) };
    if (!svc) {
      const e0 = d.style === 'cilium' ? await ciliumStats(lab, lab.hosts[0]) : null;
      r.stream = await stream(client, x.ip, p.stream);
      if (e0) {
        const e1 = await ciliumStats(lab, lab.hosts[0]);
        r.ebpf = { peer: e1.peer - e0.peer, tunnel: e1.tunnel - e0.tunnel, neigh: e1.neigh - e0.neigh, pass: e1.pass - e0.pass };
      }
      if (o.perf && p.perf.seconds > 0) r.cpu = await cpuProfiles(client, x.ip, p.perf, o.perfStream ?? false);
    }
    r.iptables = await iptablesPath(x.hosts, client, x.ip);
    res.paths.push(r);
  }
}

const fmt = (s: Summary | undefined, d = 1) => (s ? `${s.p50.toFixed(d)} ±${((s.ci95[1] - s.ci95[0]) / 2).toFixed(d)}` : '');

/** One-screen summary of a suite run. */
export function printSummary(r: SuiteResult): void {
  printTable(
    r.paths.map((x) => {
      const cpu = x.cpu?.find((c) => c.workload === 'rr');
      const total = cpu ? Object.values(cpu.nsPerTransaction ?? {}).reduce((a, b) => a + b, 0) : NaN;
      return {
        datapath: x.variant,
        path: x.path,
        'rr p50 µs': fmt(x.rr.p50),
        'rr p99 µs': fmt(x.rr.p99),
        'stream Gb/s': fmt(x.stream?.gbps, 2),
        'cpu µs/txn': Number.isFinite(total) ? Number((total / 1000).toFixed(1)) : null,
        'ipt chains/rules': x.iptables ? `${x.iptables.chains}/${x.iptables.rulesEvaluated}` : '',
      };
    }),
    'cni-bench: medians over repeats ± 95% CI half-width of the mean',
  );
  if (r.unsupported.length) printTable(r.unsupported.map((u) => ({ skipped: u.id, missing: u.missing.join(', ') })));
  const took = phaseTotals(r.phases);
  printTable(
    PHASES.filter((ph) => took[ph] > 0 || r.estimate[ph] > 0).map((ph) => ({ phase: ph, 'estimate s': Math.round(r.estimate[ph]), 'measured s': Math.round(took[ph]) })),
    'time per phase (estimate for a quiet 2-core machine vs this run)',
  );
  if (r.failures.length) printTable(r.failures.map((f) => ({ failed: f.variant, stage: f.stage, error: f.error.slice(0, 100) })));
  process.stdout.write(`${r.measured.length} datapaths measured in ${r.seconds.toFixed(0)} s; results: ${r.files.join(', ')}\n`);
}
