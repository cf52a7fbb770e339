// TypeScript codec of struct fp_descriptor (native/include/fastpath/descriptor.h): 16 bytes,
// little-endian: u32 instance | u16 chain | u16 flags(4 bits)+topic(12 bits) | u64 object,
// object = offset (40 bits) | generation (24 bits) << 40.

export const DESCRIPTOR_SIZE = 16;
export const DescriptorFlag = { ROUTE: 0x1, RESPONSE: 0x2, CONTROL: 0x4 } as const;
export const FLAGS_MASK = 0xf;
export const TOPIC_SHIFT = 4;
export const TOPIC_MAX = 0xfff;
export const OFFSET_BITS = 40;
export const OFFSET_MAX = 2 ** OFFSET_BITS - 1;
export const GENERATION_MAX = 0xffffff;

export interface Descriptor {
  /** Target function instance (0 = resolve by route). u32. */
  instance: number;
  /** Security domain (chain / FL job / 5G core). u16. */
  chain: number;
  /** 4 flag bits (DescriptorFlag). */
  flags: number;
  /** 12-bit topic for direct function routing. */
  topic: number;
  /** Payload offset in the region (40 bits). */
  offset: number;
  /** Object generation (24 bits). */
  generation: number;
}

export class DescriptorRangeError extends RangeError {
  constructor(field: string, value: number, max: number) {
    super(`fastpath/shm: descriptor ${field}=${value} out of range 0..${max}`);
    this.name = 'DescriptorRangeError';
  }
}

function check(field: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new DescriptorRangeError(field, v, max);
}

/** Validates every field; throws DescriptorRangeError naming the first bad one. */
export function validateDescriptor(d: Descriptor): void {
  check('instance', d.instance, 0xffffffff);
  check('chain', d.chain, 0xffff);
  check('flags', d.flags, FLAGS_MASK);
  check('topic', d.topic, TOPIC_MAX);
  check('offset', d.offset, OFFSET_MAX);
  check('generation', d.generation, GENERATION_MAX);
}

/** Writes d at buf[at..at+16). Validates (a silent truncation would corrupt routing). */
export function encodeDescriptor(d: Descriptor, buf: Buffer, at = 0): void {
  validateDescriptor(d);
  buf.writeUInt32LE(d.instance, at);
  buf.writeUInt16LE(d.chain, at + 4);
  buf.writeUInt16LE(d.flags | (d.topic << TOPIC_SHIFT), at + 6);
  // offset: low 40 bits = low 32 in the first word, high 8 in the next byte; generation above.
  buf.writeUInt32LE(d.offset % 2 ** 32, at + 8);
  buf.writeUInt32LE((Math.floor(d.offset / 2 ** 32) | (d.generation << 8)) >>> 0, at + 12);
}

export function decodeDescriptor(buf: Buffer, at = 0): Descriptor {
  const fl = buf.readUInt16LE(at + 6);
  const hi = buf.readUInt32LE(at + 12);
  return {
    instance: buf.readUInt32LE(at),
    chain: buf.readUInt16LE(at + 4),
    flags: fl & FLAGS_MASK,
    topic: fl >>> TOPIC_SHIFT,
    offset: buf.readUInt32LE(at + 8) + (hi & 0xff) * 2 ** 32,
    generation: hi >>> 8,
  };
}

/** A buffer for n descriptors (the batch unit of Ring.sendBurst/receiveBurst). */
export function descriptorBuffer(n: number): Buffer {
  return Buffer.alloc(n * DESCRIPTOR_SIZE);
}

/** Encodes ds into buf from slot `first`; returns the number written. */
export function encodeDescriptors(ds: readonly Descriptor[], buf: Buffer, first = 0): number {
  if ((first + ds.length) * DESCRIPTOR_SIZE > buf.length) throw new RangeError(`fastpath/shm: ${ds.length} descriptors do not fit in a ${buf.length}-byte buffer at slot ${first}`);
  for (let i = 0; i < ds.length; i++) encodeDescriptor(ds[i], buf, (first + i) * DESCRIPTOR_SIZE);
  return ds.length;
}

/** Decodes n descriptors from buf. */
export function decodeDescriptors(buf: Buffer, n: number, first = 0): Descriptor[] {
  if ((first + n) * DESCRIPTOR_SIZE > buf.length) throw new RangeError(`fastpath/shm: ${n} descriptors exceed a ${buf.length}-byte buffer`);
  const out: Descriptor[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeDescriptor(buf, (first + i) * DESCRIPTOR_SIZE);
  return out;
}

/** The u64 `object` field (offset | generation << 40) as used by Mempool. */
export function makeObject(offset: number, generation: number): bigint {
  check('offset', offset, OFFSET_MAX);
  check('generation', generation, GENERATION_MAX);
  return BigInt(offset) | (BigInt(generation) << 40n);
}
export function objectOffset(object: bigint): number {
  return Number(object & 0xffffffffffn);
}
export function objectGeneration(object: bigint): number {
  return Number((object >> 40n) & 0xffffffn);
}
