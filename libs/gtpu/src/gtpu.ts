// GTP-U v1 codec (3GPP TS 29.281): G-PDU, Echo Request/Response, Error Indication, End Marker,
// extension headers (PDU Session Container, UDP Port, others kept raw).

export const GTPU_PORT = 2152;

export const GtpuType = {
  EchoRequest: 1,
  EchoResponse: 2,
  ErrorIndication: 26,
  SupportedExtensionHeadersNotification: 31,
  EndMarker: 254,
  GPdu: 255,
} as const;

/** Extension header types (29.281 5.2.1-3). */
export const ExtType = {
  None: 0x00,
  UdpPort: 0x40,
  PduSessionContainer: 0x85,
} as const;

/** IE types used in path-management messages (29.281 8.1). */
const IE_RECOVERY = 14;
const IE_TEID_DATA_I = 16;
const IE_PEER_ADDRESS = 133;

export class GtpuDecodeError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`GTP-U decode error at offset ${offset}: ${reason}`);
    this.name = 'GtpuDecodeError';
  }
}
export class GtpuEncodeError extends Error {
  constructor(readonly reason: string) {
    super(`GTP-U encode error: ${reason}`);
    this.name = 'GtpuEncodeError';
  }
}

export type ExtensionHeader =
  /** PDU Session Container (TS 38.415): DL = PDU type 0, UL = PDU type 1. */
  | { kind: 'pdu-session'; direction: 'dl' | 'ul'; qfi: number; rqi?: boolean; ppp?: boolean }
  | { kind: 'udp-port'; port: number }
  | { kind: 'raw'; type: number; content: Buffer };

interface Common {
  /** Sequence number: sets the S flag when present. */
  sequence?: number;
  /** N-PDU number: sets the PN flag when present. */
  npdu?: number;
  extensions?: ExtensionHeader[];
}
export interface GPdu extends Common { type: typeof GtpuType.GPdu; teid: number; payload: Buffer }
export interface EchoRequest extends Common { type: typeof GtpuType.EchoRequest; sequence: number }
export interface EchoResponse extends Common { type: typeof GtpuType.EchoResponse; sequence: number; recovery: number }
export interface ErrorIndication extends Common { type: typeof GtpuType.ErrorIndication; sequence: number; teidDataI: number; peerAddress: string }
export interface EndMarker extends Common { type: typeof GtpuType.EndMarker; teid: number }
export type GtpuMessage = GPdu | EchoRequest | EchoResponse | ErrorIndication | EndMarker;

function encodeExtension(e: ExtensionHeader): { type: number; content: Buffer } {
  if (e.kind === 'pdu-session') {
    if (!Number.isInteger(e.qfi) || e.qfi < 0 || e.qfi > 63) throw new GtpuEncodeError(`QFI ${e.qfi} not in 0..63`);
    const b0 = (e.direction === 'dl' ? 0 : 1) << 4;
    const b1 = e.direction === 'dl' ? (e.ppp ? 0x80 : 0) | (e.rqi ? 0x40 : 0) | e.qfi : e.qfi;
    return { type: ExtType.PduSessionContainer, content: Buffer.of(b0, b1) };
  }
  if (e.kind === 'udp-port') {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(e.port);
    return { type: ExtType.UdpPort, content: b };
  }
  return { type: e.type, content: e.content };
}

function decodeExtension(type: number, content: Buffer, offset: number): ExtensionHeader {
  if (type === ExtType.PduSessionContainer) {
    const pduType = content[0] >> 4;
    if (pduType === 0) return { kind: 'pdu-session', direction: 'dl', qfi: content[1] & 0x3f, ppp: !!(content[1] & 0x80), rqi: !!(content[1] & 0x40) };
    if (pduType === 1) return { kind: 'pdu-session', direction: 'ul', qfi: content[1] & 0x3f };
    throw new GtpuDecodeError(`PDU Session Container with PDU type ${pduType}`, offset);
  }
  if (type === ExtType.UdpPort) return { kind: 'udp-port', port: content.readUInt16BE(0) };
  return { kind: 'raw', type, content: Buffer.from(content) };
}

function ie(type: number, value: Buffer, tlv: boolean): Buffer {
  if (!tlv) return Buffer.concat([Buffer.of(type), value]);
  const h = Buffer.alloc(3);
  h[0] = type;
  h.writeUInt16BE(value.length, 1);
  return Buffer.concat([h, value]);
}

function ipv4(addr: string): Buffer {
  const p = addr.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new GtpuEncodeError(`not an IPv4 address: ${addr}`);
  return Buffer.from(p);
}

