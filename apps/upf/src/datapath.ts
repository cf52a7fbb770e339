// koffi binding of native/upf-dp: every exported C function has a typed wrapper here.
import { join } from 'node:path';
import { koffi, loadLibrary, workspaceRoot } from '@fastpath/native';
import { encodeRules, type PdrRule } from '@fastpath/pdrcls';

const ABI = 3;
export const Iface = { Access: 0, Core: 1 } as const;
export const Action = { DROP: 0x01, FORW: 0x02, BUFF: 0x04, NOCP: 0x08 } as const;
export const EventType = { DlData: 1, Usage: 2 } as const;
/** N3 receive I/O as configured (`xdp` lets the kernel pick native, else generic) and as running. */
export type XdpMode = 'xdp' | 'xdp-native' | 'xdp-generic';
export type IoMode = 'socket' | 'xdp-native' | 'xdp-generic';
const IO_MODES: Record<XdpMode, number> = { xdp: 1, 'xdp-native': 2, 'xdp-generic': 3 };

export const DROP_REASONS = ['malformed', 'not-gpdu', 'no-session', 'no-pdr', 'far-drop', 'gate-closed', 'mbr', 'buffer-full', 'no-route', 'tx-error', 'quota'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

const ERR: Record<number, string> = { [-22]: 'EINVAL', [-17]: 'EEXIST', [-2]: 'ENOENT', [-12]: 'ENOMEM', [-28]: 'ENOSPC', [-5]: 'ESYS', [-16]: 'EBUSY' };

/** A negative return from the data path, with its code name (EINVAL, EEXIST, ...). */
export class UpfDpError extends Error {
  constructor(readonly code: string, readonly op: string, detail: string) {
    super(`upf-dp ${op}: ${code} (${detail})`);
    this.name = 'UpfDpError';
  }
}

export interface Far {
  seid: bigint;
  farId: number;
  action: number;
  dstIface: number;
  ohcGtpu?: boolean;
  qfi?: number;
  teid?: number;
  peerIp4?: number;
  peerPort?: number;
  bufferMax?: number;
  pdrId?: number;
}
export interface Qer { qerId: number; gateUlClosed?: boolean; gateDlClosed?: boolean; mbrUlKbps?: number; mbrDlKbps?: number }
/** Times in ns of the data-path clock; 0/undefined = none. See upf_dp.h for the duration rules. */
export interface Urr {
  seid: bigint; urrId: number; volumeThreshold?: bigint; volumeQuota?: bigint;
  timeThresholdNs?: bigint; timeQuotaNs?: bigint; inactivityNs?: bigint;
}
export interface UrrCounts {
  ulBytes: bigint; dlBytes: bigint; ulPkts: bigint; dlPkts: bigint; totalUlBytes: bigint; totalDlBytes: bigint;
  durationNs: bigint; totalDurationNs: bigint; firstNs: bigint; lastNs: bigint;
  /** UPF_TRIG_* bits of an event (Usage Report Trigger octets 5-6 as a 16-bit value). */
  trigger: number; quotaExhausted: boolean;
}
/** Usage Report Trigger bits as the data path reports them (TS 29.244 8.2.41, octet 5 high). */
export const Trig = { VOLTH: 0x0200, TIMTH: 0x0400, VOLQU: 0x0001, TIMQU: 0x0002 } as const;
export interface DpEvent { type: number; id: number; seid: bigint; counts: UrrCounts }
export interface DpStats {
  rxN3: number; rxN6: number; txN3: number; txN6: number;
  buffered: number; flushed: number; echoReplies: number; eventsLost: number; batches: number; lookups: number;
  dpCpuNs: number;
  drops: Record<DropReason, number>;
  /** Classifier work units: rules compared (LL, oracle), tuples probed (TSS, PSTSS), partitions searched (PS). */
  probes: number;
  classifierKind: number;
}
export interface Captured { iface: number; dstIp4: number; dstPort: number; data: Buffer }

function bind() {
  const lib = loadLibrary('fastpath_upf_dp');
  koffi.opaque('upf_dp');
  koffi.struct('upf_far', {
    seid: 'uint64_t', far_id: 'uint32_t', action: 'uint8_t', dst_iface: 'uint8_t', ohc_gtpu: 'uint8_t', qfi: 'uint8_t',
    teid: 'uint32_t', peer_ip4: 'uint32_t', peer_port: 'uint16_t', buffer_max: 'uint16_t', pdr_id: 'uint32_t',
  });
  koffi.struct('upf_qer', { qer_id: 'uint32_t', gate_ul_closed: 'uint8_t', gate_dl_closed: 'uint8_t', reserved: 'uint16_t', mbr_ul_kbps: 'uint64_t', mbr_dl_kbps: 'uint64_t' });
  koffi.struct('upf_urr', {
    seid: 'uint64_t', urr_id: 'uint32_t', reserved: 'uint32_t', volume_threshold: 'uint64_t', volume_quota: 'uint64_t',
    time_threshold_ns: 'uint64_t', time_quota_ns: 'uint64_t', inactivity_ns: 'uint64_t',
  });
  const counts = koffi.struct('upf_urr_counts', {
    ul_bytes: 'uint64_t', dl_bytes: 'uint64_t', ul_pkts: 'uint64_t', dl_pkts: 'uint64_t', total_ul_bytes: 'uint64_t', total_dl_bytes: 'uint64_t',
    duration_ns: 'uint64_t', total_duration_ns: 'uint64_t', first_ns: 'uint64_t', last_ns: 'uint64_t', trigger: 'uint32_t', quota_exhausted: 'uint32_t',
  });
  const event = koffi.struct('upf_event', { type: 'uint32_t', id: 'uint32_t', seid: 'uint64_t', counts });
  koffi.struct('upf_dp_stats', {
    rx_n3: 'uint64_t', rx_n6: 'uint64_t', tx_n3: 'uint64_t', tx_n6: 'uint64_t', buffered: 'uint64_t', flushed: 'uint64_t',
    echo_replies: 'uint64_t', events_lost: 'uint64_t', batches: 'uint64_t', lookups: 'uint64_t', dp_cpu_ns: 'uint64_t',
    drops: koffi.array('uint64_t', DROP_REASONS.length), probes: 'uint64_t', classifier_kind: 'uint32_t', reserved: 'uint32_t',
  });
  const f = {
    abi: lib.func('int upf_dp_abi_version(void)'),
    strerror: lib.func('const char *upf_dp_strerror(int err)'),
    dropName: lib.func('const char *upf_dp_drop_name(int reason)'),
    lastError: lib.func('const char *upf_dp_last_error(upf_dp *dp)'),
    cookie: lib.func('uint64_t upf_dp_cookie(uint32_t far, int32_t qer, int32_t urr, int ohr)'),
    create: lib.func('upf_dp *upf_dp_create(int kind, uint32_t expected, uint32_t max_slots, uint32_t pool, uint32_t dflt)'),
    destroy: lib.func('void upf_dp_destroy(upf_dp *dp)'),
    open: lib.func('int upf_dp_open(upf_dp *dp, const char *netns, const char *n3, uint16_t port, const char *n6)'),
    n3Port: lib.func('int upf_dp_n3_port(upf_dp *dp)'),
    openXsk: lib.func('int upf_dp_open_xsk(upf_dp *dp, const char *netns, const char *ifname, const char *obj, int mode)'),
    ioMode: lib.func('int upf_dp_io_mode(upf_dp *dp)'),
    setN6Nexthop: lib.func('int upf_dp_set_n6_nexthop(upf_dp *dp, const uint8_t *mac)'),
    setXskTx: lib.func('int upf_dp_set_xsk_tx(upf_dp *dp, const char *netns, const char *n6, int which)'),
    xskTx: lib.func('int upf_dp_xsk_tx(upf_dp *dp)'),
    benchL2fwd: lib.func('int upf_dp_bench_l2fwd(upf_dp *dp, int on)'),
    setFastpath: lib.func('int upf_dp_set_fastpath(upf_dp *dp, int on)'),
    fastpathEntries: lib.func('int upf_dp_fastpath_entries(upf_dp *dp)'),
    start: lib.func('int upf_dp_start(upf_dp *dp)'),
    stop: lib.func('int upf_dp_stop(upf_dp *dp)'),
    sessionAdd: lib.func('int upf_dp_session_add(upf_dp *dp, uint64_t seid, uint32_t teid, uint32_t ue)'),
    sessionRemove: lib.func('int upf_dp_session_remove(upf_dp *dp, uint64_t seid)'),
    rulesApply: lib.func('int upf_dp_rules_apply(upf_dp *dp, uint64_t seid, const void *adds, size_t nadd, const uint32_t *dels, size_t ndel)'),
    sessionCount: lib.func('int upf_dp_session_count(upf_dp *dp)'),
    farSet: lib.func('int upf_dp_far_set(upf_dp *dp, int32_t slot, const upf_far *far)'),
    farDel: lib.func('int upf_dp_far_del(upf_dp *dp, int32_t slot)'),
    farBuffered: lib.func('int upf_dp_far_buffered(upf_dp *dp, int32_t slot)'),
    qerSet: lib.func('int upf_dp_qer_set(upf_dp *dp, int32_t slot, const upf_qer *qer)'),
    qerDel: lib.func('int upf_dp_qer_del(upf_dp *dp, int32_t slot)'),
    urrSet: lib.func('int upf_dp_urr_set(upf_dp *dp, int32_t slot, const upf_urr *urr)'),
    urrDel: lib.func('int upf_dp_urr_del(upf_dp *dp, int32_t slot)'),
    urrRead: lib.func('int upf_dp_urr_read(upf_dp *dp, int32_t slot, _Out_ upf_urr_counts *out)'),
    urrTick: lib.func('int upf_dp_urr_tick(upf_dp *dp)'),
    clockSet: lib.func('int upf_dp_clock_set(upf_dp *dp, uint64_t now)'),
    clock: lib.func('uint64_t upf_dp_clock(upf_dp *dp)'),
    pollEvents: lib.func('int upf_dp_poll_events(upf_dp *dp, void *out, int cap)'),
    stats: lib.func('int upf_dp_stats(upf_dp *dp, _Out_ upf_dp_stats *out)'),
    inject: lib.func('int upf_dp_inject(upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n)'),
    capture: lib.func('int upf_dp_capture(upf_dp *dp, _Out_ uint8_t *buf, size_t cap)'),
    flush: lib.func('int upf_dp_flush(upf_dp *dp)'),
    benchPipeline: lib.func('int upf_dp_bench_pipeline(upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n, uint32_t reps, _Out_ uint64_t *ns)'),
    benchClassify: lib.func('int upf_dp_bench_classify(upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n, uint32_t reps, _Out_ uint64_t *ns)'),
    eventSize: koffi.sizeof(event),
    event,
  };
  const got = f.abi() as number;
  if (got !== ABI) throw new Error(`fastpath: upf-dp ABI ${got}, binding expects ${ABI}; rebuild native-upf-dp`);
  return f;
}

let fns: ReturnType<typeof bind> | undefined;
const native = () => (fns ??= bind());

function check(rc: number, op: string, dp?: unknown): number {
  if (rc < 0) {
    const n = native();
    const detail = rc === -5 && dp ? (n.lastError(dp) as string) : (n.strerror(rc) as string);
    throw new UpfDpError(ERR[rc] ?? `E${-rc}`, op, detail);
  }
  return rc;
}

const counts = (c: any): UrrCounts => ({
  ulBytes: BigInt(c.ul_bytes), dlBytes: BigInt(c.dl_bytes), ulPkts: BigInt(c.ul_pkts), dlPkts: BigInt(c.dl_pkts),
  totalUlBytes: BigInt(c.total_ul_bytes), totalDlBytes: BigInt(c.total_dl_bytes),
  durationNs: BigInt(c.duration_ns), totalDurationNs: BigInt(c.total_duration_ns), firstNs: BigInt(c.first_ns), lastNs: BigInt(c.last_ns),
  trigger: c.trigger, quotaExhausted: c.quota_exhausted !== 0,
});

function packets(list: readonly Buffer[]): { buf: Buffer; lens: Uint32Array } {
  return { buf: Buffer.concat(list), lens: Uint32Array.from(list.map((p) => p.length)) };
}

export function upfDpAbiVersion(): number {
  return native().abi() as number;
}
export function dropName(reason: number): string | null {
  return native().dropName(reason) as string | null;
}
export function strerror(code: number): string {
  return native().strerror(code) as string;
}
/** PDR cookie: FAR slot, QER slot (-1 none), URR slot (-1 none), Outer Header Removal. */
export function cookie(farSlot: number, qerSlot = -1, urrSlot = -1, ohr = false): bigint {
  return BigInt(native().cookie(farSlot, qerSlot, urrSlot, ohr ? 1 : 0) as number | bigint);
}

export interface DatapathOptions {
  /** pdrcls classifier kind per session (see @fastpath/pdrcls Kind); default PartitionSort. */
  kind?: number;
  expectedSessions?: number;
  /** Capacity of the FAR, QER and URR tables (each). */
  maxSlots?: number;
  /** Packets that can be buffered in total, and per FAR by default. */
  bufferPool?: number;
  defaultBuffer?: number;
}

export class Datapath {
  private dp: unknown;
  private constructor(dp: unknown) {
    this.dp = dp;
  }

  static create(o: DatapathOptions = {}): Datapath {
    const dp = native().create(o.kind ?? 5, o.expectedSessions ?? 1024, o.maxSlots ?? 65536, o.bufferPool ?? 4096, o.defaultBuffer ?? 64);
    if (!dp) throw new UpfDpError('EINVAL', 'create', `bad options ${JSON.stringify(o)} (maxSlots 1..1048575, defaultBuffer <= 65535) or out of memory`);
    return new Datapath(dp);
  }

  private get h(): unknown {
    if (!this.dp) throw new UpfDpError('EINVAL', 'use', 'data path destroyed');
    return this.dp;
  }

  /** Opens N3 (UDP on n3Addr:n3Port) and N6 (n6Ifname) sockets inside `netns` (path or name under /var/run/netns). */
  open(o: { netns?: string; n3Addr: string; n3Port?: number; n6Ifname: string }): void {
    const ns = o.netns && !o.netns.includes('/') ? `/var/run/netns/${o.netns}` : (o.netns ?? '');
    check(native().open(this.h, ns, o.n3Addr, o.n3Port ?? 2152, o.n6Ifname) as number, 'open', this.h);
  }
  n3Port(): number {
    return check(native().n3Port(this.h) as number, 'n3Port');
  }
  /**
   * After open(): receive N3 through AF_XDP on `ifname` (the XDP program bpf/upf_xsk.bpf.c
   * steers IPv4/UDP to the N3 port into it). mode 'xdp' = native if the driver has it, else generic.
   */
  openXsk(o: { netns?: string; ifname: string; mode?: XdpMode; bpfObject?: string }): void {
    const ns = o.netns && !o.netns.includes('/') ? `/var/run/netns/${o.netns}` : (o.netns ?? '');
    const obj = o.bpfObject ?? join(workspaceRoot, 'dist/bpf/upf_xsk.bpf.o');
    check(native().openXsk(this.h, ns, o.ifname, obj, IO_MODES[o.mode ?? 'xdp']) as number, 'openXsk', this.h);
  }
  /** N6 output through AF_PACKET (qdisc bypass) to this next-hop MAC ("aa:bb:..."); null = raw IPv4 socket. */
  setN6Nexthop(mac: string | null): void {
    if (mac !== null && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new UpfDpError('EINVAL', 'setN6Nexthop', `not a MAC address: ${mac}`);
    const buf = mac === null ? null : Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
    check(native().setN6Nexthop(this.h, buf) as number, 'setN6Nexthop', this.h);
  }
  /**
   * After openXsk(): transmit through AF_XDP. n6: uplink out an AF_XDP socket on `n6Ifname`
   * sharing the N3 UMEM (sent from the frame it arrived in; needs setN6Nexthop() first).
   * n3: downlink GTP-U out the N3 AF_XDP socket to the gNB MAC learned from its uplink (the
   * UDP socket until then). Both false = the sockets again.
   */
  setXskTx(o: { netns?: string; n6Ifname?: string; n6: boolean; n3: boolean }): void {
    const ns = o.netns && !o.netns.includes('/') ? `/var/run/netns/${o.netns}` : (o.netns ?? '');
    check(native().setXskTx(this.h, ns, o.n6Ifname ?? null, (o.n6 ? 1 : 0) | (o.n3 ? 2 : 0)) as number, 'setXskTx', this.h);
  }
  /** Which AF_XDP transmit paths are in effect. */
  xskTx(): { n6: boolean; n3: boolean } {
    const b = check(native().xskTx(this.h) as number, 'xskTx');
    return { n6: (b & 1) !== 0, n3: (b & 2) !== 0 };
  }
  /** Floor measurement: forward N3 AF_XDP frames to the N6 TX ring untouched (no pipeline). Needs setXskTx({ n6: true }). */
  benchL2fwd(on: boolean): void {
    check(native().benchL2fwd(this.h, on ? 1 : 0) as number, 'benchL2fwd');
  }
  /** Session fast path (one cache line per lookup for single-PDR directions); on by default. */
  setFastpath(on: boolean): void {
    check(native().setFastpath(this.h, on ? 1 : 0) as number, 'setFastpath');
  }
  /** Session directions (uplink + downlink) the fast path answers. */
  fastpathEntries(): number {
    return check(native().fastpathEntries(this.h) as number, 'fastpathEntries');
  }
  /** How N3 is received: 'socket' (recvmmsg), 'xdp-native' or 'xdp-generic' (AF_XDP). */
  ioMode(): IoMode {
    const m = check(native().ioMode(this.h) as number, 'ioMode');
    return (['socket', 'xdp', 'xdp-native', 'xdp-generic'] as const)[m] as IoMode;
  }
  start(): void {
    check(native().start(this.h) as number, 'start', this.h);
  }
  stop(): void {
    check(native().stop(this.h) as number, 'stop');
  }
  destroy(): void {
    if (this.dp) native().destroy(this.dp);
    this.dp = undefined;
  }

  sessionAdd(seid: bigint, teid: number, ueIp4: number): void {
    check(native().sessionAdd(this.h, seid, teid, ueIp4) as number, 'sessionAdd');
  }
  sessionRemove(seid: bigint): void {
    check(native().sessionRemove(this.h, seid) as number, 'sessionRemove');
  }
  /** Atomically deletes `delIds` then inserts `adds` in one session's classifier. */
  rulesApply(seid: bigint, adds: readonly PdrRule[], delIds: readonly number[] = []): void {
    const buf = encodeRules(adds);
    check(native().rulesApply(this.h, seid, buf, adds.length, Uint32Array.from(delIds), delIds.length) as number, 'rulesApply');
  }
  sessionCount(): number {
    return check(native().sessionCount(this.h) as number, 'sessionCount');
  }

  farSet(slot: number, f: Far): number {
    const c = {
      seid: f.seid, far_id: f.farId, action: f.action, dst_iface: f.dstIface, ohc_gtpu: f.ohcGtpu ? 1 : 0, qfi: f.qfi ?? 0,
      teid: f.teid ?? 0, peer_ip4: f.peerIp4 ?? 0, peer_port: f.peerPort ?? 0, buffer_max: f.bufferMax ?? 0, pdr_id: f.pdrId ?? 0,
    };
    return check(native().farSet(this.h, slot, c) as number, 'farSet');
  }
  farDel(slot: number): void {
    check(native().farDel(this.h, slot) as number, 'farDel');
  }
  farBuffered(slot: number): number {
    return check(native().farBuffered(this.h, slot) as number, 'farBuffered');
  }
  qerSet(slot: number, q: Qer): number {
    const c = { qer_id: q.qerId, gate_ul_closed: q.gateUlClosed ? 1 : 0, gate_dl_closed: q.gateDlClosed ? 1 : 0, reserved: 0, mbr_ul_kbps: q.mbrUlKbps ?? 0, mbr_dl_kbps: q.mbrDlKbps ?? 0 };
    return check(native().qerSet(this.h, slot, c) as number, 'qerSet');
  }
  qerDel(slot: number): void {
    check(native().qerDel(this.h, slot) as number, 'qerDel');
  }
  urrSet(slot: number, u: Urr): number {
    const c = {
      seid: u.seid, urr_id: u.urrId, reserved: 0, volume_threshold: u.volumeThreshold ?? 0n, volume_quota: u.volumeQuota ?? 0n,
      time_threshold_ns: u.timeThresholdNs ?? 0n, time_quota_ns: u.timeQuotaNs ?? 0n, inactivity_ns: u.inactivityNs ?? 0n,
    };
    return check(native().urrSet(this.h, slot, c) as number, 'urrSet');
  }
  /** Checks URR time thresholds/quotas now (the data-path thread does this every 100 ms); returns events raised. */
  urrTick(): number {
    return check(native().urrTick(this.h) as number, 'urrTick');
  }
  /** Freezes the data-path clock at `ns` (tests); 0n returns to CLOCK_MONOTONIC. */
  setClock(ns: bigint): void {
    check(native().clockSet(this.h, ns) as number, 'clockSet');
  }
  clock(): bigint {
    return BigInt(native().clock(this.h) as number | bigint);
  }
  urrDel(slot: number): void {
    check(native().urrDel(this.h, slot) as number, 'urrDel');
  }
  urrRead(slot: number): UrrCounts {
    const out: any = {};
    check(native().urrRead(this.h, slot, out) as number, 'urrRead');
    return counts(out);
  }

  pollEvents(cap = 256): DpEvent[] {
    const f = native();
    const buf = Buffer.alloc(cap * f.eventSize);
    const n = check(f.pollEvents(this.h, buf, cap) as number, 'pollEvents');
    return Array.from({ length: n }, (_, i) => {
      const e = koffi.decode(buf, i * f.eventSize, f.event) as any;
      return { type: e.type, id: e.id, seid: BigInt(e.seid), counts: counts(e.counts) };
    });
  }

  stats(): DpStats {
    const s: any = {};
    check(native().stats(this.h, s) as number, 'stats');
    const drops = {} as Record<DropReason, number>;
    DROP_REASONS.forEach((r, i) => (drops[r] = Number(s.drops[i])));
    return {
      rxN3: Number(s.rx_n3), rxN6: Number(s.rx_n6), txN3: Number(s.tx_n3), txN6: Number(s.tx_n6), buffered: Number(s.buffered), flushed: Number(s.flushed),
      echoReplies: Number(s.echo_replies), eventsLost: Number(s.events_lost), batches: Number(s.batches), lookups: Number(s.lookups), dpCpuNs: Number(s.dp_cpu_ns), drops,
      probes: Number(s.probes), classifierKind: s.classifier_kind,
    };
  }

  /** Runs packets through the pipeline without sockets (N3 = GTP-U UDP payloads, N6 = IPv4 packets). */
  inject(iface: number, pkts: readonly Buffer[]): number {
    const { buf, lens } = packets(pkts);
    return check(native().inject(this.h, iface, buf, lens, pkts.length) as number, 'inject');
  }
  flush(): number {
    return check(native().flush(this.h) as number, 'flush');
  }
  /** Takes everything the pipeline would have sent since the last call. */
  capture(): Captured[] {
    const out: Captured[] = [];
    for (;;) {
      const buf = Buffer.alloc(1 << 20);
      const n = check(native().capture(this.h, buf, buf.length) as number, 'capture');
      for (let off = 0; off < n; ) {
        const len = buf.readUInt16LE(off + 2);
        out.push({ iface: buf[off], dstIp4: buf.readUInt32LE(off + 4), dstPort: buf.readUInt16LE(off + 8), data: Buffer.from(buf.subarray(off + 12, off + 12 + len)) });
        off += 12 + len;
      }
      if (n === 0) return out;
    }
  }
  /** CPU ns of each of `reps` passes of the whole pipeline (no I/O) over the packets. */
  benchPipeline(iface: number, pkts: readonly Buffer[], reps: number): { forwarded: number; ns: number[] } {
    const { buf, lens } = packets(pkts);
    const ns = new BigUint64Array(reps);
    const fwd = check(native().benchPipeline(this.h, iface, buf, lens, pkts.length, reps, ns) as number, 'benchPipeline');
    return { forwarded: fwd, ns: Array.from(ns, Number) };
  }
  /** CPU ns of each of `reps` passes of classification alone (keys parsed beforehand). */
  benchClassify(iface: number, pkts: readonly Buffer[], reps: number): { matched: number; ns: number[] } {
    const { buf, lens } = packets(pkts);
    const ns = new BigUint64Array(reps);
    const matched = check(native().benchClassify(this.h, iface, buf, lens, pkts.length, reps, ns) as number, 'benchClassify');
    return { matched, ns: Array.from(ns, Number) };
  }
}
