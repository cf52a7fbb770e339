// upf:bench — runs the classifier benchmark (pdrcls:bench), then the data-path benchmark, then
// prints one comparison table over docs/results/upf/*.json.
//
// Data path: GTP-U uplink and downlink through veths between network namespaces, 68-byte inner
// packets, 1 / 1K / 100K sessions, generator = native/upf-dp/bench/gen.c. "Mpps per core" is
// packets forwarded divided by the CPU time of the data-path thread. Same-run baseline: a
// recvmmsg-only UDP sink fed by the same generator (the kernel I/O ceiling on this machine).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo, printTable, ratio, resultsDir, summarize, writeResult } from '@fastpath/bench';
import { nativeDir, workspaceRoot } from '@fastpath/native';
import { anyRule, Dim, Kind, type PdrRule } from '@fastpath/pdrcls';
import { barChart, writeSvg } from '@fastpath/plot';
import { encodeGtpu, GtpuType, udpPacket } from '@fastpath/gtpu';
import { intToIpv4, ipv4ToInt } from '@fastpath/pfcp';
import { Action, cookie, Datapath, Iface, type DpStats } from '../src/datapath.ts';
import { benchTopology, type BenchTopology } from './netns.ts';

const SESSIONS = [1, 1000, 100_000];
const SECONDS = Number(process.env.UPF_BENCH_SECONDS ?? 2);
const REPS = Number(process.env.UPF_BENCH_REPS ?? 3);
const UE_BASE = ipv4ToInt('10.64.0.1');
const UE_POOL = '10.64.0.0/14';
const TEID_UL = 0x10000;
const TEID_DL = 0x400000;
const GEN = join(nativeDir(), 'upf-dp-gen');
const DN_DROP = join(workspaceRoot, 'dist/bpf/upf_dn_drop.bpf.o');

function runPdrclsBench(): void {
  if (process.env.UPF_BENCH_SKIP_PDRCLS) {
    console.log('UPF_BENCH_SKIP_PDRCLS set: skipping pdrcls:bench');
    return;
  }
  const pj = join(workspaceRoot, 'libs/pdrcls/project.json');
  if (!existsSync(pj) || !JSON.parse(readFileSync(pj, 'utf8')).targets?.bench) {
    console.log('pdrcls:bench not there yet: skipping the classifier benchmark');
    return;
  }
  console.log('== pnpm nx run pdrcls:bench');
  const r = spawnSync('pnpm', ['nx', 'run', 'pdrcls:bench'], { cwd: workspaceRoot, stdio: 'inherit', timeout: 200_000 });
  if (r.status !== 0) console.log(`pdrcls:bench did not finish cleanly (status ${r.status}${r.error ? `, ${r.error.message}` : ''}); continuing with the data path`);
}

function gen(ns: string, args: string[]): { sent: number; secs: number; cpuNs: number } {
  const out = execFileSync('ip', ['netns', 'exec', ns, GEN, ...args], { encoding: 'utf8', timeout: (SECONDS + 20) * 1000 });
  const m = /sent (\d+) ([\d.]+) errors \d+ cpu_ns (\d+)/.exec(out);
  if (!m) throw new Error(`generator said: ${out}`);
  return { sent: Number(m[1]), secs: Number(m[2]), cpuNs: Number(m[3]) };
}

/**
 * CPU of every ksoftirqd thread, in ns. This kernel has no IRQ time accounting, so softirq work
 * (veth receive, XDP, AF_XDP copy) is charged to the task it interrupted — the generator for the
 * N3 receive side, the UPF thread for N6 delivery — or, when deferred, to ksoftirqd.
 */
function ksoftirqdNs(): number {
  const tick = 1e9 / 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(ksoftirqd/')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * tick; // utime, stime
    } catch {
      /* exited */
    }
  }
  return total;
}

