// ebpf bench (pnpm nx run ebpf:bench, as root): SPROXY descriptor round trip vs TCP loopback vs
// Unix socket between two Node processes, next to the same ping-pong between two C processes
// (the kernel floor); one-way SPROXY descriptors/s; EPROXY latency/throughput across the netns
// topology with the host stack vs EPROXY, under netfilter rule sets of 0/1k/10k rules.
// Writes docs/results/ebpf/bench.json. Sizes: EBPF_BENCH_ROUNDS (3), EBPF_BENCH_RTT_ITERS
// (10000), EBPF_BENCH_ONEWAY_N (200000), EBPF_BENCH_EPROXY_SECS (3), EBPF_BENCH_RULES (0,1000,10000).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, progress, ratio, resultsDir, summarize, writeResult } from '@fastpath/bench';
import { barChart, writeSvg } from '@fastpath/plot';
import { CreditTransport, DescFlag, SproxyManager } from '../src/index.ts';
import { VARIANTS, eproxyLab, installRules, measure, type Sample, type Variant } from './eproxy.ts';
import { killChildren, nodePeer } from './procs.ts';
import { pipeFloor, rttRun, sproxyVerdictCost, type Impl, type RttResult, type Transport } from './rtt.ts';

function num(name: string, dflt: number, min = 1): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min) {
    console.error(`ebpf bench: ${name}=${process.env[name]} must be an integer >= ${min}`);
    process.exit(2);
  }
  return v;
}
const ROUNDS = num('EBPF_BENCH_ROUNDS', 3);
const RTT_ITERS = num('EBPF_BENCH_RTT_ITERS', 10_000);
const ONEWAY_N = num('EBPF_BENCH_ONEWAY_N', 200_000);
const EPROXY_SECS = num('EBPF_BENCH_EPROXY_SECS', 3);
const RULES = (process.env.EBPF_BENCH_RULES ?? '0,1000,10000').split(',').map(Number);
if (RULES.some((n) => !Number.isInteger(n) || n < 0 || n > 65535)) {
  console.error(`ebpf bench: EBPF_BENCH_RULES=${process.env.EBPF_BENCH_RULES} must list rule counts 0..65535, e.g. 0,1000,10000`);
  process.exit(2);
}
const EPROXY_ROUNDS = Math.min(ROUNDS, 2);

if (process.argv.includes('--help')) {
  console.log(`usage: pnpm nx run ebpf:bench   (root; writes docs/results/ebpf/bench.json)
environment: EBPF_BENCH_ROUNDS=${ROUNDS} EBPF_BENCH_RTT_ITERS=${RTT_ITERS} EBPF_BENCH_ONEWAY_N=${ONEWAY_N}
             EBPF_BENCH_EPROXY_SECS=${EPROXY_SECS} EBPF_BENCH_RULES=${RULES.join(',')}`);
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.error('ebpf bench needs root (CAP_BPF + CAP_NET_ADMIN): run it as root');
  process.exit(2);
}

const TRANSPORTS: Transport[] = ['sproxy', 'tcp', 'unix'];
const IMPLS: Impl[] = ['node', 'nodeStream', 'c'];
const bar = progress('ebpf bench', ROUNDS * (TRANSPORTS.length * IMPLS.length + 3) + 1 + EPROXY_ROUNDS * RULES.length * 3);
const median = (xs: number[]) => summarize(xs).p50;
const r2 = (x: number) => Number(x.toFixed(2));

