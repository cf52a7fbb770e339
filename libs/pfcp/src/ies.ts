// Codecs of the non-grouped ("leaf") IEs: value bytes <-> typed JS values (TS 29.244 clause 8.2).
import { Reader, Writer } from './bytes.ts';
import { PfcpDecodeError, PfcpEncodeError } from './errors.ts';
import { NTP_UNIX_OFFSET } from './constants.ts';

export interface LeafCodec<T> {
  encode(v: T, w: Writer): void;
  /** Reads the whole IE value; `r` is bounded to the IE's value bytes. */
  decode(r: Reader): T;
}

const u8: LeafCodec<number> = { encode: (v, w) => void w.u8(v), decode: (r) => r.u8() };
const u16: LeafCodec<number> = { encode: (v, w) => void w.u16(v), decode: (r) => r.u16() };
const u32: LeafCodec<number> = { encode: (v, w) => void w.u32(v), decode: (r) => r.u32() };
const low4: LeafCodec<number> = { encode: (v, w) => void w.u8(v & 0x0f), decode: (r) => r.u8() & 0x0f };
const octets: LeafCodec<Buffer> = { encode: (v, w) => void w.put(Buffer.from(v)), decode: (r) => Buffer.from(r.rest()) };
const utf8: LeafCodec<string> = { encode: (v, w) => void w.put(Buffer.from(v, 'utf8')), decode: (r) => r.rest().toString('utf8') };

/** 24-bit flag fields whose length grew across releases: read 1..3 octets, write 3. */
function flags24(minLen: number): LeafCodec<number> {
  return {
    encode: (v, w) => void w.u24(v),
    decode: (r) => {
      r.need(minLen, 'flags');
      let v = 0;
      for (let i = 0; i < 3; i++) v = (v << 8) | (r.remaining > 0 ? r.u8() : 0);
      return v;
    },
  };
}

/** NTP seconds on the wire; a JS Date (second resolution) in the object. */
const ntpTime: LeafCodec<Date> = {
  encode: (v, w) => void w.u32(Math.floor(v.getTime() / 1000) + NTP_UNIX_OFFSET),
  decode: (r) => new Date((r.u32('time stamp') - NTP_UNIX_OFFSET) * 1000),
};

export type NodeId = { type: 'ipv4' | 'ipv6' | 'fqdn'; value: string };
const nodeId: LeafCodec<NodeId> = {
  encode(v, w) {
    if (v.type === 'ipv4') w.u8(0).ipv4(v.value);
    else if (v.type === 'ipv6') w.u8(1).ipv6(v.value);
    else w.u8(2).put(dnsName(v.value));
  },
  decode(r) {
    const t = r.u8('Node ID type') & 0x0f;
    if (t === 0) return { type: 'ipv4', value: r.ipv4() };
    if (t === 1) return { type: 'ipv6', value: r.ipv6() };
    if (t === 2) return { type: 'fqdn', value: parseDnsName(r.rest(), r.base + r.pos) };
    throw Object.assign(new PfcpDecodeError(`Node ID type ${t} unknown`, r.base), { kind: 'value' as const });
  },
};

/** Domain names and APNs are length-prefixed labels (TS 23.003 9.1). */
export function dnsName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'utf8');
    if (b.length > 63) throw new PfcpEncodeError(`label "${l}" longer than 63 bytes`);
    parts.push(Buffer.of(b.length), b);
  }
  return Buffer.concat(parts);
}

export function parseDnsName(b: Buffer, offset: number): string {
  const labels: string[] = [];
  let i = 0;
  while (i < b.length) {
    const n = b[i];
    if (i + 1 + n > b.length) throw new PfcpDecodeError(`label length ${n} overruns the name`, offset + i);
    labels.push(b.toString('utf8', i + 1, i + 1 + n));
    i += 1 + n;
  }
  return labels.join('.');
}