/** Baseline: generator -> veth -> a recvmmsg-only sink on the UPF's N3 address. */
async function baseline(t: BenchTopology) {
  const runs = [];
  for (let r = 0; r < REPS; r++) {
    const done = await startSinkRaw(t.upf, '192.168.3.1', 2152);
    const k0 = ksoftirqdNs();
    const g = gen(t.gnb, ['gtpu', '192.168.3.1', '2152', '1', String(TEID_UL), intToIpv4(UE_BASE), '192.168.6.2', String(SECONDS)]);
    const m = /recv (\d+) ([\d.]+) cpu_ns (\d+)/.exec(await done());
    if (!m) throw new Error('sink printed no result');
    const got = Number(m[1]);
    const allNs = Number(m[3]) + g.cpuNs + (ksoftirqdNs() - k0);
    runs.push({ sent: g.sent, received: got, mppsPerCore: got / (Number(m[3]) / 1e9) / 1e6, mppsPerCoreAllCpu: got / (allNs / 1e9) / 1e6,
      generatorNsPerPkt: g.cpuNs / g.sent, wallMpps: got / g.secs / 1e6 });
  }
  return {
    mppsPerCore: summarize(runs.map((r) => r.mppsPerCore)).p50, mppsPerCoreAllCpu: summarize(runs.map((r) => r.mppsPerCoreAllCpu)).p50,
    generatorNsPerPkt: summarize(runs.map((r) => r.generatorNsPerPkt)).p50, wallMpps: summarize(runs.map((r) => r.wallMpps)).p50, runs,
  };
}

function install(dp: Datapath, n: number): void {
  const gnb = ipv4ToInt('192.168.3.2');
  for (let i = 0; i < n; i++) {
    const seid = BigInt(i + 1);
    const ue = UE_BASE + i;
    dp.sessionAdd(seid, TEID_UL + i, ue);
    const ul = dp.farSet(-1, { seid, farId: 1, action: Action.FORW, dstIface: Iface.Core });
    const dl = dp.farSet(-1, { seid, farId: 2, action: Action.FORW, dstIface: Iface.Access, ohcGtpu: true, teid: TEID_DL + i, peerIp4: gnb, pdrId: 2 });
    const up: PdrRule = anyRule(1 << 8, 100, cookie(ul, -1, -1, true));
    up.lo[Dim.SRC_IFACE] = up.hi[Dim.SRC_IFACE] = 0;
    up.lo[Dim.TEID] = up.hi[Dim.TEID] = TEID_UL + i;
    const down: PdrRule = anyRule(2 << 8, 100, cookie(dl, -1, -1, false));
    down.lo[Dim.SRC_IFACE] = down.hi[Dim.SRC_IFACE] = 1;
    down.lo[Dim.UE_IP4] = down.hi[Dim.UE_IP4] = ue;
    dp.rulesApply(seid, [up, down]);
  }
}

function offline(dp: Datapath, n: number) {
  const count = Math.max(4096, n); // every session at least once
  const ul = Array.from({ length: count }, (_, k) => encodeGtpu({ type: GtpuType.GPdu, teid: TEID_UL + (k % n), payload: udpPacket(intToIpv4(UE_BASE + (k % n)), '192.168.6.2', 40000, 5001, Buffer.alloc(40)) }));
  const dl = Array.from({ length: count }, (_, k) => udpPacket('192.168.6.2', intToIpv4(UE_BASE + (k % n)), 5001, 40000, Buffer.alloc(40)));
  const rate = (ns: number[]) => {
    const s = summarize(ns.map((x) => count / (x / 1e9) / 1e6));
    return { mppsPerCore: s.p50, nsPerPkt: 1e3 / s.p50, ci95: s.ci95 };
  };
  const pu = dp.benchPipeline(Iface.Access, ul, 30);
  const pd = dp.benchPipeline(Iface.Core, dl, 30);
  const cu = dp.benchClassify(Iface.Access, ul, 30);
  const cd = dp.benchClassify(Iface.Core, dl, 30);
  if (pu.forwarded !== count || pd.forwarded !== count || cu.matched !== count || cd.matched !== count)
    throw new Error(`offline check failed: forwarded ${pu.forwarded}/${pd.forwarded}, matched ${cu.matched}/${cd.matched} of ${count}`);
  return { pipeline: { uplink: rate(pu.ns), downlink: rate(pd.ns) }, classify: { uplink: rate(cu.ns), downlink: rate(cd.ns) } };
}

