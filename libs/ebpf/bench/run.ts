// ebpf bench: SPROXY descriptor round trip vs TCP loopback vs Unix socket between two Node
// processes, one-way SPROXY descriptors/s (single and batched sends), and EPROXY request/
// response latency and throughput across the netns topology with EPROXY on and off.
// Writes docs/results/ebpf/bench.json. Needs root. A default run takes ~1-2 minutes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { printTable, ratio, summarize, writeResult, type Summary } from '@fastpath/bench';
import { CreditTransport, DescFlag, Eproxy, SproxyManager, encodeDescriptor } from '../src/index.ts';
import { createTopology, inNs } from '../test/topology.ts';

const PEER = join(import.meta.dirname, 'peer.ts');
const ROUNDS = Number(process.env.EBPF_BENCH_ROUNDS ?? 3);
const RTT_ITERS = Number(process.env.EBPF_BENCH_RTT_ITERS ?? 10_000);
const ONEWAY_N = Number(process.env.EBPF_BENCH_ONEWAY_N ?? 200_000);
const EPROXY_SECS = Number(process.env.EBPF_BENCH_EPROXY_SECS ?? 3);
const log = (s: string) => process.stderr.write(`[ebpf bench] ${s}\n`);

if (process.getuid?.() !== 0) {
  console.error('ebpf bench needs root (CAP_BPF + CAP_NET_ADMIN): run it as root');
  process.exit(2);
}

const children: ChildProcess[] = [];
function peer(args: string[], stdio: any[] = ['ignore', 'pipe', 'inherit']): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, ...args], { stdio });
  children.push(child);
  const line = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`peer ${args[0]} exited (${c})`)));
  });
  line.catch(() => {}); // peers that never print a line (fd echo) just exit at the end
  return { child, line };
}

/** Ping-pong of one 16-byte descriptor; returns per-round-trip microseconds. */
function pingPong(s: net.Socket, iters: number, make: (i: number) => Buffer): Promise<Float64Array> {
  const out = new Float64Array(iters);
  return new Promise((resolve, reject) => {
    let i = 0;
    let have = 0;
    let t0 = 0n;
    const send = () => {
      t0 = process.hrtime.bigint();
      s.write(make(i));
    };
    const onData = (b: Buffer) => {
      have += b.length;
      if (have < 16) return;
      have -= 16;
      out[i++] = Number(process.hrtime.bigint() - t0) / 1000;
      if (i === iters) {
        s.off('data', onData);
        resolve(out);
      } else send();
    };
    s.on('data', onData);
    s.once('error', reject);
    send();
  });
}

async function rttBench() {
  const m = await SproxyManager.start();
  const me = await m.createFunctionSocket({ instance: 1, chain: 1, function: 1 });
  const other = await m.createFunctionSocket({ instance: 2, chain: 1, function: 2 });
  peer(['echo', 'fd=3'], ['ignore', 'pipe', 'inherit', other.fd]);
  other.release();
  const sp = me.openHere();
  sp.setNoDelay(true);

  const tcpPeer = peer(['echo']);
  const port = Number((await tcpPeer.line).split(' ')[1]);
  const tcp = net.connect({ port, host: '127.0.0.1' });
  const tcpUp = new Promise((r) => tcp.once('connect', r));
  tcp.setNoDelay(true);
  const dir = mkdtempSync(join(tmpdir(), 'fp-ebpf-bench-'));
  const unixPeer = peer(['echo', `unix=${join(dir, 's')}`]);
  await unixPeer.line;
  const unix = net.connect(join(dir, 's'));
  await Promise.all([tcpUp, new Promise((r) => unix.once('connect', r))]);

  const desc = (i: number) => encodeDescriptor({ instance: 2, chain: 1, flags: 0, object: BigInt(i) });
  const transports: [string, net.Socket][] = [['sproxy', sp], ['tcp', tcp], ['unix', unix]];
  const samples: Record<string, number[]> = { sproxy: [], tcp: [], unix: [] };
  for (const [, s] of transports) await pingPong(s, 2000, desc); // warm-up (JIT, caches)
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, s] of transports) {
      const x = await pingPong(s, RTT_ITERS, desc);
      for (const v of x) samples[name].push(v);
    }
    log(`rtt round ${r + 1}/${ROUNDS} done`);
  }
  const counts = m.metrics();
  sp.destroy();
  tcp.destroy();
  unix.destroy();
  await m.close();
  rmSync(dir, { recursive: true, force: true });
  return { rtt: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)])) as Record<string, Summary>, counts };
}