/** Network Instance: sent as APN labels; a value that is not valid labels is read as plain text. */
const networkInstance: LeafCodec<string> = {
  encode: (v, w) => void w.put(dnsName(v)),
  decode(r) {
    const b = r.rest();
    try {
      const s = parseDnsName(b, 0);
      if (s.length > 0 && /^[\x21-\x7e.]+$/.test(s)) return s;
    } catch {
      /* not labels */
    }
    return b.toString('utf8');
  },
};

export type FSeid = { seid: bigint; ipv4?: string; ipv6?: string };
const fseid: LeafCodec<FSeid> = {
  encode(v, w) {
    if (!v.ipv4 && !v.ipv6) throw new PfcpEncodeError('F-SEID needs an IPv4 or IPv6 address');
    w.u8((v.ipv6 ? 0x01 : 0) | (v.ipv4 ? 0x02 : 0)).u64(v.seid);
    if (v.ipv4) w.ipv4(v.ipv4);
    if (v.ipv6) w.ipv6(v.ipv6);
  },
  decode(r) {
    const f = r.u8('F-SEID flags');
    const out: FSeid = { seid: r.u64('SEID') };
    if (f & 0x02) out.ipv4 = r.ipv4();
    if (f & 0x01) out.ipv6 = r.ipv6();
    return out;
  },
};

/** F-TEID (8.2.3). With `choose`, the UP function allocates TEID and address; `chooseId` ties PDRs to one allocation. */
export type FTeid = { teid?: number; ipv4?: string; ipv6?: string; choose?: { ipv4?: boolean; ipv6?: boolean; chooseId?: number } };
const fteid: LeafCodec<FTeid> = {
  encode(v, w) {
    if (v.choose) {
      const c = v.choose;
      w.u8((c.ipv4 ? 0x01 : 0) | (c.ipv6 ? 0x02 : 0) | 0x04 | (c.chooseId !== undefined ? 0x08 : 0));
      if (c.chooseId !== undefined) w.u8(c.chooseId);
      return;
    }
    if (v.teid === undefined) throw new PfcpEncodeError('F-TEID needs a TEID unless CHOOSE is set');
    if (!v.ipv4 && !v.ipv6) throw new PfcpEncodeError('F-TEID needs an address unless CHOOSE is set');
    w.u8((v.ipv4 ? 0x01 : 0) | (v.ipv6 ? 0x02 : 0)).u32(v.teid);
    if (v.ipv4) w.ipv4(v.ipv4);
    if (v.ipv6) w.ipv6(v.ipv6);
  },
  decode(r) {
    const f = r.u8('F-TEID flags');
    if (f & 0x04) {
      const choose: NonNullable<FTeid['choose']> = {};
      if (f & 0x01) choose.ipv4 = true;
      if (f & 0x02) choose.ipv6 = true;
      if (f & 0x08) choose.chooseId = r.u8('CHOOSE ID');
      return { choose };
    }
    const out: FTeid = { teid: r.u32('TEID') };
    if (f & 0x01) out.ipv4 = r.ipv4();
    if (f & 0x02) out.ipv6 = r.ipv6();
    return out;
  },
};

/** UE IP Address (8.2.62); `sd` true = destination (set in downlink PDRs), false = source. */
export type UeIpAddress = { ipv4?: string; ipv6?: string; sd?: 'source' | 'destination'; chooseV4?: boolean };
const ueIp: LeafCodec<UeIpAddress> = {
  encode(v, w) {
    w.u8((v.ipv6 ? 0x01 : 0) | (v.ipv4 ? 0x02 : 0) | (v.sd === 'destination' ? 0x04 : 0) | (v.chooseV4 ? 0x10 : 0));
    if (v.ipv4) w.ipv4(v.ipv4);
    if (v.ipv6) w.ipv6(v.ipv6);
  },
  decode(r) {
    const f = r.u8('UE IP flags');
    const out: UeIpAddress = { sd: f & 0x04 ? 'destination' : 'source' };
    if (f & 0x10) out.chooseV4 = true;
    if (f & 0x02) out.ipv4 = r.ipv4();
    if (f & 0x01) out.ipv6 = r.ipv6();
    return out;
  },
};