function delta(a: DpStats, b: DpStats) {
  const drops: Record<string, number> = {};
  for (const k of Object.keys(b.drops) as (keyof DpStats['drops'])[]) if (b.drops[k] - a.drops[k]) drops[k] = b.drops[k] - a.drops[k];
  return { rxN3: b.rxN3 - a.rxN3, rxN6: b.rxN6 - a.rxN6, txN3: b.txN3 - a.txN3, txN6: b.txN6 - a.txN6, cpuNs: b.dpCpuNs - a.dpCpuNs, drops };
}

/** A recvmmsg sink at the far end, so forwarded packets are consumed by a socket (and counted)
 *  instead of making the peer kernel answer with ICMP port unreachable. */
async function startSinkRaw(ns: string, addr: string, port: number): Promise<() => Promise<string>> {
  const sink = spawn('ip', ['netns', 'exec', ns, GEN, 'sink', addr, String(port), String(SECONDS + 1)]);
  let out = '';
  let err = '';
  sink.stdout.on('data', (d) => (out += d));
  sink.stderr.on('data', (d) => (err += d));
  await new Promise<void>((res, rej) => {
    sink.stdout.once('data', () => res());
    sink.once('exit', (code) => rej(new Error(`sink in ${ns} exited (${code}) before it was ready: ${err}`)));
  });
  return async () => {
    if (sink.exitCode === null) await new Promise((res) => sink.once('exit', res));
    return out;
  };
}

async function startSink(ns: string, addr: string, port: number): Promise<() => Promise<number>> {
  const done = await startSinkRaw(ns, addr, port);
  return async () => {
    const out = await done();
    const m = /recv (\d+)/.exec(out);
    if (!m) throw new Error(`sink said: ${out}`);
    return Number(m[1]);
  };
}

async function throughput(dp: Datapath, t: BenchTopology, n: number, dir: 'uplink' | 'downlink') {
  const runs = [];
  for (let r = 0; r < REPS; r++) {
    const delivered = dir === 'uplink' ? await startSink(t.dn, '192.168.6.2', 5001) : await startSink(t.gnb, '192.168.3.2', 2152);
    const a = dp.stats();
    const k0 = ksoftirqdNs();
    const g = dir === 'uplink'
      ? gen(t.gnb, ['gtpu', '192.168.3.1', '2152', String(n), String(TEID_UL), intToIpv4(UE_BASE), '192.168.6.2', String(SECONDS)])
      : gen(t.dn, ['ip', intToIpv4(UE_BASE), String(n), '40000', String(SECONDS)]);
    // Let the data path drain its socket: wait until its receive counter stops moving.
    let last = -1;
    for (let i = 0; i < 30; i++) {
      await new Promise((res) => setTimeout(res, 100));
      const s = dp.stats();
      const now = s.rxN3 + s.rxN6;
      if (now === last) break;
      last = now;
    }
    const d = delta(a, dp.stats());
    const fwd = dir === 'uplink' ? d.txN6 : d.txN3;
    const rx = dir === 'uplink' ? d.rxN3 : d.rxN6;
    const allNs = d.cpuNs + g.cpuNs + (ksoftirqdNs() - k0);
    runs.push({
      sent: g.sent, received: rx, forwarded: fwd, delivered: await delivered(), mppsPerCore: fwd / (d.cpuNs / 1e9) / 1e6,
      mppsPerCoreAllCpu: fwd / (allNs / 1e9) / 1e6, generatorNsPerPkt: g.cpuNs / g.sent, wallMpps: fwd / g.secs / 1e6, drops: d.drops,
    });
  }
  return {
    mppsPerCore: summarize(runs.map((r) => r.mppsPerCore)).p50, mppsPerCoreAllCpu: summarize(runs.map((r) => r.mppsPerCoreAllCpu)).p50,
    generatorNsPerPkt: summarize(runs.map((r) => r.generatorNsPerPkt)).p50, wallMpps: summarize(runs.map((r) => r.wallMpps)).p50, runs,
  };
}

