// The koffi binding of native/upf-dp: every exported function, on real packets, without sockets.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anyRule, Dim, kindName } from '@fastpath/pdrcls';
import { decodeGtpu, encodeGtpu, GtpuType, ipv4ToIntForTest, udpPacket } from './helpers.ts';
import { Action, cookie, Datapath, dropName, EventType, Iface, strerror, upfDpAbiVersion, UpfDpError } from '../src/datapath.ts';
import { runUnderAsan } from '@fastpath/native/testing';
import { workspaceRoot } from '@fastpath/native';

const UE = ipv4ToIntForTest('10.60.0.1');
const GNB = ipv4ToIntForTest('192.168.3.2');

function session(dp: Datapath) {
  dp.sessionAdd(7n, 0x100, UE);
  const ul = dp.farSet(-1, { seid: 7n, farId: 1, action: Action.FORW, dstIface: Iface.Core });
  const dl = dp.farSet(-1, { seid: 7n, farId: 2, action: Action.FORW, dstIface: Iface.Access, ohcGtpu: true, teid: 0x200, peerIp4: GNB, qfi: 9, pdrId: 2 });
  const urr = dp.urrSet(-1, { seid: 7n, urrId: 5, volumeThreshold: 150n });
  const up = anyRule(1, 10, cookie(ul, -1, urr, true));
  up.lo[Dim.SRC_IFACE] = up.hi[Dim.SRC_IFACE] = 0;
  up.lo[Dim.TEID] = up.hi[Dim.TEID] = 0x100;
  const down = anyRule(2, 10, cookie(dl, -1, urr, false));
  down.lo[Dim.SRC_IFACE] = down.hi[Dim.SRC_IFACE] = 1;
  down.lo[Dim.UE_IP4] = down.hi[Dim.UE_IP4] = UE;
  dp.rulesApply(7n, [up, down]);
  return { ul, dl, urr };
}