/** Round trips: every transport x implementation once per round, interleaved so load drifts hit all alike. */
async function rttBench() {
  const m = await SproxyManager.start();
  const dir = mkdtempSync(join(tmpdir(), 'fp-ebpf-bench-'));
  const runs: Record<string, RttResult[]> = {};
  const pipe: RttResult[] = [];
  let cost: Awaited<ReturnType<typeof sproxyVerdictCost>>;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const kind of TRANSPORTS) {
        for (const impl of IMPLS) {
          bar.label(`rtt ${kind} ${impl}`);
          (runs[`${kind}.${impl}`] ??= []).push(await rttRun(kind, impl, RTT_ITERS, m, dir));
          bar.tick();
        }
      }
      pipe.push(pipeFloor(RTT_ITERS));
    }
    bar.label('SK_MSG program cost');
    cost = await sproxyVerdictCost(m, RTT_ITERS, dir);
    bar.tick();
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // Per cell: the median over rounds of each round's p50/p99.
  const cell = (k: string) => ({ p50us: r2(median(runs[k].map((x) => x.p50us))), p99us: r2(median(runs[k].map((x) => x.p99us))), n: RTT_ITERS * ROUNDS });
  const out = Object.fromEntries(TRANSPORTS.map((t) => [t, Object.fromEntries(IMPLS.map((i) => [i, cell(`${t}.${i}`)]))])) as Record<Transport, Record<Impl, ReturnType<typeof cell>>>;
  return { ...out, cost, pipeC: { p50us: r2(median(pipe.map((x) => x.p50us))), p99us: r2(median(pipe.map((x) => x.p99us))), n: RTT_ITERS * ROUNDS } };
}

async function onewayBench() {
  const m = await SproxyManager.start();
  const window = 4096;
  try {
    const me = await m.createFunctionSocket({ instance: 11, chain: 2, function: 1 });
    const sink = await m.createFunctionSocket({ instance: 12, chain: 2, function: 2 });
    const p = nodePeer('sink', { fd: 3, n: ONEWAY_N, window, instance: 12, chain: 2 }, sink.fd);
    sink.release();
    await p.line;
    const t = new CreditTransport(me.openHere(), { identity: me.identity, window });
    const done = () => new Promise<void>((r) => t.once('descriptor', (d) => d.flags & DescFlag.RESPONSE && r()));
    const drained = () => (t.queued === 0 ? Promise.resolve() : new Promise<void>((r) => t.once('drain', () => r())));
    const run = async (batch: number) => {
      const finished = done();
      const t0 = process.hrtime.bigint();
      const objs: bigint[] = Array.from({ length: batch }, (_, i) => BigInt(i));
      for (let i = 0; i < ONEWAY_N; i += batch) {
        if (batch === 1) t.send(12, BigInt(i));
        else t.sendBatch(12, objs.length === Math.min(batch, ONEWAY_N - i) ? objs : objs.slice(0, ONEWAY_N - i));
        if (t.queued > window) await drained();
      }
      await finished;
      return ONEWAY_N / (Number(process.hrtime.bigint() - t0) / 1e9);
    };
    await run(256); // warm-up
    const single: number[] = [];
    const batched: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      bar.label('one-way single');
      single.push(await run(1));
      bar.tick();
      bar.label('one-way batched');
      batched.push(await run(256));
      bar.tick(2);
    }
    t.close();
    return { single: median(single), batched: median(batched) };
  } finally {
    await m.close();
  }
}

async function eproxyBench() {
  const lab = await eproxyLab(`fpb${process.pid}`);
  const samples: Record<string, Sample[]> = {};
  try {
    for (const n of RULES) {
      const removeRules = installRules(lab.topo, n);
      try {
        for (let r = 0; r < EPROXY_ROUNDS; r++) {
          for (const v of Object.keys(VARIANTS) as Variant[]) {
            bar.label(`eproxy ${v}, ${n} rules`);
            (samples[`${n}.${v}`] ??= []).push(measure(lab.topo, v, EPROXY_SECS));
            bar.tick();
          }
        }
      } finally {
        removeRules();
      }
    }
  } finally {
    lab.close();
  }
  const cell = (k: string) => ({
    p50us: r2(median(samples[k].map((s) => s.p50us))),
    p99us: r2(median(samples[k].map((s) => s.p99us))),
    gbps: r2(median(samples[k].map((s) => s.gbps))),
    forwardedByHost: samples[k].reduce((a, s) => a + s.forwarded, 0),
  });
  return RULES.map((n) => ({ rules: n, off: cell(`${n}.off`), tc: cell(`${n}.tc`), xdpTc: cell(`${n}.xdpTc`) }));
}