/** SDF Filter (8.2.5): the flow description is kept as text; parseFlowDescription turns it into ranges. */
export type SdfFilter = { flowDescription?: string; tosTrafficClass?: number; spi?: number; flowLabel?: number; filterId?: number };
const sdfFilter: LeafCodec<SdfFilter> = {
  encode(v, w) {
    const fd = v.flowDescription !== undefined ? Buffer.from(v.flowDescription, 'ascii') : undefined;
    w.u8((fd ? 0x01 : 0) | (v.tosTrafficClass !== undefined ? 0x02 : 0) | (v.spi !== undefined ? 0x04 : 0) | (v.flowLabel !== undefined ? 0x08 : 0) | (v.filterId !== undefined ? 0x10 : 0));
    w.u8(0);
    if (fd) w.u16(fd.length).put(fd);
    if (v.tosTrafficClass !== undefined) w.u16(v.tosTrafficClass);
    if (v.spi !== undefined) w.u32(v.spi);
    if (v.flowLabel !== undefined) w.u24(v.flowLabel);
    if (v.filterId !== undefined) w.u32(v.filterId);
  },
  decode(r) {
    const f = r.u8('SDF flags');
    r.u8('spare');
    const out: SdfFilter = {};
    if (f & 0x01) out.flowDescription = r.bytes(r.u16('flow description length'), 'flow description').toString('ascii');
    if (f & 0x02) out.tosTrafficClass = r.u16('ToS');
    if (f & 0x04) out.spi = r.u32('SPI');
    if (f & 0x08) out.flowLabel = r.u24('flow label');
    if (f & 0x10) out.filterId = r.u32('SDF filter id');
    return out;
  },
};

export type OuterHeaderRemoval = { description: number; extensionHeaderDeletion?: number };
const outerHeaderRemoval: LeafCodec<OuterHeaderRemoval> = {
  encode(v, w) {
    w.u8(v.description);
    if (v.extensionHeaderDeletion !== undefined) w.u8(v.extensionHeaderDeletion);
  },
  decode(r) {
    const out: OuterHeaderRemoval = { description: r.u8('description') };
    if (r.remaining > 0) out.extensionHeaderDeletion = r.u8();
    return out;
  },
};

/** Outer Header Creation (8.2.56): `description` is the 16-bit field, see OuterHeaderCreationDesc. */
export type OuterHeaderCreation = { description: number; teid?: number; ipv4?: string; ipv6?: string; port?: number };
const outerHeaderCreation: LeafCodec<OuterHeaderCreation> = {
  encode(v, w) {
    const d = v.description;
    w.u16(d);
    if (d & 0x0300) {
      if (v.teid === undefined) throw new PfcpEncodeError('GTP-U outer header needs a TEID');
      w.u32(v.teid);
    }
    if (d & 0x1500) {
      if (!v.ipv4) throw new PfcpEncodeError('IPv4 outer header needs an IPv4 address');
      w.ipv4(v.ipv4);
    }
    if (d & 0x2a00) {
      if (!v.ipv6) throw new PfcpEncodeError('IPv6 outer header needs an IPv6 address');
      w.ipv6(v.ipv6);
    }
    if (d & 0x0c00) {
      if (v.port === undefined) throw new PfcpEncodeError('UDP outer header needs a port');
      w.u16(v.port);
    }
  },
  decode(r) {
    const d = r.u16('description');
    const out: OuterHeaderCreation = { description: d };
    if (d & 0x0300) out.teid = r.u32('TEID');
    if (d & 0x1500) out.ipv4 = r.ipv4();
    if (d & 0x2a00) out.ipv6 = r.ipv6();
    if (d & 0x0c00) out.port = r.u16('port');
    return out;
  },
};