function flatten(o: any, prefix = '', out: [string, number][] = []): [string, number][] {
  if (o && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) {
      if (['machine', 'data', 'runs', 'loadBefore', 'ci95', 'config', 'reference'].includes(k)) continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (typeof o === 'number' && /\.(nsPerPkt|mppsPerCore|mppsPerCoreAllCpu|nsPerOp|mismatches|wallMpps)$/.test(prefix)) out.push([prefix, o]);
  return out;
}

const CLASSIFIER = /^(oracle|ll|ll-fullscan|tss|pstss|ps|PDR-.*)$/;

/** One table over every result file: a row per measured item, a column per classifier
 *  (figures without a classifier go to the "value" column). Fig. 7.9 rows show ns/packet only. */
function comparison(dir: string): Record<string, string | number>[] {
  const rows = new Map<string, Record<string, string | number>>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    for (const [key, value] of flatten(JSON.parse(readFileSync(join(dir, f), 'utf8')))) {
      const parts = key.split('.');
      if (parts[0] === 'fig7_9' && parts.at(-1) !== 'nsPerPkt') continue;
      if (parts[0] === 'datapath' && (parts.includes('bySessions') ? false : parts.length > 3)) continue;
      const ci = parts.findIndex((p) => CLASSIFIER.test(p));
      const col = ci >= 0 ? parts[ci] : 'value';
      const item = parts.filter((_, i) => i !== ci).join('.');
      const row = rows.get(item) ?? { item };
      row[col] = value;
      rows.set(item, row);
    }
  }
  const cols = new Set<string>();
  for (const r of rows.values()) for (const k of Object.keys(r)) cols.add(k);
  return [...rows.values()].map((r) => Object.fromEntries([...cols].map((c) => [c, r[c] ?? ''])));
}