/** SVGs next to bench.json: round trips by transport and implementation, EPROXY by rule count. */
function plots(rtt: Awaited<ReturnType<typeof rttBench>>, ep: Awaited<ReturnType<typeof eproxyBench>>): string[] {
  const dir = join(resultsDir(), 'ebpf');
  return [
    writeSvg(join(dir, 'rtt.svg'), barChart({
      title: 'Descriptor round trip p50 between two processes', yLabel: 'µs', categories: ['SPROXY', 'TCP loopback', 'Unix socket'],
      series: ([['Node, DescriptorIo', 'node'], ['Node, net.Socket streams', 'nodeStream'], ['C (kernel floor)', 'c']] as const).map(([name, impl]) => ({
        name, values: TRANSPORTS.map((t) => rtt[t][impl].p50us),
      })),
    })),
    writeSvg(join(dir, 'eproxy-rules.svg'), barChart({
      title: 'EPROXY vs host forwarding under N netfilter rules: UDP RR p50', yLabel: 'µs (log)', logY: true, categories: ep.map((e) => `${e.rules} rules`),
      series: (['off', 'tc', 'xdpTc'] as const).map((v) => ({ name: v === 'off' ? 'host stack' : v === 'tc' ? 'EPROXY tc (default)' : 'EPROXY XDP+tc', values: ep.map((e) => e[v].p50us) })),
    })),
  ];
}