export type GateStatus = { ul: 'open' | 'closed'; dl: 'open' | 'closed' };
const gateStatus: LeafCodec<GateStatus> = {
  encode: (v, w) => void w.u8(((v.ul === 'closed' ? 1 : 0) << 2) | (v.dl === 'closed' ? 1 : 0)),
  decode(r) {
    const b = r.u8('gate status');
    return { ul: (b >> 2) & 3 ? 'closed' : 'open', dl: b & 3 ? 'closed' : 'open' };
  },
};

/** Bit rates in kbit/s (8.2.8). */
export type BitRate = { ulKbps: number; dlKbps: number };
const bitRate: LeafCodec<BitRate> = {
  encode: (v, w) => void w.u40(v.ulKbps).u40(v.dlKbps),
  decode: (r) => ({ ulKbps: r.u40('UL MBR'), dlKbps: r.u40('DL MBR') }),
};

export type Volume = { total?: bigint; uplink?: bigint; downlink?: bigint };
const volumeThreshold: LeafCodec<Volume> = {
  encode(v, w) {
    w.u8((v.total !== undefined ? 1 : 0) | (v.uplink !== undefined ? 2 : 0) | (v.downlink !== undefined ? 4 : 0));
    if (v.total !== undefined) w.u64(v.total);
    if (v.uplink !== undefined) w.u64(v.uplink);
    if (v.downlink !== undefined) w.u64(v.downlink);
  },
  decode(r) {
    const f = r.u8('volume flags');
    const out: Volume = {};
    if (f & 1) out.total = r.u64('total volume');
    if (f & 2) out.uplink = r.u64('uplink volume');
    if (f & 4) out.downlink = r.u64('downlink volume');
    return out;
  },
};

export type VolumeMeasurement = Volume & { totalPackets?: bigint; uplinkPackets?: bigint; downlinkPackets?: bigint };
const volumeMeasurement: LeafCodec<VolumeMeasurement> = {
  encode(v, w) {
    const keys = ['total', 'uplink', 'downlink', 'totalPackets', 'uplinkPackets', 'downlinkPackets'] as const;
    let f = 0;
    keys.forEach((k, i) => {
      if (v[k] !== undefined) f |= 1 << i;
    });
    w.u8(f);
    for (const k of keys) if (v[k] !== undefined) w.u64(v[k]!);
  },
  decode(r) {
    const f = r.u8('volume flags');
    const keys = ['total', 'uplink', 'downlink', 'totalPackets', 'uplinkPackets', 'downlinkPackets'] as const;
    const out: VolumeMeasurement = {};
    keys.forEach((k, i) => {
      if (f & (1 << i)) out[k] = r.u64(k);
    });
    return out;
  },
};

export type AssociationReleaseFlags = { sarr: boolean };
const arrFlags: LeafCodec<AssociationReleaseFlags> = {
  encode: (v, w) => void w.u8(v.sarr ? 1 : 0),
  decode: (r) => ({ sarr: !!(r.u8('flags') & 1) }),
};

/** Up to three octets of a growing bit field are kept as bytes (UP Function Features). */
export const Leaf = {
  u8,
  u16,
  u32,
  low4,
  octets,
  utf8,
  flags24,
  ntpTime,
  nodeId,
  networkInstance,
  fseid,
  fteid,
  ueIp,
  sdfFilter,
  outerHeaderRemoval,
  outerHeaderCreation,
  gateStatus,
  bitRate,
  volumeThreshold,
  volumeMeasurement,
  arrFlags,
  qfi: { encode: (v: number, w: Writer) => void w.u8(v & 0x3f), decode: (r: Reader) => r.u8('QFI') & 0x3f } as LeafCodec<number>,
  applyAction: {
    encode: (v: number, w: Writer) => void w.u8(v),
    decode: (r: Reader) => {
      const v = r.u8('apply action');
      if (r.remaining > 0) r.rest(); // Rel-16 second octet (EDRT/BDPN/DDPN) not used here
      return v;
    },
  } as LeafCodec<number>,
};
