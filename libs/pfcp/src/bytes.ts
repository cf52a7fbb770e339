// Bounds-checked big-endian reader/writer used by every IE codec.
import { PfcpDecodeError, PfcpEncodeError } from './errors.ts';

export class Reader {
  pos = 0;
  /** `base` is the absolute offset of buf[0] in the datagram, so errors point at the real byte. */
  constructor(readonly buf: Buffer, readonly base = 0) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  need(n: number, what: string): void {
    if (this.remaining < n) throw new PfcpDecodeError(`${what}: need ${n} bytes, ${this.remaining} left`, this.base + this.pos);
  }
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(what = 'u24'): number {
    this.need(3, what);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u40(what = 'u40'): number {
    this.need(5, what);
    const v = this.buf.readUIntBE(this.pos, 5);
    this.pos += 5;
    return v;
  }
  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Buffer {
    return this.bytes(this.remaining);
  }
  ipv4(what = 'IPv4 address'): string {
    return Array.from(this.bytes(4, what)).join('.');
  }
  ipv6(what = 'IPv6 address'): string {
    const b = this.bytes(16, what);
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
    return parts.join(':');
  }
}

export class Writer {
  private chunks: Buffer[] = [];
  u8(v: number): this {
    return this.put(Buffer.of(checkRange(v, 0xff)));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(checkRange(v, 0xffff));
    return this.put(b);
  }
  u24(v: number): this {
    const b = Buffer.alloc(3);
    b.writeUIntBE(checkRange(v, 0xffffff), 0, 3);
    return this.put(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(checkRange(v, 0xffffffff));
    return this.put(b);
  }
  u40(v: number): this {
    const b = Buffer.alloc(5);
    b.writeUIntBE(checkRange(v, 0xff_ffff_ffff), 0, 5);
    return this.put(b);
  }
  u64(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new PfcpEncodeError(`value ${v} does not fit 64 bits`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    return this.put(b);
  }
  ipv4(addr: string): this {
    return this.put(ipv4Bytes(addr));
  }
  ipv6(addr: string): this {
    return this.put(ipv6Bytes(addr));
  }
  put(b: Buffer): this {
    this.chunks.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function checkRange(v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new PfcpEncodeError(`value ${v} out of range 0..${max}`);
  return v;
}

export function ipv4Bytes(addr: string): Buffer {
  const parts = addr.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new PfcpEncodeError(`not an IPv4 address: ${addr}`);
  return Buffer.from(parts.map(Number));
}

export function ipv6Bytes(addr: string): Buffer {
  const halves = addr.split('::');
  if (halves.length > 2) throw new PfcpEncodeError(`not an IPv6 address: ${addr}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) throw new PfcpEncodeError(`not an IPv6 address: ${addr}`);
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new PfcpEncodeError(`not an IPv6 address: ${addr}`);
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  return b;
}

/** Dotted quad -> unsigned 32-bit integer. */
export function ipv4ToInt(addr: string): number {
  return ipv4Bytes(addr).readUInt32BE(0);
}

export function intToIpv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}
