// AF_XDP N3 receive through a real veth in network namespaces: GTP-U from the generator is
// steered by the XDP program into the AF_XDP socket and forwarded to N6; ping (ICMP/ARP) still
// reaches the kernel; the program is gone after destroy. Needs root (netns, XDP).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeDir, workspaceRoot } from '@fastpath/native';
import { anyRule, Dim, Kind } from '@fastpath/pdrcls';
import { ipv4ToInt } from '@fastpath/pfcp';
import { Action, cookie, Datapath, Iface, UpfDpError } from '../src/datapath.ts';
import { benchTopology, type BenchTopology } from '../bench/netns.ts';

const GEN = join(nativeDir(), 'upf-dp-gen');
const OBJ = join(workspaceRoot, 'dist/bpf/upf_xsk.bpf.o');
const root = process.getuid?.() === 0;
const missing = !root ? 'needs root' : !existsSync(GEN) ? `${GEN} missing (nx run native-upf-dp:build)` : !existsSync(OBJ) ? `${OBJ} missing (nx run bpf:build)` : '';
const UE = ipv4ToInt('10.64.0.1');
const TEID = 0x10000;

describe.skipIf(missing !== '')(`AF_XDP N3 receive ${missing}`, () => {
  let t: BenchTopology;
  beforeAll(() => {
    t = benchTopology('10.64.0.0/24');
  });
  afterAll(() => t?.destroy());

  const link = () => JSON.parse(execFileSync('ip', ['-n', t.dn, '-j', '-s', 'link', 'show', 'dev', t.dnIf], { encoding: 'utf8' }))[0];
  const dnMac = (): string => link().address;
  const dnRx = (): number => link().stats64.rx.packets;
  const xdpOn = () => execFileSync('ip', ['-n', t.upf, 'link', 'show', 'dev', t.n3], { encoding: 'utf8' }).includes('xdp');

  it('forwards GTP-U received by AF_XDP to N6; other traffic still reaches the kernel; detached on destroy', () => {
    const dp = Datapath.create({ kind: Kind.PS, expectedSessions: 4, maxSlots: 16, bufferPool: 0, defaultBuffer: 4 });
    try {
      expect(() => dp.openXsk({ netns: t.upf, ifname: t.n3 })).toThrow(UpfDpError); // open() first
      dp.sessionAdd(1n, TEID, UE);
      const far = dp.farSet(-1, { seid: 1n, farId: 1, action: Action.FORW, dstIface: Iface.Core });
      const r = anyRule(1 << 8, 1, cookie(far, -1, -1, true));
      r.lo[Dim.TEID] = r.hi[Dim.TEID] = TEID;
      dp.rulesApply(1n, [r]);
      dp.open({ netns: t.upf, n3Addr: '192.168.3.1', n3Port: 2152, n6Ifname: t.n6 });
      expect(dp.ioMode()).toBe('socket');
      expect(() => dp.openXsk({ netns: t.upf, ifname: t.n3, bpfObject: '/nonexistent.o' })).toThrow(/XDP object/);
      expect(dp.ioMode()).toBe('socket'); // a failed attempt leaves the socket path in place
      dp.openXsk({ netns: t.upf, ifname: t.n3 });
      expect(dp.ioMode()).toBe('xdp-native'); // veth has native XDP
      expect(xdpOn()).toBe(true);
      // N6 out through AF_PACKET (qdisc bypass) straight to the data network's MAC
      expect(() => dp.setN6Nexthop('zz:00')).toThrow(/not a MAC/);
      dp.setN6Nexthop(dnMac());
      const dnRx0 = dnRx();
      dp.start();
      const out = execFileSync('ip', ['netns', 'exec', t.gnb, GEN, 'gtpu', '192.168.3.1', '2152', '1', String(TEID), '10.64.0.1', '192.168.6.2', '0.3'], { encoding: 'utf8' });
      const sent = Number(/sent (\d+)/.exec(out)![1]);
      expect(sent).toBeGreaterThan(0);
      execFileSync('ip', ['netns', 'exec', t.gnb, 'ping', '-c', '1', '-W', '5', '192.168.3.1']); // ICMP + ARP pass to the stack
      const deadline = Date.now() + 10_000;
      while (dp.stats().rxN3 < sent && Date.now() < deadline) execFileSync('sleep', ['0.05']);
      // rx is counted when a batch is classified, tx after it was sent: let the last batch finish
      const settled = () => {
        const x = dp.stats();
        return x.txN6 + x.drops['tx-error'] >= x.rxN3;
      };
      while (!settled() && Date.now() < deadline + 5000) execFileSync('sleep', ['0.05']);
      const s = dp.stats();
      expect(s.rxN3).toBeGreaterThan(0);
      expect(s.txN6 + s.drops['tx-error']).toBe(s.rxN3); // every packet received was classified and sent on
      expect(s.drops.malformed).toBe(0);
      expect(s.txN6).toBeGreaterThan(0);
      expect(dnRx() - dnRx0).toBeGreaterThanOrEqual(s.txN6); // they arrived at the DN end of the veth
      dp.stop();
    } finally {
      dp.destroy();
    }
    expect(xdpOn()).toBe(false);
  });

  it('sends uplink through an AF_XDP socket on N6 (shared UMEM), downlink GTP-U through N3 AF_XDP; l2fwd floor mode forwards untouched', () => {
    const dp = Datapath.create({ kind: Kind.PS, expectedSessions: 4, maxSlots: 16, bufferPool: 0, defaultBuffer: 4 });
    try {
      dp.sessionAdd(1n, TEID, UE);
      const far = dp.farSet(-1, { seid: 1n, farId: 1, action: Action.FORW, dstIface: Iface.Core });
      const dlFar = dp.farSet(-1, { seid: 1n, farId: 2, action: Action.FORW, dstIface: Iface.Access, ohcGtpu: true, teid: 0x4000, peerIp4: ipv4ToInt('192.168.3.2'), pdrId: 2 });
      const r = anyRule(1 << 8, 1, cookie(far, -1, -1, true));
      r.lo[Dim.SRC_IFACE] = r.hi[Dim.SRC_IFACE] = 0;
      r.lo[Dim.TEID] = r.hi[Dim.TEID] = TEID;
      const d = anyRule(2 << 8, 1, cookie(dlFar, -1, -1, false));
      d.lo[Dim.SRC_IFACE] = d.hi[Dim.SRC_IFACE] = 1;
      d.lo[Dim.UE_IP4] = d.hi[Dim.UE_IP4] = UE;
      dp.rulesApply(1n, [r, d]);
      dp.open({ netns: t.upf, n3Addr: '192.168.3.1', n3Port: 2152, n6Ifname: t.n6 });
      dp.openXsk({ netns: t.upf, ifname: t.n3 });
      expect(() => dp.setXskTx({ netns: t.upf, n6Ifname: t.n6, n6: true, n3: true })).toThrow(/ENOENT/); // no N6 next hop yet
      dp.setN6Nexthop(dnMac());
      dp.setXskTx({ netns: t.upf, n6Ifname: t.n6, n6: true, n3: true });
      expect(dp.xskTx()).toEqual({ n6: true, n3: true });
      const wait = (cond: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!cond() && Date.now() < deadline) execFileSync('sleep', ['0.05']);
      };
      const gnbMac = JSON.parse(execFileSync('ip', ['-n', t.upf, '-j', 'link', 'show', 'dev', t.n3], { encoding: 'utf8' }))[0].address;
      const gnbIf = `${t.gnb.slice(0, -1)}g0`;
      const gnbRx = (): number => JSON.parse(execFileSync('ip', ['-n', t.gnb, '-j', '-s', 'link', 'show', 'dev', gnbIf], { encoding: 'utf8' }))[0].stats64.rx.packets;
      // uplink: the fast generator (AF_XDP TX frames) -> AF_XDP N3 -> AF_XDP N6
      const dnRx0 = dnRx();
      dp.start();
      const out = execFileSync('ip', ['netns', 'exec', t.gnb, GEN, 'l2', 'xsk', gnbIf, gnbMac, '1', '0.3', 'gtpu', '192.168.3.2', '192.168.3.1', '2152', String(TEID), '10.64.0.1', '192.168.6.2'], { encoding: 'utf8' });
      const sent = Number(/sent (\d+)/.exec(out)![1]);
      expect(sent).toBeGreaterThan(0);
      wait(() => dp.stats().txN6 + dp.stats().drops['tx-error'] >= dp.stats().rxN3 && dp.stats().rxN3 > 0);
      let s = dp.stats();
      expect(s.rxN3).toBeGreaterThan(0);
      expect(s.drops.malformed).toBe(0);
      expect(s.txN6 + s.drops['tx-error']).toBe(s.rxN3);
      wait(() => dnRx() - dnRx0 >= s.txN6);
      expect(dnRx() - dnRx0).toBeGreaterThanOrEqual(s.txN6); // arrived at the DN end of the veth
      // downlink: DN -> N6 AF_PACKET -> GTP-U built in a UMEM frame -> N3 AF_XDP TX to the learned gNB MAC
      const gnbRx0 = gnbRx();
      const tx3 = s.txN3;
      execFileSync('ip', ['netns', 'exec', t.dn, GEN, 'l2', 'packet', t.dnIf, JSON.parse(execFileSync('ip', ['-n', t.upf, '-j', 'link', 'show', 'dev', t.n6], { encoding: 'utf8' }))[0].address, '1', '0.2', 'ip', '192.168.6.2', '10.64.0.1', '40000']);
      wait(() => dp.stats().txN3 > tx3 && gnbRx() - gnbRx0 >= dp.stats().txN3 - tx3);
      s = dp.stats();
      expect(s.txN3).toBeGreaterThan(tx3);
      expect(gnbRx() - gnbRx0).toBeGreaterThanOrEqual(s.txN3 - tx3);
      dp.stop();
      // the floor: frames from N3 straight to N6, no pipeline (lookups do not move)
      dp.benchL2fwd(true);
      const before = dp.stats();
      dp.start();
      execFileSync('ip', ['netns', 'exec', t.gnb, GEN, 'l2', 'xsk', gnbIf, gnbMac, '1', '0.2', 'gtpu', '192.168.3.2', '192.168.3.1', '2152', String(TEID), '10.64.0.1', '192.168.6.2']);
      wait(() => dp.stats().rxN3 > before.rxN3 && dp.stats().txN6 - before.txN6 + dp.stats().drops['tx-error'] - before.drops['tx-error'] >= dp.stats().rxN3 - before.rxN3);
      dp.stop();
      const after = dp.stats();
      expect(after.rxN3 - before.rxN3).toBeGreaterThan(0);
      expect(after.txN6 - before.txN6 + after.drops['tx-error'] - before.drops['tx-error']).toBe(after.rxN3 - before.rxN3);
      expect(after.lookups).toBe(before.lookups);
    } finally {
      dp.destroy();
    }
    expect(xdpOn()).toBe(false);
  });
});
