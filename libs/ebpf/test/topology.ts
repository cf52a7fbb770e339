// client ns — host — gateway ns, dual stack, for EPROXY tests and benches. Names carry the pid;
// the host side forwards only on its two veths (per-device forwarding, IPv6 through
// force_forwarding where the kernel has it; the global switches are left alone), and an
// iptables/ip6tables FORWARD accounting rule per direction shows whether packets took the
// host's forward path.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Topology {
  tag: string;
  clientNs: string;
  gatewayNs: string;
  /** host-side veths: toward the client, toward the gateway */
  hostClient: string;
  hostGateway: string;
  clientIp: string;
  gatewayIp: string;
  clientIp6: string;
  gatewayIp6: string;
  /** whether the host stack forwards IPv6 between the veths (needs force_forwarding, 6.17+) */
  stackForwardsIpv6: boolean;
  /** packets counted by the iptables and ip6tables FORWARD rules of this topology */
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
    clientIp6: `fd00:${o}:1::2`,
    gatewayIp6: `fd00:${o}:2::2`,
  };
  const stackForwardsIpv6 = existsSync('/proc/sys/net/ipv6/conf/lo/force_forwarding');
  const rules = [
    ['-i', t.hostClient, '-o', t.hostGateway, '-m', 'comment', '--comment', tag, '-j', 'ACCEPT'],
    ['-i', t.hostGateway, '-o', t.hostClient, '-m', 'comment', '--comment', tag, '-j', 'ACCEPT'],
  ];
  const destroy = () => {
    for (const r of rules) for (const cmd of ['iptables', 'ip6tables']) spawnSync(cmd, ['-D', 'FORWARD', ...r]);
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
    run(['ip', 'addr', 'add', `fd00:${o}:1::1/64`, 'dev', t.hostClient, 'nodad']);
    run(['ip', 'addr', 'add', `fd00:${o}:2::1/64`, 'dev', t.hostGateway, 'nodad']);
    for (const d of [t.hostClient, t.hostGateway]) run(['ip', 'link', 'set', d, 'up']);
    for (const [ns, dev, ip, gw, ip6, gw6] of [
      [t.clientNs, 'c0', `${t.clientIp}/24`, `10.${o}.1.1`, `${t.clientIp6}/64`, `fd00:${o}:1::1`],
      [t.gatewayNs, 'g0', `${t.gatewayIp}/24`, `10.${o}.2.1`, `${t.gatewayIp6}/64`, `fd00:${o}:2::1`],
    ]) {
      run(['ip', '-n', ns, 'addr', 'add', ip, 'dev', dev]);
      run(['ip', '-n', ns, 'addr', 'add', ip6, 'dev', dev, 'nodad']);
      run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      run(['ip', '-n', ns, 'route', 'add', 'default', 'via', gw]);
      run(['ip', '-n', ns, '-6', 'route', 'add', 'default', 'via', gw6]);
      // Native XDP redirect into a veth needs NAPI on the receiving peer (GRO on), and the
      // sender must fill in checksums itself (XDP frames lose CHECKSUM_PARTIAL).
      run(['ip', 'netns', 'exec', ns, 'ethtool', '-K', dev, 'gro', 'on', 'tx', 'off']);
    }
    run(['sysctl', '-qw', `net.ipv4.conf.${t.hostClient}.forwarding=1`, `net.ipv4.conf.${t.hostGateway}.forwarding=1`]);
    // IPv6: per-device forwarding is what bpf_fib_lookup checks (EPROXY); the stack itself
    // forwards only with the global switch or, per device, force_forwarding.
    for (const d of [t.hostClient, t.hostGateway]) {
      run(['sysctl', '-qw', `net.ipv6.conf.${d}.forwarding=1`]);
      if (stackForwardsIpv6) run(['sysctl', '-qw', `net.ipv6.conf.${d}.force_forwarding=1`]);
    }
    for (const r of rules) for (const cmd of ['iptables', 'ip6tables']) run([cmd, '-I', 'FORWARD', ...r]);
    // Resolve the host's neighbours first (host-originated, so not FORWARD traffic): then the
    // FIB lookup in EPROXY succeeds from the very first forwarded packet.
    for (const ip of [t.clientIp, t.gatewayIp, t.clientIp6, t.gatewayIp6]) run(['ping', '-c1', '-W2', ip]);
  } catch (e) {
    destroy();
    throw e;
  }
  return {
    ...t,
    stackForwardsIpv6,
    forwardPackets() {
      const out = ['iptables', 'ip6tables'].map((cmd) => run([cmd, '-L', 'FORWARD', '-v', '-x', '-n'])).join('\n');
      return out.split('\n').filter((l) => l.includes(`/* ${tag} */`)).reduce((s, l) => s + Number(l.trim().split(/\s+/)[0]), 0);
    },
    destroy,
  };
}

/** Runs a command inside a namespace; returns stdout (throws with stderr on failure). */
export function inNs(ns: string, cmd: string[], timeoutMs = 30_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}
