// EPROXY across client ns — host — gateway ns: request/response latency (sockperf UDP ping-pong)
// and TCP throughput (iperf3) with the host stack forwarding (off) and with EPROXY's two attach
// modes, under host netfilter rule sets of N rules: a policy chain of N non-matching filter rules
// ending in a conntrack state check (per packet, in FORWARD) and N DNAT service rules in nat
// PREROUTING (per new connection), as kube-proxy/iptables-based CNIs install them. EPROXY
// redirects at tc ingress / XDP, before PREROUTING, so it skips all of it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { Eproxy } from '../src/index.ts';
import { createTopology, inNs, type Topology } from '../test/topology.ts';

export type Variant = 'off' | 'tc' | 'xdpTc';
export const VARIANTS: Record<Variant, string> = {
  off: 'host IP forwarding (netfilter, conntrack)',
  tc: 'EPROXY default: tcx ingress on both host veths, bpf_redirect_peer both ways',
  xdpTc: 'native XDP on the client-side host veth (devmap redirect) + tcx on the gateway side',
};
export interface Sample { p50us: number; p99us: number; gbps: number; forwarded: number }

/** Attaches EPROXY as `variant` says; undefined for 'off'. */
function attach(v: Variant, t: Topology): Eproxy | undefined {
  if (v === 'off') return undefined;
  const e = Eproxy.load();
  try {
    if (v === 'tc') {
      e.attachVeth(t.hostClient);
      e.attachVeth(t.hostGateway);
    } else {
      e.attachXdp(t.hostClient, { mode: 'native' });
      e.allowXdpEgress(t.hostGateway);
      e.attachVeth(t.hostGateway);
      e.setTcEgress(t.hostClient, 'peer');
    }
    return e;
  } catch (err) {
    e.dispose();
    throw err;
  }
}

/** One measurement: latency then throughput, with the variant attached for both. */
export function measure(t: Topology, v: Variant, secs: number): Sample {
  const e = attach(v, t);
  try {
    const f0 = t.forwardPackets();
    const rr = inNs(t.clientNs, ['sockperf', 'pp', '-i', t.gatewayIp, '-p', '11111', '-t', String(secs), '--full-rtt'], (secs + 30) * 1000);
    const pct = (p: string) => Number(new RegExp(`percentile ${p} =\\s*([\\d.]+)`).exec(rr)![1]);
    const ip = JSON.parse(inNs(t.clientNs, ['iperf3', '-c', t.gatewayIp, '-t', String(Math.max(1, secs - 1)), '-J'], (secs + 30) * 1000));
    return { p50us: pct('50.000'), p99us: pct('99.000'), gbps: ip.end.sum_received.bits_per_second / 1e9, forwarded: t.forwardPackets() - f0 };
  } finally {
    e?.dispose();
  }
}

/** Installs the N-rule sets for this topology's two host veths; returns their removal. */
export function installRules(t: Topology, n: number): () => void {
  if (n === 0) return () => {};
  const f = `${t.tag}F`;
  const nat = `${t.tag}N`;
  const ip = (i: number, net: number) => `198.${net}.${(i >> 8) & 255}.${i & 255}`;
  const lines = ['*filter', `:${f} - [0:0]`];
  for (let i = 0; i < n; i++) lines.push(`-A ${f} -s ${ip(i, 18)}/32 -d ${ip(i, 19)}/32 -p tcp --dport ${1024 + (i % 60000)} -j DROP`);
  lines.push(`-A ${f} -m conntrack --ctstate INVALID -j DROP`);
  for (const dev of [t.hostClient, t.hostGateway]) lines.push(`-I FORWARD 1 -i ${dev} -j ${f}`);
  lines.push('COMMIT', '*nat', `:${nat} - [0:0]`);
  for (let i = 0; i < n; i++) lines.push(`-A ${nat} -d ${ip(i, 19)}/32 -p tcp --dport 80 -j DNAT --to-destination ${t.gatewayIp}:${1024 + (i % 60000)}`);
  for (const dev of [t.hostClient, t.hostGateway]) lines.push(`-I PREROUTING 1 -i ${dev} -j ${nat}`);
  lines.push('COMMIT', '');
  const remove = () => {
    for (const dev of [t.hostClient, t.hostGateway]) {
      spawnSync('iptables', ['-D', 'FORWARD', '-i', dev, '-j', f]);
      spawnSync('iptables', ['-t', 'nat', '-D', 'PREROUTING', '-i', dev, '-j', nat]);
    }
    for (const [table, chain] of [['filter', f], ['nat', nat]]) {
      spawnSync('iptables', ['-t', table, '-F', chain]);
      spawnSync('iptables', ['-t', table, '-X', chain]);
    }
  };
  try {
    execFileSync('iptables-restore', ['--noflush'], { input: lines.join('\n'), timeout: 300_000, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}

/** The topology with sockperf and iperf3 servers in the gateway ns; `close()` removes it all. */
export async function eproxyLab(tag: string): Promise<{ topo: Topology; close: () => void }> {
  const topo = createTopology(tag);
  const servers = [
    spawn('ip', ['netns', 'exec', topo.gatewayNs, 'sockperf', 'sr', '-i', topo.gatewayIp, '-p', '11111'], { stdio: 'ignore' }),
    spawn('ip', ['netns', 'exec', topo.gatewayNs, 'iperf3', '-s', '-B', topo.gatewayIp], { stdio: 'ignore' }),
  ];
  const close = () => {
    for (const s of servers) s.kill('SIGKILL');
    topo.destroy();
  };
  try {
    // Bounded wait until both servers answer (sockperf: a 1 s ping-pong; iperf3: a 1 s run).
    for (let i = 0; ; i++) {
      try {
        measure(topo, 'off', 1);
        break;
      } catch (err) {
        if (i >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } catch (err) {
    close();
    throw err;
  }
  return { topo, close };
}
