// EPROXY in a real netns topology (client ns — host — gateway ns): with it on, packets bypass
// the host forward path (iptables FORWARD counters stay 0) and its counters match what was sent.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '@fastpath/metrics';
import { Eproxy, exportEproxyMetrics, ifindex } from '../src/index.ts';
import { isRoot, notRootReason, programsLeft } from './helpers.ts';
import { createTopology, inNs, type Topology } from './topology.ts';
import { leftovers } from './netns.ts';

describe.skipIf(!isRoot)(`EPROXY XDP/tc forwarding (${isRoot ? 'root' : notRootReason})`, () => {
  let t: Topology;
  const ids: number[] = [];
  beforeAll(() => {
    t = createTopology();
  });
  afterAll(async () => {
    t?.destroy();
    expect(leftovers()).toEqual([]);
    expect(await programsLeft(ids)).toEqual([]);
  });

  const ping = (n: number, to = t.gatewayIp) => {
    const out = inNs(t.clientNs, ['ping', '-q', '-c', String(n), '-i', '0.002', '-W', '1', to]);
    return Number(/(\d+) received/.exec(out)![1]);
  };
  /** The hop limit / TTL of the gateway's echo reply as the client sees it (64 minus hops). */
  const replyTtl = (to: string) => Number(/ttl=(\d+)/.exec(inNs(t.clientNs, ['ping', '-c', '1', '-W', '2', to]))![1]);

  it('without EPROXY, forwarded traffic goes through the host stack (FORWARD counters grow)', () => {
    const f0 = t.forwardPackets();
    expect(ping(50)).toBe(50);
    expect(t.forwardPackets() - f0).toBe(100); // 50 requests + 50 replies
  });

  it('with EPROXY on, ping and TCP flow, FORWARD stays at 0, and the counters match the packets sent', async () => {
    using e = Eproxy.load();
    ids.push(e.object.program('eproxy_xdp').id, e.object.program('eproxy_tc_ingress').id);
    e.attachXdp(t.hostClient, { mode: 'native' });
    e.allowXdpEgress(t.hostGateway);
    e.attachTc(t.hostGateway);
    e.setTcEgress(t.hostClient, 'peer');
    const f0 = t.forwardPackets();

    expect(ping(200)).toBe(200);
    expect(t.forwardPackets() - f0).toBe(0);
    const toGateway = e.counter(t.hostClient)!;
    const toClient = e.counter(t.hostGateway)!;
    expect(toGateway.redirected).toBe(200n); // echo requests, by XDP
    expect(toClient.redirected).toBe(200n); // echo replies, by tc + redirect_peer
    expect(toGateway.redirectedBytes).toBe(200n * 98n); // 14 eth + 20 ip + 8 icmp + 56 payload

    // Prometheus view of the same per-CPU map.
    const reg = createRegistry('fastpath_test_');
    exportEproxyMetrics(reg, e);
    const text = await reg.metrics();
    expect(text).toContain(`fastpath_eproxy_redirected_total{ifindex="${ifindex(t.hostClient)}"} 200`);
    expect(text).toContain(`fastpath_eproxy_redirected_total{ifindex="${ifindex(t.hostGateway)}"} 200`);

    // TCP across it (iperf3, 1 s).
    const server = spawn('ip', ['netns', 'exec', t.gatewayNs, 'iperf3', '-s', '-1', '-B', t.gatewayIp], { stdio: 'ignore' });
    try {
      // wait until it listens (a fixed sleep races a slow start on a loaded machine)
      const until = Date.now() + 10_000;
      while (!/:5201\b/.test(inNs(t.gatewayNs, ['ss', '-Hltn'])) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const out = JSON.parse(inNs(t.clientNs, ['iperf3', '-c', t.gatewayIp, '-t', '1', '-J']));
      expect(out.end.sum_received.bytes).toBeGreaterThan(1_000_000);
    } finally {
      server.kill('SIGKILL');
    }
    expect(t.forwardPackets() - f0).toBe(0);
  });

  it('forwards IPv6 too: FIB lookup AF_INET6, hop limit decremented, FORWARD stays 0, counters exact', async () => {
    if (t.stackForwardsIpv6) {
      const f0 = t.forwardPackets();
      expect(ping(20, t.gatewayIp6)).toBe(20);
      expect(t.forwardPackets() - f0).toBe(40);
    }
    using e = Eproxy.load();
    ids.push(e.object.program('eproxy_xdp').id, e.object.program('eproxy_tc_ingress').id);
    e.attachXdp(t.hostClient, { mode: 'native' });
    e.allowXdpEgress(t.hostGateway);
    e.attachVeth(t.hostGateway);
    e.setTcEgress(t.hostClient, 'peer');
    const f0 = t.forwardPackets();
    expect(replyTtl(t.gatewayIp6)).toBe(63); // one hop: the reply's hop limit went 64 -> 63 in EPROXY
    const before = [e.counter(t.hostClient)?.redirected ?? 0n, e.counter(t.hostGateway)?.redirected ?? 0n];
    expect(ping(200, t.gatewayIp6)).toBe(200);
    expect(t.forwardPackets() - f0).toBe(0);
    const toGateway = e.counter(t.hostClient)!;
    expect(toGateway.redirected - before[0]).toBe(200n); // echo requests, by XDP
    expect(e.counter(t.hostGateway)!.redirected - before[1]).toBe(200n); // replies, by tc + redirect_peer
    expect(toGateway.redirectedBytes).toBe(201n * 118n); // 14 eth + 40 ipv6 + 8 icmpv6 + 56 payload
  });

  it('the default attach mode (attachVeth: tcx + redirect_peer) forwards both families past FORWARD', () => {
    using e = Eproxy.load();
    ids.push(e.object.program('eproxy_xdp').id, e.object.program('eproxy_tc_ingress').id);
    expect(e.attachVeth(t.hostClient).via).toBe('tcx');
    e.attachVeth(t.hostGateway);
    const f0 = t.forwardPackets();
    expect(ping(50)).toBe(50);
    expect(ping(50, t.gatewayIp6)).toBe(50);
    expect(replyTtl(t.gatewayIp)).toBe(63);
    expect(t.forwardPackets() - f0).toBe(0);
    expect(e.counter(t.hostClient)!.redirected).toBe(101n);
    expect(e.counter(t.hostGateway)!.redirected).toBe(101n);
  });

  it('after dispose nothing is attached and traffic takes the stack again', async () => {
    expect(await programsLeft(ids)).toEqual([]);
    const f0 = t.forwardPackets();
    expect(ping(10)).toBe(10);
    expect(t.forwardPackets() - f0).toBe(20);
  });
});