try {
  const loadBefore = loadavg() as [number, number, number];
  const rtt = await rttBench();
  const oneway = await onewayBench();
  const ep = await eproxyBench();
  bar.stop();
  const base = ep.find((e) => e.rules === 0) ?? ep[0];
  const data = {
    sproxy: {
      rtt: { ...rtt.sproxy.node, impl: 'Node, DescriptorIo (static read buffer, direct write)' },
      rttNodeStream: rtt.sproxy.nodeStream,
      rttC: rtt.sproxy.c,
      program: { nsPerVerdict: rtt.cost.nsPerVerdict, verdicts: rtt.cost.verdicts, how: 'kernel.bpf_stats_enabled run_time_ns / run_cnt of sproxy_msg during a C ping-pong' },
      oneway: { singlePerSec: Math.round(oneway.single), batchPerSec: Math.round(oneway.batched), batchSize: 256, descriptors: ONEWAY_N, window: 4096 },
    },
    tcp: { rtt: rtt.tcp.node, rttNodeStream: rtt.tcp.nodeStream, rttC: rtt.tcp.c },
    unix: { rtt: rtt.unix.node, rttNodeStream: rtt.unix.nodeStream, rttC: rtt.unix.c },
    pipe: { rttC: rtt.pipeC },
    ratios: {
      sproxyVsTcpRttP50: ratio(rtt.sproxy.node.p50us, rtt.tcp.node.p50us),
      sproxyVsUnixRttP50: ratio(rtt.sproxy.node.p50us, rtt.unix.node.p50us),
      sproxyFastVsStreamRttP50: ratio(rtt.sproxy.node.p50us, rtt.sproxy.nodeStream.p50us),
      sproxyNodeVsCRttP50: ratio(rtt.sproxy.node.p50us, rtt.sproxy.c.p50us),
      sproxyVsTcpRttP50C: ratio(rtt.sproxy.c.p50us, rtt.tcp.c.p50us),
      batchVsSingle: ratio(oneway.batched, oneway.single),
    },
    eproxy: {
      rr: {
        p50us: { on: base.tc.p50us, off: base.off.p50us, xdpTc: base.xdpTc.p50us },
        p99us: { on: base.tc.p99us, off: base.off.p99us, xdpTc: base.xdpTc.p99us },
        tool: 'sockperf ping-pong UDP, --full-rtt, client ns -> gateway ns',
      },
      throughputGbps: { on: base.tc.gbps, off: base.off.gbps, xdpTc: base.xdpTc.gbps, tool: 'iperf3 TCP, one stream' },
      defaultMode: 'tc (Eproxy.attachVeth: tcx ingress + bpf_redirect_peer)',
      variants: VARIANTS,
      byRules: Object.fromEntries(ep.map(({ rules, ...rest }) => [`n${rules}`, rest])),
      rules: 'per host veth: FORWARD -> chain of N non-matching filter rules + conntrack INVALID check; PREROUTING -> chain of N DNAT service rules',
      forwardPacketsWithEproxyOn: ep.reduce((a, e) => a + e.tc.forwardedByHost + e.xdpTc.forwardedByHost, 0),
      xdpMode: 'native (veth peers: GRO on, tx checksum offload off)',
    },
    rounds: ROUNDS,
    rttIterationsPerRound: RTT_ITERS,
    eproxySecondsPerRun: EPROXY_SECS,
    loadAfter: loadavg().map((x) => Number(x.toFixed(2))),
  };
  const row = (name: string, r: { p50us: number; p99us: number }, vs: number) => ({ transport: name, 'rtt p50 us': r.p50us, 'rtt p99 us': r.p99us, 'vs TCP (same impl) p50': ratio(r.p50us, vs) });
  printTable([
    row('SPROXY, Node fast path', rtt.sproxy.node, rtt.tcp.node.p50us),
    row('TCP loopback, Node fast path', rtt.tcp.node, rtt.tcp.node.p50us),
    row('Unix socket, Node fast path', rtt.unix.node, rtt.tcp.node.p50us),
    row('SPROXY, Node streams', rtt.sproxy.nodeStream, rtt.tcp.nodeStream.p50us),
    row('TCP loopback, Node streams', rtt.tcp.nodeStream, rtt.tcp.nodeStream.p50us),
    row('Unix socket, Node streams', rtt.unix.nodeStream, rtt.tcp.nodeStream.p50us),
    row('SPROXY, C', rtt.sproxy.c, rtt.tcp.c.p50us),
    row('TCP loopback, C', rtt.tcp.c, rtt.tcp.c.p50us),
    row('Unix socket, C', rtt.unix.c, rtt.tcp.c.p50us),
    row('pipe, C (wake-up floor)', rtt.pipeC, rtt.tcp.c.p50us),
  ], 'Descriptor round trip between two processes (one 16-byte descriptor in flight)');
  console.log(`SK_MSG program (sproxy_msg): ${rtt.cost.nsPerVerdict} ns per verdict over ${rtt.cost.verdicts} verdicts`);
  printTable([
    { sends: 'single (1 per write)', 'descriptors/s (median)': data.sproxy.oneway.singlePerSec },
    { sends: 'batched (256 per write)', 'descriptors/s (median)': data.sproxy.oneway.batchPerSec },
  ], 'SPROXY one-way, with credit flow control');
  printTable(ep.flatMap((e) => (['off', 'tc', 'xdpTc'] as const).map((v) => ({
    'host rules': e.rules, eproxy: v, 'rr p50 us': e[v].p50us, 'rr p99 us': e[v].p99us, 'TCP Gbit/s': e[v].gbps,
    'p50 vs off': ratio(e[v].p50us, e.off.p50us), 'Gbit/s vs off': ratio(e[v].gbps, e.off.gbps), 'host FORWARD pkts': e[v].forwardedByHost,
  }))), 'EPROXY across client ns -> host -> gateway ns (off = host forwarding through the rule set)');
  console.log(writeResult('ebpf', 'bench', data, { loadBefore }));
  for (const p of plots(rtt, ep)) console.log(p);
} finally {
  bar.stop();
  killChildren();
}
