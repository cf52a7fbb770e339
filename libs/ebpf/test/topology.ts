// client ns — host — gateway ns, for EPROXY tests and benches. Names carry the pid; the host
// side forwards only on its two veths (per-device forwarding; the global ip_forward is left
// alone), and an iptables FORWARD accounting rule per direction shows whether packets took
// the host's forward path.
import { execFileSync, spawnSync } from 'node:child_process';

export interface Topology {
  tag: string;
  clientNs: string;
  gatewayNs: string;
  /** host-side veths: toward the client, toward the gateway */
  hostClient: string;
  hostGateway: string;
  clientIp: string;
  gatewayIp: string;
  /** packets counted by the iptables FORWARD rules of this topology */
  forwardPackets(): number;
  destroy(): void;
}

const run = (args: string[]) => execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export function createTopology(tag = `fp${process.pid}`): Topology {
  const o = 100 + (process.pid % 100);
  const t = {
    tag,
    clientNs: `${tag}c`,
    gatewayNs: `${tag}g`,
    hostClient: `${tag}hc`,
    hostGateway: `${tag}hg`,
    clientIp: `10.${o}.1.2`,
    gatewayIp: `10.${o}.2.2`,
  };
  const rules = [
    ['-i', t.hostClient, '-o', t.hostGateway, '-m', 'comment', '--comment', tag, '-j', 'ACCEPT'],
    ['-i', t.hostGateway, '-o', t.hostClient, '-m', 'comment', '--comment', tag, '-j', 'ACCEPT'],
  ];
  const destroy = () => {
    for (const r of rules) spawnSync('iptables', ['-D', 'FORWARD', ...r]);
    spawnSync('ip', ['netns', 'del', t.clientNs]);
    spawnSync('ip', ['netns', 'del', t.gatewayNs]);
    spawnSync('ip', ['link', 'del', t.hostClient]);
    spawnSync('ip', ['link', 'del', t.hostGateway]);
  };
  try {
    run(['ip', 'netns', 'add', t.clientNs]);
    run(['ip', 'netns', 'add', t.gatewayNs]);
    run(['ip', 'link', 'add', t.hostClient, 'type', 'veth', 'peer', 'name', 'c0', 'netns', t.clientNs]);
    run(['ip', 'link', 'add', t.hostGateway, 'type', 'veth', 'peer', 'name', 'g0', 'netns', t.gatewayNs]);
    run(['ip', 'addr', 'add', `10.${o}.1.1/24`, 'dev', t.hostClient]);
    run(['ip', 'addr', 'add', `10.${o}.2.1/24`, 'dev', t.hostGateway]);
    for (const d of [t.hostClient, t.hostGateway]) run(['ip', 'link', 'set', d, 'up']);
    for (const [ns, dev, ip, gw] of [[t.clientNs, 'c0', `${t.clientIp}/24`, `10.${o}.1.1`], [t.gatewayNs, 'g0', `${t.gatewayIp}/24`, `10.${o}.2.1`]]) {
      run(['ip', '-n', ns, 'addr', 'add', ip, 'dev', dev]);
      run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      run(['ip', '-n', ns, 'route', 'add', 'default', 'via', gw]);
      // Native XDP redirect into a veth needs NAPI on the receiving peer (GRO on), and the
      // sender must fill in checksums itself (XDP frames lose CHECKSUM_PARTIAL).
      run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', dev, 'gro', 'on', 'tx', 'off']);
    }
    run(['sysctl', '-qw', `net.ipv4.conf.${t.hostClient}.forwarding=1`, `net.ipv4.conf.${t.hostGateway}.forwarding=1`]);
    for (const r of rules) run(['iptables', '-I', 'FORWARD', ...r]);
    // Resolve the host's neighbours first (host-originated, so not FORWARD traffic): then the
    // FIB lookup in EPROXY succeeds from the very first forwarded packet.
    run(['ping', '-c1', '-W2', t.clientIp]);
    run(['ping', '-c1', '-W2', t.gatewayIp]);
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    ...t,
    forwardPackets() {
      const out = run(['iptables', '-L', 'FORWARD', '-v', '-x', '-n']);
      return out.split('\n').filter((l) => l.includes(`/* ${tag} */`)).reduce((s, l) => s + Number(l.trim().split(/\s+/)[0]), 0);
    },
    destroy,
  };
}

/** Runs a command inside a namespace; returns stdout (throws with stderr on failure). */
export function inNs(ns: string, cmd: string[], timeoutMs = 30_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}
