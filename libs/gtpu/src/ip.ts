// Minimal IPv4 / UDP / ICMP packet building and parsing: inner packets for tunnels, pcap files and tests.

export class IpParseError extends Error {
  constructor(readonly reason: string) {
    super(`IPv4 parse error: ${reason}`);
    this.name = 'IpParseError';
  }
}

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

function addr(a: string): Buffer {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new IpParseError(`not an IPv4 address: ${a}`);
  return Buffer.from(p);
}

/** RFC 1071 ones' complement sum over the given buffers. */
export function inetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
    if (b.length & 1) sum += b[b.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Ipv4Packet {
  src: string;
  dst: string;
  proto: number;
  ttl: number;
  id: number;
  payload: Buffer;
}

export function buildIpv4(p: { src: string; dst: string; proto: number; payload: Buffer; ttl?: number; id?: number }): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + p.payload.length, 2);
  h.writeUInt16BE(p.id ?? 0, 4);
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = p.ttl ?? 64;
  h[9] = p.proto;
  addr(p.src).copy(h, 12);
  addr(p.dst).copy(h, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return Buffer.concat([h, p.payload]);
}

export function parseIpv4(b: Buffer): Ipv4Packet {
  if (b.length < 20) throw new IpParseError(`${b.length} bytes, shorter than an IPv4 header`);
  if (b[0] >> 4 !== 4) throw new IpParseError(`version ${b[0] >> 4}`);
  const ihl = (b[0] & 0x0f) * 4;
  const total = b.readUInt16BE(2);
  if (ihl < 20 || total < ihl || total > b.length) throw new IpParseError(`bad lengths ihl=${ihl} total=${total} have=${b.length}`);
  return {
    src: Array.from(b.subarray(12, 16)).join('.'),
    dst: Array.from(b.subarray(16, 20)).join('.'),
    proto: b[9],
    ttl: b[8],
    id: b.readUInt16BE(4),
    payload: b.subarray(ihl, total),
  };
}

export function buildUdp(src: string, dst: string, sport: number, dport: number, data: Buffer): Buffer {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + data.length, 4);
  const pseudo = Buffer.concat([addr(src), addr(dst), Buffer.of(0, IPPROTO_UDP), u.subarray(4, 6)]);
  const c = inetChecksum(pseudo, u, data);
  u.writeUInt16BE(c === 0 ? 0xffff : c, 6);
  return Buffer.concat([u, data]);
}

/** A whole IPv4+UDP datagram. */
export function udpPacket(src: string, dst: string, sport: number, dport: number, data: Buffer, id = 0): Buffer {
  return buildIpv4({ src, dst, proto: IPPROTO_UDP, payload: buildUdp(src, dst, sport, dport, data), id });
}

export function parseUdp(b: Buffer): { sport: number; dport: number; data: Buffer } {
  if (b.length < 8) throw new IpParseError('UDP header truncated');
  const len = b.readUInt16BE(4);
  if (len < 8 || len > b.length) throw new IpParseError(`UDP length ${len}`);
  return { sport: b.readUInt16BE(0), dport: b.readUInt16BE(2), data: b.subarray(8, len) };
}

/** ICMP echo request (type 8) or reply (type 0). */
export function icmpEcho(type: 0 | 8, id: number, seq: number, data: Buffer): Buffer {
  const b = Buffer.alloc(8);
  b[0] = type;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  b.writeUInt16BE(inetChecksum(b, data), 2);
  return Buffer.concat([b, data]);
}

export function icmpPacket(src: string, dst: string, type: 0 | 8, id: number, seq: number, data: Buffer): Buffer {
  return buildIpv4({ src, dst, proto: IPPROTO_ICMP, payload: icmpEcho(type, id, seq, data) });
}