export function encodeGtpu(m: GtpuMessage): Buffer {
  // Echo and Error Indication always carry a sequence number (29.281 5.1).
  const needsSeq = m.type === GtpuType.EchoRequest || m.type === GtpuType.EchoResponse || m.type === GtpuType.ErrorIndication;
  const seq = m.sequence ?? (needsSeq ? 0 : undefined);
  const exts = (m.extensions ?? []).map(encodeExtension);
  const e = exts.length > 0;
  const s = seq !== undefined;
  const pn = m.npdu !== undefined;
  let body: Buffer;
  switch (m.type) {
    case GtpuType.GPdu:
      body = m.payload;
      break;
    case GtpuType.EchoRequest:
    case GtpuType.EndMarker:
      body = Buffer.alloc(0);
      break;
    case GtpuType.EchoResponse:
      body = ie(IE_RECOVERY, Buffer.of(m.recovery & 0xff), false);
      break;
    case GtpuType.ErrorIndication: {
      const t = Buffer.alloc(4);
      t.writeUInt32BE(m.teidDataI >>> 0);
      body = Buffer.concat([ie(IE_TEID_DATA_I, t, false), ie(IE_PEER_ADDRESS, ipv4(m.peerAddress), true)]);
      break;
    }
    default:
      throw new GtpuEncodeError(`unknown message type ${(m as { type: number }).type}`);
  }
  const opt: Buffer[] = [];
  if (e || s || pn) {
    const o = Buffer.alloc(4);
    o.writeUInt16BE((seq ?? 0) & 0xffff);
    o[2] = m.npdu ?? 0;
    o[3] = e ? exts[0].type : 0;
    opt.push(o);
    exts.forEach((x, i) => {
      // Each extension is a multiple of 4 bytes: length octet, content, padding, next-type octet.
      const words = Math.ceil((x.content.length + 2) / 4);
      if (words > 255) throw new GtpuEncodeError('extension header too long');
      const b = Buffer.alloc(words * 4);
      b[0] = words;
      x.content.copy(b, 1);
      b[b.length - 1] = i + 1 < exts.length ? exts[i + 1].type : 0;
      opt.push(b);
    });
  }
  const optional = Buffer.concat(opt);
  const h = Buffer.alloc(8);
  h[0] = 0x30 | (e ? 0x04 : 0) | (s ? 0x02 : 0) | (pn ? 0x01 : 0);
  h[1] = m.type;
  const len = optional.length + body.length;
  if (len > 0xffff) throw new GtpuEncodeError(`message of ${len} bytes exceeds the 16-bit length`);
  h.writeUInt16BE(len, 2);
  const teid = m.type === GtpuType.GPdu || m.type === GtpuType.EndMarker ? m.teid : 0;
  h.writeUInt32BE(teid >>> 0, 4);
  return Buffer.concat([h, optional, body]);
}

export function decodeGtpu(buf: Buffer): GtpuMessage {
  if (buf.length < 8) throw new GtpuDecodeError(`${buf.length} bytes, shorter than the 8-byte header`, 0);
  const f = buf[0];
  if (f >> 5 !== 1) throw new GtpuDecodeError(`version ${f >> 5}, expected 1`, 0);
  if (!(f & 0x10)) throw new GtpuDecodeError('PT flag is 0 (GTP\', not GTP-U)', 0);
  const type = buf[1];
  const len = buf.readUInt16BE(2);
  if (8 + len > buf.length) throw new GtpuDecodeError(`length field ${len} exceeds the ${buf.length - 8} bytes after the header`, 2);
  const end = 8 + len;
  const teid = buf.readUInt32BE(4);
  let pos = 8;
  const common: Common = {};
  if (f & 0x07) {
    if (end - pos < 4) throw new GtpuDecodeError('optional fields truncated', pos);
    if (f & 0x02) common.sequence = buf.readUInt16BE(pos);
    if (f & 0x01) common.npdu = buf[pos + 2];
    let next = f & 0x04 ? buf[pos + 3] : 0;
    pos += 4;
    const exts: ExtensionHeader[] = [];
    while (next !== 0) {
      if (pos >= end) throw new GtpuDecodeError(`extension header 0x${next.toString(16)} truncated`, pos);
      const words = buf[pos];
      if (words === 0) throw new GtpuDecodeError('extension header with length 0', pos);
      if (pos + words * 4 > end) throw new GtpuDecodeError(`extension header of ${words * 4} bytes overruns the message`, pos);
      exts.push(decodeExtension(next, buf.subarray(pos + 1, pos + words * 4 - 1), pos));
      next = buf[pos + words * 4 - 1];
      pos += words * 4;
    }
    if (exts.length) common.extensions = exts;
  }
  const body = buf.subarray(pos, end);
  switch (type) {
    case GtpuType.GPdu:
      return { type, teid, ...common, payload: Buffer.from(body) };
    case GtpuType.EndMarker:
      return { type, teid, ...common };
    case GtpuType.EchoRequest:
      return { type, ...common, sequence: common.sequence ?? 0 };
    case GtpuType.EchoResponse: {
      if (body.length < 2 || body[0] !== IE_RECOVERY) throw new GtpuDecodeError('Echo Response without Recovery IE', pos);
      return { type, ...common, sequence: common.sequence ?? 0, recovery: body[1] };
    }
    case GtpuType.ErrorIndication: {
      if (body.length < 5 || body[0] !== IE_TEID_DATA_I) throw new GtpuDecodeError('Error Indication without TEID Data I', pos);
      const teidDataI = body.readUInt32BE(1);
      if (body.length < 8 || body[5] !== IE_PEER_ADDRESS) throw new GtpuDecodeError('Error Indication without GTP-U Peer Address', pos + 5);
      const alen = body.readUInt16BE(6);
      if (alen !== 4 || body.length < 8 + alen) throw new GtpuDecodeError(`GTP-U Peer Address of length ${alen} (IPv4 only)`, pos + 6);
      return { type, ...common, sequence: common.sequence ?? 0, teidDataI, peerAddress: Array.from(body.subarray(8, 12)).join('.') };
    }
    default:
      throw new GtpuDecodeError(`unknown message type ${type}`, 1);
  }
}