async function main() {
  const loadBefore = loadavg() as [number, number, number];
  console.log(`upf:bench on ${machineInfo().cpuModel ?? 'this machine'}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  runPdrclsBench();
  if (!existsSync(GEN)) throw new Error(`${GEN} missing: run pnpm nx run native-upf-dp:build`);
  if (!existsSync(DN_DROP)) throw new Error(`${DN_DROP} missing: run pnpm nx run bpf:build`);
  const t = benchTopology(UE_POOL);
  const result: any = {
    datapath: {
      config: { innerPacketBytes: 68, batch: 64, classifier: 'ps', seconds: SECONDS, reps: REPS,
        io: 'uplink/downlink: N3 UDP socket recvmmsg/sendmmsg; uplinkXdp: N3 received through AF_XDP (bpf/upf_xsk.bpf.c, native XDP on the veth, copy mode). uplinkXdpL2: that plus N6 sent through the AF_PACKET socket with PACKET_QDISC_BYPASS to the DN MAC; uplinkXdpDnXdpDrop: that with the DN dropping in XDP. Otherwise N6: AF_PACKET SOCK_DGRAM recvmmsg in, raw IPv4 sendmmsg out. veth pairs between namespaces',
        mppsPerCoreMeans: 'packets forwarded / CPU seconds of the data-path thread. This kernel has no IRQ time accounting: softirq work is charged to the task it interrupts. The N3 receive side (veth, XDP, AF_XDP copy or UDP socket queueing) runs in the generator\'s context and is NOT in this figure; N6 delivery into the DN namespace runs in the UPF thread and is',
        mppsPerCoreAllCpuMeans: 'packets forwarded / (UPF thread + generator process + all ksoftirqd CPU): every CPU cycle these packets cost anywhere, including the generator\'s own sending (generatorNsPerPkt shows that share); ksoftirqd also serves other tenants of the machine, so under load this is a lower bound' },
      baseline: {}, uplink: { bySessions: {} }, uplinkXdp: { bySessions: {} }, uplinkXdpL2: { bySessions: {} }, uplinkXdpDnXdpDrop: { bySessions: {} }, downlink: { bySessions: {} }, pipelineOnly: { bySessions: {} }, classifyOnly: { bySessions: {} },
    },
  };
  try {
    console.log('== baseline: generator -> veth -> recvmmsg-only sink');
    result.datapath.baseline.udpRecvOnly = await baseline(t);
    for (const n of SESSIONS) {
      const dp = Datapath.create({ kind: Kind.PS, expectedSessions: n, maxSlots: Math.min(2 * n + 16, (1 << 20) - 1), bufferPool: 0, defaultBuffer: 16 });
      try {
        const t0 = Date.now();
        install(dp, n);
        console.log(`== ${n} sessions installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const off = offline(dp, n);
        result.datapath.pipelineOnly.bySessions[n] = off.pipeline;
        result.datapath.classifyOnly.bySessions[n] = off.classify;
        console.log(`   offline: pipeline ${off.pipeline.uplink.mppsPerCore.toFixed(2)} Mpps, classify ${off.classify.uplink.mppsPerCore.toFixed(2)} Mpps (uplink)`);
        dp.open({ netns: t.upf, n3Addr: '192.168.3.1', n3Port: 2152, n6Ifname: t.n6 });
        dp.start();
        result.datapath.uplink.bySessions[n] = await throughput(dp, t, n, 'uplink');
        result.datapath.downlink.bySessions[n] = await throughput(dp, t, n, 'downlink');
        dp.stop();
        dp.openXsk({ netns: t.upf, ifname: t.n3 });
        result.datapath.uplinkXdp.ioMode = dp.ioMode();
        dp.start();
        result.datapath.uplinkXdp.bySessions[n] = await throughput(dp, t, n, 'uplink');
        // N6 out through AF_PACKET with qdisc bypass to the DN's MAC instead of the routed raw socket.
        dp.stop();
        dp.setN6Nexthop(JSON.parse(execFileSync('ip', ['-n', t.dn, '-j', 'link', 'show', 'dev', t.dnIf], { encoding: 'utf8' }))[0].address);
        dp.start();
        result.datapath.uplinkXdpL2.bySessions[n] = await throughput(dp, t, n, 'uplink');
        // The same with the data network dropping in XDP: what the UPF costs without the DN's
        // UDP receive path, which veth runs in the UPF thread's context.
        execFileSync('ip', ['-n', t.dn, 'link', 'set', 'dev', t.dnIf, 'xdp', 'obj', DN_DROP, 'sec', 'xdp']);
        try {
          result.datapath.uplinkXdpDnXdpDrop.bySessions[n] = await throughput(dp, t, n, 'uplink');
        } finally {
          execFileSync('ip', ['-n', t.dn, 'link', 'set', 'dev', t.dnIf, 'xdp', 'off']);
        }
        dp.stop();
      } finally {
        dp.destroy();
      }
    }
  } finally {
    t.destroy();
  }
  const d = result.datapath;
  // Headline keys: the 1-session rate (every session count is under bySessions).
  for (const dir of ['uplink', 'uplinkXdp', 'uplinkXdpL2', 'uplinkXdpDnXdpDrop', 'downlink'] as const) {
    d[dir].mppsPerCore = d[dir].bySessions[1].mppsPerCore;
    d[dir].mppsPerCoreAllCpu = d[dir].bySessions[1].mppsPerCoreAllCpu;
    d[dir].wallMpps = d[dir].bySessions[1].wallMpps;
    d[dir].ratioVsRecvOnlyBaseline = ratio(d[dir].mppsPerCore, d.baseline.udpRecvOnly.mppsPerCore);
  }
  // The UPF as configured for speed: the faster N3 receive path per session count.
  const paths = [['socket in, raw IPv4 out', d.uplink], ['AF_XDP in, raw IPv4 out', d.uplinkXdp], ['AF_XDP in, AF_PACKET qdisc-bypass out', d.uplinkXdpL2]] as const;
  const best = paths.reduce((a, b) => (b[1].mppsPerCore > a[1].mppsPerCore ? b : a));
  d.uplinkBest = { mppsPerCore: best[1].mppsPerCore, mppsPerCoreAllCpu: best[1].mppsPerCoreAllCpu, io: best[0] };
  d.classifyOnly.uplink = { mppsPerCore: d.classifyOnly.bySessions[1].uplink.mppsPerCore };
  d.pipelineOnly.uplink = { mppsPerCore: d.pipelineOnly.bySessions[1].uplink.mppsPerCore };
  d.goalMppsPerCore = 2;
  const path = writeResult('upf', 'datapath', result, { loadBefore });
  console.log(`wrote ${path}`);

  const cats = SESSIONS.map((n) => (n >= 1000 ? `${n / 1000}K` : String(n)));
  const svg = barChart({
    title: 'UPF data path, 68-byte inner packets: Mpps per data-path core',
    yLabel: 'Mpps per core (log)',
    categories: cats.map((c) => `${c} sessions`),
    logY: true,
    series: [
      { name: 'uplink (veth, N3 socket)', values: SESSIONS.map((n) => d.uplink.bySessions[n].mppsPerCore) },
      { name: 'uplink (veth, N3 AF_XDP)', values: SESSIONS.map((n) => d.uplinkXdp.bySessions[n].mppsPerCore) },
      { name: 'uplink (N3 AF_XDP, N6 AF_PACKET bypass)', values: SESSIONS.map((n) => d.uplinkXdpL2.bySessions[n].mppsPerCore) },
      { name: 'same, DN drops in XDP', values: SESSIONS.map((n) => d.uplinkXdpDnXdpDrop.bySessions[n].mppsPerCore) },
      { name: 'downlink (veth I/O)', values: SESSIONS.map((n) => d.downlink.bySessions[n].mppsPerCore) },
      { name: 'uplink pipeline, no I/O', values: SESSIONS.map((n) => d.pipelineOnly.bySessions[n].uplink.mppsPerCore) },
      { name: 'uplink classify only', values: SESSIONS.map((n) => d.classifyOnly.bySessions[n].uplink.mppsPerCore) },
      { name: 'baseline: recvmmsg-only sink', values: SESSIONS.map(() => d.baseline.udpRecvOnly.mppsPerCore) },
    ],
  });
  writeSvg(join(resultsDir(), 'upf', 'datapath.svg'), svg);

  printTable(
    SESSIONS.map((n) => ({
      sessions: n,
      'UL socket Mpps/core': d.uplink.bySessions[n].mppsPerCore, 'UL AF_XDP Mpps/core': d.uplinkXdp.bySessions[n].mppsPerCore,
      'UL socket all-CPU Mpps': d.uplink.bySessions[n].mppsPerCoreAllCpu, 'UL AF_XDP all-CPU Mpps': d.uplinkXdp.bySessions[n].mppsPerCoreAllCpu,
      'UL AF_XDP + L2 out Mpps/core': d.uplinkXdpL2.bySessions[n].mppsPerCore, 'UL AF_XDP + L2 out all-CPU Mpps': d.uplinkXdpL2.bySessions[n].mppsPerCoreAllCpu,
      'same, DN XDP-drop Mpps/core': d.uplinkXdpDnXdpDrop.bySessions[n].mppsPerCore,
      'AF_XDP / socket': ratio(d.uplinkXdp.bySessions[n].mppsPerCore, d.uplink.bySessions[n].mppsPerCore), 'uplink wall Mpps': d.uplink.bySessions[n].wallMpps,
      'downlink Mpps/core': d.downlink.bySessions[n].mppsPerCore, 'downlink wall Mpps': d.downlink.bySessions[n].wallMpps,
      'pipeline UL Mpps': d.pipelineOnly.bySessions[n].uplink.mppsPerCore, 'classify UL Mpps': d.classifyOnly.bySessions[n].uplink.mppsPerCore,
      'baseline recv-only Mpps/core': d.baseline.udpRecvOnly.mppsPerCore, 'baseline all-CPU Mpps': d.baseline.udpRecvOnly.mppsPerCoreAllCpu, 'UL ratio vs baseline': ratio(d.uplink.bySessions[n].mppsPerCore, d.baseline.udpRecvOnly.mppsPerCore),
    })),
    'UPF data path (medians; goal >= 2 Mpps/core)',
  );

  printTable(comparison(join(resultsDir(), 'upf')), 'docs/results/upf/*.json: lookups (ns/pkt), updates (ns/op), Fig. 7.9 (ns/pkt), data path (Mpps)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