async function onewayBench() {
  const m = await SproxyManager.start();
  const window = 4096;
  const me = await m.createFunctionSocket({ instance: 11, chain: 2, function: 1 });
  const sink = await m.createFunctionSocket({ instance: 12, chain: 2, function: 2 });
  const p = peer(['sink', 'fd=3', `n=${ONEWAY_N}`, `window=${window}`, 'instance=12', 'chain=2'], ['ignore', 'pipe', 'inherit', sink.fd]);
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
    single.push(await run(1));
    batched.push(await run(256));
    log(`one-way round ${r + 1}/${ROUNDS}: single ${single.at(-1)!.toFixed(0)}/s, batch ${batched.at(-1)!.toFixed(0)}/s`);
  }
  t.close();
  await m.close();
  return { single: summarize(single), batched: summarize(batched) };
}

function sockperfRtt(topo: ReturnType<typeof createTopology>) {
  const out = inNs(topo.clientNs, ['sockperf', 'pp', '-i', topo.gatewayIp, '-p', '11111', '-t', String(EPROXY_SECS), '--full-rtt'], (EPROXY_SECS + 20) * 1000);
  const pct = (p: string) => Number(new RegExp(`percentile ${p} =\\s*([\\d.]+)`).exec(out)![1]);
  return { p50us: pct('50.000'), p99us: pct('99.000'), avgUs: Number(/avg-(?:latency|rtt)=([\d.]+)/.exec(out)![1]) };
}

function iperfGbps(topo: ReturnType<typeof createTopology>) {
  const out = JSON.parse(inNs(topo.clientNs, ['iperf3', '-c', topo.gatewayIp, '-t', String(Math.max(1, EPROXY_SECS - 1)), '-J'], (EPROXY_SECS + 20) * 1000));
  return out.end.sum_received.bits_per_second / 1e9;
}

async function eproxyBench() {
  const topo = createTopology(`fpb${process.pid}`);
  const sp = spawn('ip', ['netns', 'exec', topo.gatewayNs, 'sockperf', 'sr', '-i', topo.gatewayIp, '-p', '11111'], { stdio: 'ignore' });
  const ip = spawn('ip', ['netns', 'exec', topo.gatewayNs, 'iperf3', '-s', '-B', topo.gatewayIp], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const res = {
      on: [] as ReturnType<typeof sockperfRtt>[], off: [] as ReturnType<typeof sockperfRtt>[], tcOnly: [] as ReturnType<typeof sockperfRtt>[],
      gbpsOn: [] as number[], gbpsOff: [] as number[], gbpsTcOnly: [] as number[], forwardOn: 0,
    };
    for (let r = 0; r < 2; r++) {
      res.off.push(sockperfRtt(topo));
      res.gbpsOff.push(iperfGbps(topo));
      const e = Eproxy.load();
      try {
        e.attachXdp(topo.hostClient, { mode: 'native' });
        e.allowXdpEgress(topo.hostGateway);
        e.attachTc(topo.hostGateway);
        e.setTcEgress(topo.hostClient, 'peer');
        const f0 = topo.forwardPackets();
        res.on.push(sockperfRtt(topo));
        res.gbpsOn.push(iperfGbps(topo));
        res.forwardOn += topo.forwardPackets() - f0;
      } finally {
        e.dispose();
      }
      // Variant: tc on both host veths, bpf_redirect_peer straight into the other pod (no XDP).
      const t = Eproxy.load();
      try {
        t.attachTc(topo.hostClient);
        t.attachTc(topo.hostGateway);
        t.setTcEgress(topo.hostClient, 'peer');
        t.setTcEgress(topo.hostGateway, 'peer');
        const f0 = topo.forwardPackets();
        res.tcOnly.push(sockperfRtt(topo));
        res.gbpsTcOnly.push(iperfGbps(topo));
        res.forwardOn += topo.forwardPackets() - f0;
      } finally {
        t.dispose();
      }
      log(`eproxy round ${r + 1}/2: rtt p50 off ${res.off.at(-1)!.p50us} us, on ${res.on.at(-1)!.p50us} us, tc-only ${res.tcOnly.at(-1)!.p50us} us`);
    }
    return res;
  } finally {
    sp.kill('SIGKILL');
    ip.kill('SIGKILL');
    topo.destroy();
  }
}

const median = (xs: number[]) => summarize(xs).p50;