describe('upf-dp binding', () => {
  it('reports ABI, error and drop names, and packs cookies', () => {
    expect(upfDpAbiVersion()).toBe(3);
    expect(dropName(2)).toBe('no-session');
    expect(dropName(42)).toBeNull();
    expect(strerror(-2)).toMatch(/./);
    expect(cookie(3, 1, 0, true)).toBe(3n | (2n << 22n) | (1n << 42n) | (1n << 62n));
    expect(() => Datapath.create({ maxSlots: 0 })).toThrow(UpfDpError);
  });

  it('session fast path: entries for single-PDR directions, the same output on and off, gone with the session', () => {
    const dp = Datapath.create({ maxSlots: 16, bufferPool: 8, defaultBuffer: 4 });
    try {
      expect(dp.fastpathEntries()).toBe(0);
      session(dp);
      expect(dp.fastpathEntries()).toBe(2); // uplink by TEID, downlink by UE address
      const ul = encodeGtpu({ type: GtpuType.GPdu, teid: 0x100, payload: udpPacket('10.60.0.1', '192.168.6.2', 40000, 5001, Buffer.alloc(40)) });
      const dl = udpPacket('192.168.6.2', '10.60.0.1', 5001, 40000, Buffer.alloc(40));
      const run = () => {
        expect(dp.inject(Iface.Access, [ul, ul])).toBe(2);
        expect(dp.inject(Iface.Core, [dl])).toBe(1);
        return dp.capture();
      };
      const on = run();
      dp.setFastpath(false);
      const off = run();
      dp.setFastpath(true);
      expect(off).toEqual(on);
      dp.sessionRemove(7n);
      expect(dp.fastpathEntries()).toBe(0);
      expect(dp.inject(Iface.Access, [ul])).toBe(0);
      expect(dp.stats().drops['no-session']).toBe(1);
    } finally {
      dp.destroy();
    }
  });

  it('AF_XDP transmit and the l2fwd floor mode need AF_XDP receive first', () => {
    const dp = Datapath.create({ maxSlots: 16 });
    try {
      expect(dp.xskTx()).toEqual({ n6: false, n3: false });
      expect(() => dp.setXskTx({ n6Ifname: 'lo', n6: true, n3: false })).toThrow(/ENOENT/);
      expect(() => dp.setXskTx({ n6: false, n3: true })).toThrow(/ENOENT/);
      expect(() => dp.setXskTx({ n6: true, n3: false })).toThrow(/EINVAL/); // no N6 interface
      expect(() => dp.benchL2fwd(true)).toThrow(/ENOENT/);
      dp.benchL2fwd(false);
    } finally {
      dp.destroy();
    }
  });

  it('forwards uplink (decap) and downlink (encap with QFI), counts URR volume and raises a usage event', () => {
    const dp = Datapath.create({ maxSlots: 16, bufferPool: 8, defaultBuffer: 4 });
    try {
      const { dl, urr } = session(dp);
      expect(dp.sessionCount()).toBe(1);
      const inner = udpPacket('10.60.0.1', '192.168.6.2', 40000, 5001, Buffer.alloc(40));
      expect(dp.inject(Iface.Access, [encodeGtpu({ type: GtpuType.GPdu, teid: 0x100, payload: inner, extensions: [{ kind: 'pdu-session', direction: 'ul', qfi: 9 }] })])).toBe(1);
      let out = dp.capture();
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ iface: Iface.Core, dstIp4: ipv4ToIntForTest('192.168.6.2') });
      expect(out[0].data).toEqual(inner);

      const down = udpPacket('192.168.6.2', '10.60.0.1', 5001, 40000, Buffer.alloc(40));
      expect(dp.inject(Iface.Core, [down, down])).toBe(2);
      out = dp.capture();
      expect(out.map((o) => o.iface)).toEqual([Iface.Access, Iface.Access]);
      expect(out[0]).toMatchObject({ dstIp4: GNB, dstPort: 2152 });
      const g = decodeGtpu(out[0].data);
      expect(g).toMatchObject({ type: GtpuType.GPdu, teid: 0x200, extensions: [{ kind: 'pdu-session', direction: 'dl', qfi: 9 }] });
      expect((g as any).payload).toEqual(down);
      // 3 x 68 bytes >= 150: one usage report with the period's counts, then counters restart.
      const ev = dp.pollEvents();
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ type: EventType.Usage, id: 5, seid: 7n });
      expect(ev[0].counts.ulBytes + ev[0].counts.dlBytes).toBe(204n);
      expect(dp.urrRead(urr).totalDlBytes).toBe(136n);
      expect(dp.farBuffered(dl)).toBe(0);
      const st = dp.stats();
      expect(st).toMatchObject({ rxN3: 1, rxN6: 2, txN3: 2, txN6: 1, lookups: 3 });
      expect(st.probes).toBe(0); // single-PDR directions: the session fast path answered, no classifier walk
      dp.setFastpath(false);
      expect(dp.inject(Iface.Core, [down])).toBe(1);
      expect(dp.stats().probes).toBeGreaterThan(0); // PartitionSort searched at least one partition per key
      expect(kindName(st.classifierKind)).toBe('ps');
    } finally {
      dp.destroy();
    }
  });

  it('buffers for an idle UE, notifies once, and releases in order when the FAR forwards again', () => {
    const dp = Datapath.create({ maxSlots: 16, bufferPool: 8, defaultBuffer: 3 });
    try {
      const { dl } = session(dp);
      const far = { seid: 7n, farId: 2, action: Action.BUFF | Action.NOCP, dstIface: Iface.Access, ohcGtpu: true, teid: 0x200, peerIp4: GNB, pdrId: 2 };
      dp.farSet(dl, far);
      const pkts = [1, 2, 3, 4].map((i) => udpPacket('192.168.6.2', '10.60.0.1', 5001, 40000, Buffer.alloc(40, i)));
      expect(dp.inject(Iface.Core, pkts)).toBe(0);
      expect(dp.farBuffered(dl)).toBe(3);
      expect(dp.pollEvents()).toEqual([expect.objectContaining({ type: EventType.DlData, id: 2, seid: 7n })]);
      expect(dp.stats().drops['buffer-full']).toBe(1);
      dp.farSet(dl, { ...far, action: Action.FORW });
      expect(dp.flush()).toBe(3);
      const out = dp.capture().map((c) => (decodeGtpu(c.data) as any).payload as Buffer);
      expect(out).toEqual(pkts.slice(0, 3));
    } finally {
      dp.destroy();
    }
  });

  it('QER gate and MBR drop; FAR/QER/URR delete; session remove; typed errors', () => {
    const dp = Datapath.create({ maxSlots: 16 });
    try {
      const { dl, urr } = session(dp);
      const q = dp.qerSet(-1, { qerId: 1, gateDlClosed: true });
      const down = anyRule(2, 10, cookie(dl, q, -1, false));
      down.lo[Dim.SRC_IFACE] = down.hi[Dim.SRC_IFACE] = 1;
      dp.rulesApply(7n, [down], [2]);
      const pkt = udpPacket('192.168.6.2', '10.60.0.1', 5001, 40000, Buffer.alloc(40));
      expect(dp.inject(Iface.Core, [pkt])).toBe(0);
      dp.qerSet(q, { qerId: 1, mbrDlKbps: 8 });
      expect(dp.inject(Iface.Core, Array(60).fill(pkt))).toBe(Math.floor(3000 / 68));
      expect(dp.stats().drops).toMatchObject({ 'gate-closed': 1, mbr: 60 - 44 });
      dp.qerDel(q);
      dp.urrDel(urr);
      dp.farDel(dl);
      expect(() => dp.farDel(dl)).toThrow(/ENOENT/);
      expect(() => dp.urrRead(urr)).toThrow(UpfDpError);
      expect(() => dp.sessionAdd(7n, 0x100, UE)).toThrow(/EEXIST/);
      dp.sessionRemove(7n);
      expect(dp.sessionCount()).toBe(0);
      expect(() => dp.n3Port()).toThrow(/ENOENT/);
      expect(() => dp.start()).toThrow(/ENOENT/);
      dp.stop();
      expect(() => dp.open({ netns: 'fastpath-no-such-ns', n3Addr: '127.0.0.1', n6Ifname: 'lo' })).toThrow(/enter netns/);
      const b = dp.benchPipeline(Iface.Core, [pkt], 2);
      expect(b.ns).toHaveLength(2);
      expect(dp.benchClassify(Iface.Core, [pkt], 3).ns).toHaveLength(3);
      expect(() => dp.benchClassify(9, [pkt], 1)).toThrow(/EINVAL/);
    } finally {
      dp.destroy();
    }
    expect(() => dp.sessionCount()).toThrow(/destroyed/);
  });

  it('the ASan/UBSan build of the data path runs the same pipeline under node', () => {
    const r = runUnderAsan(join(workspaceRoot, 'apps/upf/test/fixtures/dp-asan.ts'));
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('asan-upf-dp-ok');
  });
});
