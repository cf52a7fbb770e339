// The measurement suite: for every supported datapath build a lab, measure intra- and
// inter-host paths, then the scaling experiments on a subset; write docs/results/cni/*.json.
import { loadavg } from 'node:os';
import { printTable, progress, writeResult, type Summary } from '@fastpath/bench';
import { detectCapabilities, type CapabilityReport } from './caps.ts';
import { Lab } from './lab/lab.ts';
import type { Datapath, Unsupported } from './lab/datapath.ts';
import { availability } from './lab/styles/index.ts';
import { ciliumStats } from './lab/styles/cilium.ts';
import { cleanupStale, isEmpty } from './runid.ts';
import { backgroundPoint, type BackgroundPoint } from './measure/background.ts';
import { http, type AbResult } from './measure/http.ts';
import { iptablesPath, type IptablesPath } from './measure/iptrace.ts';
import { profile, type Attribution } from './measure/perf.ts';
import { rr, rrOnce, type RrResult } from './measure/rr.ts';
import { ifStats, startServers } from './measure/servers.ts';
import { setupLatency, type SetupResult } from './measure/setup.ts';
import { stream, streamOnce, type StreamResult } from './measure/stream.ts';

export interface SuiteOptions {
  quick: boolean;
  variants?: string[];
  mtu: number;
  policyRules: number;
  policyBatch: number;
  services: number;
  background: boolean;
  http: boolean;
  setup: boolean;
  perf: boolean;
  /** Also profile a stream run (CPU per KiB / per packet of bulk traffic); costs ~15 s per path. */
  perfStream?: boolean;
  log?: (line: string) => void;
}

export interface Plan {
  rr: { seconds: number; repeats: number };
  stream: { seconds: number; repeats: number };
  perfSeconds: number;
  setup: { single: number; parallel: number[] };
  background: { variants: string[]; flows: number[]; rateMbit: number; seconds: number; repeats: number };
  http: { variants: string[]; concurrency: number[]; minRequests: number; sizeMB: number };
}

export function plan(quick: boolean): Plan {
  return quick
    ? {
        rr: { seconds: 0.5, repeats: 2 },
        stream: { seconds: 1, repeats: 2 },
        perfSeconds: 1,
        setup: { single: 2, parallel: [3] },
        background: { variants: ['calico-np'], flows: [0, 50], rateMbit: 1, seconds: 0.5, repeats: 1 },
        http: { variants: ['calico-np'], concurrency: [1, 10], minRequests: 10, sizeMB: 5 },
      }
    : {
        // Sized for < 15 min on a 2-core machine shared with other builds (load average ~20
        // while this was tuned); an idle machine finishes much sooner.
        rr: { seconds: 0.6, repeats: 4 },
        stream: { seconds: 1, repeats: 3 },
        perfSeconds: 1.5,
        setup: { single: 3, parallel: [8] },
        background: { variants: ['calico-np', 'flannel-vxlan', 'cilium-vxlan'], flows: [0, 500, 1500], rateMbit: 1, seconds: 1, repeats: 2 },
        http: { variants: ['calico-np', 'flannel-vxlan', 'cilium-vxlan', 'kube-router'], concurrency: [1, 50, 200, 400], minRequests: 20, sizeMB: 5 },
      };
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
}

export interface PathResult {
  variant: string;
  style: string;
  path: 'intra' | 'inter' | 'service';
  intra: string;
  inter: string;
  policy: boolean;
  rr: RrResult;
  stream?: StreamResult;
  cpu?: CpuProfile[];
  iptables?: IptablesPath;
  ebpf?: Record<string, number>;
}

const per = (ns: Record<string, number>, d: number) => Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, d > 0 ? v / d : NaN]));

/** perf during a steady RR run and a steady stream run; normalised by the interface
 *  counters of the client pod inside the sampling window. */
