// upf:bench — runs the classifier benchmark (pdrcls:bench), then the data-path benchmark, then
// prints one comparison table over docs/results/upf/*.json.
//
// Data path: GTP-U uplink and downlink through veths between network namespaces, 68-byte inner
// packets, 1 / 1K / 100K sessions, generator = `upf-dp-gen l2 xsk` (native/upf-dp/bench/gen_l2.c:
// prebuilt frames through AF_XDP TX; its ns/pkt against AF_PACKET sendmmsg and a TPACKET ring is
// measured first). "Mpps per core" is packets forwarded divided by the CPU time of the data-path
// thread. Same-run references: the kernel floor (the data path in l2fwd mode: the same AF_XDP RX
// on N3 -> AF_XDP TX on N6, no processing) and a recvmmsg-only UDP sink.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machineInfo, printTable, ratio, resultsDir, summarize, writeResult } from '@fastpath/bench';
import { nativeDir, workspaceRoot } from '@fastpath/native';
import { anyRule, Dim, Kind, type PdrRule } from '@fastpath/pdrcls';
import { barChart, writeSvg } from '@fastpath/plot';
import { encodeGtpu, GtpuType, udpPacket } from '@fastpath/gtpu';
import type { BenchTopology as Topo } from './netns.ts';
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

const GEN_MODE = process.env.UPF_BENCH_GEN ?? 'xsk';
const macOf = (ns: string, dev: string): string => JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', dev], { encoding: 'utf8' }))[0].address;

/** Uplink load: G-PDUs for n sessions from the gNB namespace, straight to the UPF's N3 MAC. */
function genUplink(t: Topo, n: number, mode = GEN_MODE, secs = SECONDS) {
  return gen(t.gnb, ['l2', mode, t.gnbIf, macOf(t.upf, t.n3), String(n), String(secs), 'gtpu', '192.168.3.2', '192.168.3.1', '2152', String(TEID_UL), intToIpv4(UE_BASE), '192.168.6.2']);
}
/** Downlink load: IPv4/UDP to n UE addresses from the data network, straight to the UPF's N6 MAC. */
function genDownlink(t: Topo, n: number) {
  return gen(t.dn, ['l2', GEN_MODE, t.dnIf, macOf(t.upf, t.n6), String(n), String(SECONDS), 'ip', '192.168.6.2', intToIpv4(UE_BASE), '40000']);
}

/** The generator alone: its CPU per packet into the UPF's N3 veth while that end drops in XDP
 *  (its softirq runs in the generator's context, so it is in these figures). */