try {
  const loadBefore = loadavg() as [number, number, number];
  log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  const { rtt } = await rttBench();
  const oneway = await onewayBench();
  const ep = await eproxyBench();

  const r2 = (x: number) => Number(x.toFixed(2));
  const data = {
    sproxy: {
      rtt: { p50us: r2(rtt.sproxy.p50), p99us: r2(rtt.sproxy.p99), n: rtt.sproxy.n },
      oneway: { singlePerSec: Math.round(oneway.single.p50), batchPerSec: Math.round(oneway.batched.p50), batchSize: 256, descriptors: ONEWAY_N, window: 4096 },
    },
    tcp: { rtt: { p50us: r2(rtt.tcp.p50), p99us: r2(rtt.tcp.p99), n: rtt.tcp.n } },
    unix: { rtt: { p50us: r2(rtt.unix.p50), p99us: r2(rtt.unix.p99), n: rtt.unix.n } },
    ratios: { sproxyVsTcpRttP50: ratio(rtt.sproxy.p50, rtt.tcp.p50), sproxyVsUnixRttP50: ratio(rtt.sproxy.p50, rtt.unix.p50), batchVsSingle: ratio(oneway.batched.p50, oneway.single.p50) },
    eproxy: {
      rr: {
        p50us: { on: r2(median(ep.on.map((x) => x.p50us))), off: r2(median(ep.off.map((x) => x.p50us))), tcOnly: r2(median(ep.tcOnly.map((x) => x.p50us))) },
        p99us: { on: r2(median(ep.on.map((x) => x.p99us))), off: r2(median(ep.off.map((x) => x.p99us))), tcOnly: r2(median(ep.tcOnly.map((x) => x.p99us))) },
        tool: 'sockperf ping-pong UDP, --full-rtt, client ns -> gateway ns',
      },
      throughputGbps: { on: r2(median(ep.gbpsOn)), off: r2(median(ep.gbpsOff)), tcOnly: r2(median(ep.gbpsTcOnly)), tool: 'iperf3 TCP' },
      variants: { on: 'XDP native on client-side host veth + tc ingress on gateway-side host veth (redirect_peer)', tcOnly: 'tc ingress on both host veths, bpf_redirect_peer both ways', off: 'host IP forwarding' },
      forwardPacketsWithEproxyOn: ep.forwardOn,
      xdpMode: 'native (veth peers: GRO on, tx checksum offload off)',
    },
    rounds: ROUNDS,
    rttIterationsPerRound: RTT_ITERS,
    loadAfter: loadavg().map((x) => Number(x.toFixed(2))),
  };
  printTable([
    { transport: 'SPROXY (sk_msg)', 'rtt p50 us': data.sproxy.rtt.p50us, 'rtt p99 us': data.sproxy.rtt.p99us, 'vs TCP p50': data.ratios.sproxyVsTcpRttP50 },
    { transport: 'TCP loopback', 'rtt p50 us': data.tcp.rtt.p50us, 'rtt p99 us': data.tcp.rtt.p99us, 'vs TCP p50': 1 },
    { transport: 'Unix socket', 'rtt p50 us': data.unix.rtt.p50us, 'rtt p99 us': data.unix.rtt.p99us, 'vs TCP p50': ratio(rtt.unix.p50, rtt.tcp.p50) },
  ], 'Descriptor round trip between two Node processes');
  printTable([
    { sends: 'single (1 per write)', 'descriptors/s (median)': data.sproxy.oneway.singlePerSec },
    { sends: 'batched (256 per write)', 'descriptors/s (median)': data.sproxy.oneway.batchPerSec },
  ], 'SPROXY one-way, with credit flow control');
  printTable([
    { eproxy: 'off (host stack)', 'rr p50 us': data.eproxy.rr.p50us.off, 'rr p99 us': data.eproxy.rr.p99us.off, 'TCP Gbit/s': data.eproxy.throughputGbps.off, 'vs off p50': 1 },
    { eproxy: 'on (XDP + tc)', 'rr p50 us': data.eproxy.rr.p50us.on, 'rr p99 us': data.eproxy.rr.p99us.on, 'TCP Gbit/s': data.eproxy.throughputGbps.on, 'vs off p50': ratio(data.eproxy.rr.p50us.on, data.eproxy.rr.p50us.off) },
    { eproxy: 'on (tc only, redirect_peer)', 'rr p50 us': data.eproxy.rr.p50us.tcOnly, 'rr p99 us': data.eproxy.rr.p99us.tcOnly, 'TCP Gbit/s': data.eproxy.throughputGbps.tcOnly, 'vs off p50': ratio(data.eproxy.rr.p50us.tcOnly, data.eproxy.rr.p50us.off) },
  ], 'EPROXY across client ns -> host -> gateway ns');
  console.log(writeResult('ebpf', 'bench', data, { loadBefore }));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