async function cpuProfiles(client: ReturnType<Lab['pod']>, ip: string, seconds: number, withStream: boolean): Promise<CpuProfile[]> {
  const out: CpuProfile[] = [];
  const warm = 0.6;
  {
    const p = await profile(seconds, () => rrOnce(client, ip, warm + seconds + 1), () => ifStats(client), { warmMs: warm * 1000 });
    const packets = p.after.txPackets - p.before.txPackets;
    // One request per transaction; tcprr's own rate times the window is the transaction count.
    const txns = p.result.tps * p.windowS;
    out.push({ workload: 'rr', attribution: p.attribution, work: txns, packets, nsPerTransaction: per(p.attribution.ns, txns), nsPerPacket: per(p.attribution.ns, packets) });
  }
  if (withStream) {
    const p = await profile(seconds, () => streamOnce(client, ip, Math.ceil(warm + seconds + 1.5)), () => ifStats(client), { warmMs: (warm + 0.4) * 1000 });
    const packets = p.after.txPackets - p.before.txPackets;
    const bytes = p.after.txBytes - p.before.txBytes;
    out.push({ workload: 'stream', attribution: p.attribution, work: bytes, packets, nsPerKiB: per(p.attribution.ns, bytes / 1024), nsPerPacket: per(p.attribution.ns, packets) });
  }
  return out;
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
  failures: { variant: string; stage: string; error: string }[];
  files: string[];
  seconds: number;
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
  const res: SuiteResult = { caps, unsupported, measured: selected.map((d) => d.id), paths: [], setup: {}, background: {}, http: {}, policyLoad: {}, failures: [], files: [], seconds: 0 };
  const bgVariants = o.background ? selected.filter((d) => p.background.variants.includes(d.id)) : [];
  const httpVariants = o.http ? selected.filter((d) => p.http.variants.includes(d.id)) : [];
  const bar = progress('cni-bench lab', selected.length + bgVariants.length + httpVariants.length);
  // Results are written after every phase, so an interrupted run still leaves what it measured.
  const flush = () => {
    res.seconds = (performance.now() - t0) / 1000;
    res.files = [];
    const meta = { mode: o.quick ? 'quick' : 'default', plan: p, options: { mtu: o.mtu, policyRules: o.policyRules, policyBatch: o.policyBatch, services: o.services }, seconds: res.seconds, loadAfter: loadavg(), failures: res.failures };
    const w = (name: string, data: object) => res.files.push(writeResult('cni', name, data, { loadBefore }));
    w('suite', { ...meta, measured: res.measured, capabilities: caps, unsupported });
    w('paths', { paths: res.paths.map(({ cpu: _cpu, ...rest }) => rest) });
    w('cpu', { note: 'cpu-clock samples (CPU ns); see README "CPU attribution"', paths: res.paths.filter((r) => r.cpu).map((r) => ({ variant: r.variant, path: r.path, cpu: r.cpu })) });
    w('setup', { setup: res.setup, policyLoad: res.policyLoad });
    if (o.background) w('background', { plan: p.background, background: res.background });
    if (o.http) w('http', { plan: p.http, http: res.http });
  };

  const intraDone = new Set<string>();
  const labOpts = { mtu: o.mtu, policyRules: o.policyRules, policyBatch: o.policyBatch, services: o.services, podsPerHost: 2 };

  for (const d of selected) {
    bar.label(`${d.id}`);
    const lab = new Lab(d, labOpts);
    try {
      await lab.create();
      if (d.policy) {
        const pl = lab.hosts[0].state.policyLoad;
        res.policyLoad[d.id] = { rules: o.policyRules, batches: pl?.batches ?? 0, ms: pl?.ms ?? 0 };
      }
      const servers = await startServers([lab.pod(1, 1), lab.pod(2, 0)]);
      try {
        const client = lab.pod(1, 0);
        const paths: { path: PathResult['path']; ip: string; hosts: typeof lab.hosts[number][] }[] = [];
        if (!intraDone.has(d.intraKey)) paths.push({ path: 'intra', ip: lab.pod(1, 1).ip, hosts: [lab.hosts[0]] });
        paths.push({ path: 'inter', ip: lab.pod(2, 0).ip, hosts: [...lab.hosts] });
        // Service traffic through kube-proxy's DNAT; the Cilium-style path has no socket LB
        // (Cilium replaces kube-proxy with its own eBPF LB, not modelled here).
        if (d.style !== 'cilium') paths.push({ path: 'service', ip: lab.service('svc-intra').ip, hosts: [lab.hosts[0]] });
        for (const x of paths) {
          log(`${d.id} ${x.path}: ${x.path === 'service' ? 'RR' : o.perf ? 'RR, stream, perf' : 'RR, stream'}, iptables`);
          const r: PathResult = {
            variant: d.id,
            style: d.style,
            path: x.path,
            intra: d.intra,
            inter: d.inter,
            policy: d.policy,
            rr: await rr(client, x.ip, x.path === 'service' ? { ...p.rr, repeats: Math.min(2, p.rr.repeats) } : p.rr),
          };
          if (x.path !== 'service') {
            const e0 = d.style === 'cilium' ? await ciliumStats(lab, lab.hosts[0]) : null;
            r.stream = await stream(client, x.ip, p.stream);
            if (e0) {
              const e1 = await ciliumStats(lab, lab.hosts[0]);
              r.ebpf = { peer: e1.peer - e0.peer, tunnel: e1.tunnel - e0.tunnel, neigh: e1.neigh - e0.neigh, pass: e1.pass - e0.pass };
            }
            if (o.perf) r.cpu = await cpuProfiles(client, x.ip, p.perfSeconds, o.perfStream ?? false);
          }
          r.iptables = await iptablesPath(x.hosts, client, x.ip);
          res.paths.push(r);
        }
        if (!intraDone.has(d.intraKey)) intraDone.add(d.intraKey);
      } finally {
        await servers.stop();
      }
      if (o.setup) {
        log(`${d.id}: pod setup latency`);
        res.setup[d.id] = await setupLatency(lab, p.setup);
      }
    } catch (err) {
      res.failures.push({ variant: d.id, stage: 'measure', error: (err as Error).message });
      log(`${d.id} FAILED: ${(err as Error).message}`);
    } finally {
      await lab.destroy();
    }
    bar.tick();
  }

  flush();

  for (const d of bgVariants) {
    bar.label(`${d.id} background`);
    const lab = new Lab(d, labOpts);
    try {
      await lab.create();
      const servers = await startServers([lab.pod(2, 0)]);
      try {
        const pts: BackgroundPoint[] = [];
        for (const flows of p.background.flows) {
          log(`${d.id}: ${flows} background flows`);
          pts.push(await backgroundPoint({ client: lab.pod(1, 0), ip: lab.pod(2, 0).ip }, { client: lab.pod(1, 1), server: lab.pod(2, 1) }, flows, p.background));
        }
        res.background[d.id] = pts;
      } finally {
        await servers.stop();
      }
    } catch (err) {
      res.failures.push({ variant: d.id, stage: 'background', error: (err as Error).message });
      log(`${d.id} background FAILED: ${(err as Error).message}`);
    } finally {
      await lab.destroy();
    }
    bar.tick();
  }

  flush();

  for (const d of httpVariants) {
    bar.label(`${d.id} http`);
    const lab = new Lab(d, labOpts);
    try {
      await lab.create();
      log(`${d.id}: HTTP ${p.http.concurrency.join('/')} clients`);
      res.http[d.id] = await http(lab, lab.pod(1, 0), lab.pod(2, 0), p.http);
    } catch (err) {
      res.failures.push({ variant: d.id, stage: 'http', error: (err as Error).message });
      log(`${d.id} http FAILED: ${(err as Error).message}`);
    } finally {
      await lab.destroy();
    }
    bar.tick();
  }
  bar.stop();

  flush();
  return res;
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
  if (r.failures.length) printTable(r.failures.map((f) => ({ failed: f.variant, stage: f.stage, error: f.error.slice(0, 100) })));
  process.stdout.write(`${r.measured.length} datapaths measured in ${r.seconds.toFixed(0)} s; results: ${r.files.join(', ')}\n`);
}