function generatorCost(t: Topo) {
  const out: Record<string, { nsPerPkt: number; wallMpps: number; runs: { sent: number; nsPerPkt: number }[] }> = {};
  execFileSync('ip', ['-n', t.upf, 'link', 'set', 'dev', t.n3, 'xdp', 'obj', DN_DROP, 'sec', 'xdp']);
  try {
    for (const [name, mode] of [['socketSendmmsg', ''], ['afPacketSendmmsg', 'packet'], ['afPacketTxRing', 'ring'], ['afXdpTx', 'xsk']] as const) {
      const runs = [];
      for (let r = 0; r < REPS; r++) {
        const g = mode ? genUplink(t, 100_000, mode, Math.min(SECONDS, 2))
          : gen(t.gnb, ['gtpu', '192.168.3.1', '2152', '100000', String(TEID_UL), intToIpv4(UE_BASE), '192.168.6.2', String(Math.min(SECONDS, 2))]);
        runs.push({ sent: g.sent, nsPerPkt: g.cpuNs / g.sent, wallMpps: g.sent / g.secs / 1e6 });
      }
      out[name] = { nsPerPkt: summarize(runs.map((r) => r.nsPerPkt)).p50, wallMpps: summarize(runs.map((r) => r.wallMpps)).p50, runs };
      console.log(`   generator ${name}: ${out[name].nsPerPkt.toFixed(0)} ns/pkt, ${out[name].wallMpps.toFixed(2)} Mpps wall`);
    }
  } finally {
    execFileSync('ip', ['-n', t.upf, 'link', 'set', 'dev', t.n3, 'xdp', 'off']);
  }
  return out;
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
    const g = genUplink(t, 1);
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
  // without the session fast path first (every key through pdrsess: the "before"), then with it
  dp.setFastpath(false);
  const su = dp.benchPipeline(Iface.Access, ul, 30);
  const sd = dp.benchPipeline(Iface.Core, dl, 30);
  dp.setFastpath(true);
  const pu = dp.benchPipeline(Iface.Access, ul, 30);
  const pd = dp.benchPipeline(Iface.Core, dl, 30);
  const cu = dp.benchClassify(Iface.Access, ul, 30);
  const cd = dp.benchClassify(Iface.Core, dl, 30);
  if (pu.forwarded !== count || pd.forwarded !== count || su.forwarded !== count || sd.forwarded !== count || cu.matched !== count || cd.matched !== count)
    throw new Error(`offline check failed: forwarded ${pu.forwarded}/${pd.forwarded}/${su.forwarded}/${sd.forwarded}, matched ${cu.matched}/${cd.matched} of ${count}`);
  return { pipeline: { uplink: rate(pu.ns), downlink: rate(pd.ns) }, noFastpath: { uplink: rate(su.ns), downlink: rate(sd.ns) }, classify: { uplink: rate(cu.ns), downlink: rate(cd.ns) } };
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

async function throughput(dp: Datapath, t: BenchTopology, n: number, dir: 'uplink' | 'downlink', dnDrops = false) {
  const runs = [];
  for (let r = 0; r < REPS; r++) {
    // a sink consumes what reaches the far end (none when the DN drops in XDP)
    const delivered = dnDrops ? async () => 0 : dir === 'uplink' ? await startSink(t.dn, '192.168.6.2', 5001) : await startSink(t.gnb, '192.168.3.2', 2152);
    const a = dp.stats();
    const k0 = ksoftirqdNs();
    const load = Number(loadavg()[0].toFixed(2));
    const g = dir === 'uplink' ? genUplink(t, n) : genDownlink(t, n);
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
      mppsPerCoreAllCpu: fwd / (allNs / 1e9) / 1e6, generatorNsPerPkt: g.cpuNs / g.sent, wallMpps: fwd / g.secs / 1e6, drops: d.drops, load1: load,
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

const UL_VARIANTS = {
  uplinkSocket: 'N3 UDP socket recvmmsg in, N6 raw IPv4 socket sendmmsg out (n3.io socket, n6.io raw)',
  uplinkXdp: 'N3 AF_XDP in (native XDP on the veth, copy mode), N6 raw IPv4 socket out (n3.io xdp, n6.io raw)',
  uplinkXdpL2: 'N3 AF_XDP in, N6 AF_PACKET qdisc bypass out (n3.io xdp, n6.io packet)',
  uplinkXdpTx: 'N3 AF_XDP in, N6 AF_XDP TX out sharing the N3 UMEM (n3.io xdp, n6.io xdp: the default with an N3 interface and an N6 next hop)',
} as const;
const DL_VARIANTS = {
  downlinkSocket: 'N6 AF_PACKET recvmmsg in, N3 UDP socket sendmmsg out (n3.io socket)',
  downlinkXdpTx: 'N6 AF_PACKET recvmmsg in, N3 AF_XDP TX out to the learned gNB MAC (n3.io xdp)',
} as const;

async function main() {
  const loadBefore = loadavg() as [number, number, number];
  const t0 = Date.now();
  console.log(`upf:bench on ${machineInfo().cpuModel ?? 'this machine'}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  runPdrclsBench();
  if (!existsSync(GEN)) throw new Error(`${GEN} missing: run pnpm nx run native-upf-dp:build`);
  if (!existsSync(DN_DROP)) throw new Error(`${DN_DROP} missing: run pnpm nx run bpf:build`);
  const t = benchTopology(UE_POOL);
  const d: any = {
    config: { innerPacketBytes: 68, batch: 64, classifier: 'ps', seconds: SECONDS, reps: REPS, generator: `upf-dp-gen l2 ${GEN_MODE}`,
      variants: { ...UL_VARIANTS, uplinkXdpTxDnXdpDrop: 'uplinkXdpTx with the data network dropping in XDP (no DN UDP receive in the UPF thread\'s softirq)', ...DL_VARIANTS },
      floor: 'the data path in l2fwd mode (upf_dp_bench_l2fwd): the same AF_XDP RX on the N3 veth -> AF_XDP TX on the N6 veth, MAC rewrite only; with a DN UDP sink like the uplink rows, and with the DN dropping in XDP',
      mppsPerCoreMeans: 'packets forwarded / CPU seconds of the data-path thread. This kernel has no IRQ time accounting: softirq work is charged to the task it interrupts. The N3 receive side (veth, XDP, AF_XDP copy or UDP socket queueing) runs in the generator\'s context and is NOT in this figure; transmit (skb build, veth, and the receiver\'s softirq: DN UDP delivery) runs in the UPF thread and is',
      mppsPerCoreAllCpuMeans: 'packets forwarded / (UPF thread + generator process + all ksoftirqd CPU): every CPU cycle these packets cost anywhere, including the generator\'s own sending (generatorNsPerPkt shows that share); ksoftirqd also serves other tenants of the machine, so under load this is a lower bound' },
    generator: {}, floor: {}, baseline: {}, pipelineOnly: { bySessions: {} }, pipelineOnlyNoFastpath: { bySessions: {} }, classifyOnly: { bySessions: {} },
  };
  for (const k of [...Object.keys(UL_VARIANTS), 'uplinkXdpTxDnXdpDrop', ...Object.keys(DL_VARIANTS)]) d[k] = { bySessions: {} };
  const dnDrop = (on: boolean) => execFileSync('ip', ['-n', t.dn, 'link', 'set', 'dev', t.dnIf, 'xdp', ...(on ? ['obj', DN_DROP, 'sec', 'xdp'] : ['off'])]);
  try {
    console.log('== generator cost per packet (the UPF end of N3 drops in XDP)');
    d.generator = generatorCost(t);
    console.log('== baseline: generator -> veth -> recvmmsg-only sink');
    d.baseline.udpRecvOnly = await baseline(t);
    for (const n of SESSIONS) {
      const dp = Datapath.create({ kind: Kind.PS, expectedSessions: n, maxSlots: Math.min(2 * n + 16, (1 << 20) - 1), bufferPool: 0, defaultBuffer: 16 });
      try {
        const ti = Date.now();
        install(dp, n);
        console.log(`== ${n} sessions installed in ${((Date.now() - ti) / 1000).toFixed(1)} s (fast-path entries ${dp.fastpathEntries()})`);
        const off = offline(dp, n);
        d.pipelineOnly.bySessions[n] = off.pipeline;
        d.pipelineOnlyNoFastpath.bySessions[n] = off.noFastpath;
        d.classifyOnly.bySessions[n] = off.classify;
        console.log(`   offline uplink: pipeline ${off.pipeline.uplink.mppsPerCore.toFixed(2)} Mpps (without the fast path ${off.noFastpath.uplink.mppsPerCore.toFixed(2)}), classify ${off.classify.uplink.mppsPerCore.toFixed(2)} Mpps`);
        const run = async (name: string, dir: 'uplink' | 'downlink', dnDrops = false) => {
          d[name].bySessions[n] = await throughput(dp, t, n, dir, dnDrops);
          console.log(`   ${name}: ${d[name].bySessions[n].mppsPerCore.toFixed(3)} Mpps/core (${d[name].bySessions[n].wallMpps.toFixed(3)} Mpps wall)`);
        };
        dp.open({ netns: t.upf, n3Addr: '192.168.3.1', n3Port: 2152, n6Ifname: t.n6 });
        dp.start();
        await run('uplinkSocket', 'uplink');
        await run('downlinkSocket', 'downlink');
        dp.stop();
        dp.openXsk({ netns: t.upf, ifname: t.n3 });
        d.ioMode = dp.ioMode();
        dp.start();
        await run('uplinkXdp', 'uplink');
        dp.stop();
        dp.setN6Nexthop(macOf(t.dn, t.dnIf));
        dp.start();
        await run('uplinkXdpL2', 'uplink');
        dp.stop();
        dp.setXskTx({ netns: t.upf, n6Ifname: t.n6, n6: true, n3: true });
        dp.start();
        await run('uplinkXdpTx', 'uplink'); // also teaches the data path the gNB's MAC
        await run('downlinkXdpTx', 'downlink');
        dnDrop(true);
        try {
          await run('uplinkXdpTxDnXdpDrop', 'uplink', true);
          if (n === SESSIONS[0]) {
            // the floor: same rings, no processing
            dp.stop();
            dp.benchL2fwd(true);
            dp.start();
            d.floor.dnXdpDrop = await throughput(dp, t, n, 'uplink', true);
            dnDrop(false);
            d.floor.dnSink = await throughput(dp, t, n, 'uplink');
            dp.stop();
            dp.benchL2fwd(false);
            console.log(`   floor (l2fwd): ${d.floor.dnSink.mppsPerCore.toFixed(3)} Mpps/core with a DN sink, ${d.floor.dnXdpDrop.mppsPerCore.toFixed(3)} with the DN dropping in XDP`);
          }
        } finally {
          try {
            dnDrop(false);
          } catch {
            /* already off */
          }
        }
        dp.stop();
      } finally {
        dp.destroy();
      }
    }
  } finally {
    t.destroy();
  }
  const named = [...Object.keys(UL_VARIANTS), 'uplinkXdpTxDnXdpDrop', ...Object.keys(DL_VARIANTS)];
  for (const k of named) {
    d[k].mppsPerCore = d[k].bySessions[1].mppsPerCore;
    d[k].mppsPerCoreAllCpu = d[k].bySessions[1].mppsPerCoreAllCpu;
    d[k].wallMpps = d[k].bySessions[1].wallMpps;
  }
  // Headline: the best real configuration (the DN-drops-in-XDP row is a measurement aid, not a
  // configuration), judged on the worst of its session counts.
  const worst = (k: string) => Math.min(...SESSIONS.map((n) => d[k].bySessions[n].mppsPerCore));
  const pick = (keys: string[]) => keys.reduce((a, b) => (worst(b) > worst(a) ? b : a));
  const ulBest = pick(Object.keys(UL_VARIANTS));
  const dlBest = pick(Object.keys(DL_VARIANTS));
  d.floor.mppsPerCore = d.floor.dnSink.mppsPerCore;
  d.floor.mppsPerCoreDnXdpDrop = d.floor.dnXdpDrop.mppsPerCore;
  d.uplink = { ...d[ulBest], variant: ulBest, io: (UL_VARIANTS as any)[ulBest], fractionOfFloor: ratio(d[ulBest].mppsPerCore, d.floor.mppsPerCore),
    fractionOfFloorDnXdpDrop: ratio(d.uplinkXdpTxDnXdpDrop.mppsPerCore, d.floor.mppsPerCoreDnXdpDrop), ratioVsRecvOnlyBaseline: ratio(d[ulBest].mppsPerCore, d.baseline.udpRecvOnly.mppsPerCore) };
  d.downlink = { ...d[dlBest], variant: dlBest, io: (DL_VARIANTS as any)[dlBest], fractionOfFloor: ratio(d[dlBest].mppsPerCore, d.floor.mppsPerCore) };
  d.generatorNsPerPkt = d.generator.afXdpTx.nsPerPkt;
  d.classifyOnly.uplink = { mppsPerCore: d.classifyOnly.bySessions[1].uplink.mppsPerCore };
  d.pipelineOnly.uplink = { mppsPerCore: d.pipelineOnly.bySessions[1].uplink.mppsPerCore };
  d.pipelineOnly.uplink100k = { mppsPerCore: d.pipelineOnly.bySessions[100_000].uplink.mppsPerCore, withoutFastpath: d.pipelineOnlyNoFastpath.bySessions[100_000].uplink.mppsPerCore };
  d.goalMppsPerCore = 2;
  d.benchSeconds = Math.round((Date.now() - t0) / 1000);
  const path = writeResult('upf', 'datapath', { datapath: d }, { loadBefore });
  console.log(`wrote ${path}`);

  const cats = SESSIONS.map((n) => (n >= 1000 ? `${n / 1000}K` : String(n)));
  const svg = barChart({
    title: 'UPF data path, 68-byte inner packets: Mpps per data-path core',
    yLabel: 'Mpps per core (log)',
    categories: cats.map((c) => `${c} sessions`),
    logY: true,
    series: [
      ...Object.keys(UL_VARIANTS).map((k) => ({ name: k, values: SESSIONS.map((n) => d[k].bySessions[n].mppsPerCore) })),
      { name: 'uplinkXdpTx, DN drops in XDP', values: SESSIONS.map((n) => d.uplinkXdpTxDnXdpDrop.bySessions[n].mppsPerCore) },
      ...Object.keys(DL_VARIANTS).map((k) => ({ name: k, values: SESSIONS.map((n) => d[k].bySessions[n].mppsPerCore) })),
      { name: 'floor: AF_XDP l2fwd, no processing', values: SESSIONS.map(() => d.floor.mppsPerCore) },
      { name: 'uplink pipeline, no I/O', values: SESSIONS.map((n) => d.pipelineOnly.bySessions[n].uplink.mppsPerCore) },
      { name: 'same, without the session fast path', values: SESSIONS.map((n) => d.pipelineOnlyNoFastpath.bySessions[n].uplink.mppsPerCore) },
    ],
  });
  writeSvg(join(resultsDir(), 'upf', 'datapath.svg'), svg);

  printTable(
    SESSIONS.map((n) => ({
      sessions: n,
      ...Object.fromEntries([...named].map((k) => [`${k} Mpps/core`, d[k].bySessions[n].mppsPerCore])),
      'uplinkXdpTx all-CPU Mpps': d.uplinkXdpTx.bySessions[n].mppsPerCoreAllCpu,
      'floor Mpps/core': d.floor.mppsPerCore, 'best UL / floor': ratio(d[ulBest].bySessions[n].mppsPerCore, d.floor.mppsPerCore),
      'pipeline UL Mpps': d.pipelineOnly.bySessions[n].uplink.mppsPerCore, 'pipeline UL no fast path': d.pipelineOnlyNoFastpath.bySessions[n].uplink.mppsPerCore,
      'classify UL Mpps': d.classifyOnly.bySessions[n].uplink.mppsPerCore,
      'load1 (UL best)': summarize(d[ulBest].bySessions[n].runs.map((r: any) => r.load1)).p50,
    })),
    `UPF data path (medians; goal >= 2 Mpps/core; uplink = ${ulBest}, downlink = ${dlBest}; generator ${d.generatorNsPerPkt.toFixed(0)} ns/pkt)`,
  );

  printTable(comparison(join(resultsDir(), 'upf')), 'docs/results/upf/*.json: lookups (ns/pkt), updates (ns/op), Fig. 7.9 (ns/pkt), data path (Mpps)');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
