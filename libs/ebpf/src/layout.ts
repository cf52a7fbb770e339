// TypeScript mirrors of bpf/fastpath_bpf.h and native/include/fastpath/descriptor.h.
// test/layout.test.ts checks them against the BTF of the built objects.
import { structCodec, type Codec } from './map.ts';

export const DESCRIPTOR_SIZE = 16;
export const DescFlag = { ROUTE: 0x1, RESPONSE: 0x2, CONTROL: 0x4 } as const;
export const TOPIC_SHIFT = 4;
export const TOPIC_MAX = 0xfff;
export const OFFSET_BITS = 40n;

export const SP_DEADLETTER_INSTANCE = 0xffffffff;
export const SP_MAX_ROUTE_INSTANCES = 16;
export const SP_MAX_RUN = 64;

/** struct fp_descriptor. On delivery SPROXY rewrites `instance` to the *sender's* instance. */
export interface Descriptor {
  instance: number;
  chain: number;
  /** bits 0..3 DescFlag, bits 4..15 topic */
  flags: number;
  /** bits 0..39 offset, 40..63 generation */
  object: bigint;
}

export function makeFlags(flags: number, topic = 0): number {
  if (topic < 0 || topic > TOPIC_MAX) throw new RangeError(`topic ${topic} is outside 0..${TOPIC_MAX}`);
  return (flags & 0xf) | (topic << TOPIC_SHIFT);
}
export const topicOf = (flags: number): number => flags >>> TOPIC_SHIFT;

export function makeObject(offset: bigint | number, generation: number): bigint {
  return (BigInt(offset) & ((1n << OFFSET_BITS) - 1n)) | (BigInt(generation & 0xffffff) << OFFSET_BITS);
}

export function encodeDescriptor(d: Descriptor, into: Buffer = Buffer.alloc(DESCRIPTOR_SIZE), off = 0): Buffer {
  into.writeUInt32LE(d.instance >>> 0, off);
  into.writeUInt16LE(d.chain, off + 4);
  into.writeUInt16LE(d.flags, off + 6);
  into.writeBigUInt64LE(d.object, off + 8);
  return into;
}

export function decodeDescriptor(b: Buffer, off = 0): Descriptor {
  return { instance: b.readUInt32LE(off), chain: b.readUInt16LE(off + 4), flags: b.readUInt16LE(off + 6), object: b.readBigUInt64LE(off + 8) };
}

export interface SpIdentity { instance: number; chain: number; function: number }
export const spIdentity: Codec<SpIdentity> = structCodec<SpIdentity>(8, { instance: [0, 32], chain: [4, 16], function: [6, 16] });

export interface SpRouteKey { chain: number; function: number; topic: number; pad: number }
export const spRouteKey: Codec<SpRouteKey> = structCodec<SpRouteKey>(8, { chain: [0, 16], function: [2, 16], topic: [4, 16], pad: [6, 16] });

export interface SpRoute { count: number; next: number; instances: number[] }
export const spRoute: Codec<SpRoute> = {
  size: 8 + 4 * SP_MAX_ROUTE_INSTANCES,
  encode(v, into = Buffer.alloc(8 + 4 * SP_MAX_ROUTE_INSTANCES)) {
    if (v.instances.length > SP_MAX_ROUTE_INSTANCES) throw new RangeError(`a route holds at most ${SP_MAX_ROUTE_INSTANCES} instances`);
    into.writeUInt32LE(v.instances.length, 0);
    into.writeUInt32LE(v.next >>> 0, 4);
    v.instances.forEach((x, i) => into.writeUInt32LE(x >>> 0, 8 + 4 * i));
    return into;
  },
  decode(b, o = 0) {
    const count = b.readUInt32LE(o);
    return { count, next: b.readUInt32LE(o + 4), instances: Array.from({ length: Math.min(count, SP_MAX_ROUTE_INSTANCES) }, (_, i) => b.readUInt32LE(o + 8 + 4 * i)) };
  },
};

export interface SpMetricKey { chain: number; function: number }
export const spMetricKey: Codec<SpMetricKey> = structCodec<SpMetricKey>(4, { chain: [0, 16], function: [2, 16] });

export interface SpMetrics { delivered: bigint; received: bigint; dropped: bigint; deadLettered: bigint; control: bigint }
export const spMetrics: Codec<SpMetrics> = structCodec<SpMetrics>(40, { delivered: [0, 64], received: [8, 64], dropped: [16, 64], deadLettered: [24, 64], control: [32, 64] });
export const sumSpMetrics = (a: SpMetrics, b: SpMetrics): SpMetrics => ({
  delivered: a.delivered + b.delivered, received: a.received + b.received, dropped: a.dropped + b.dropped,
  deadLettered: a.deadLettered + b.deadLettered, control: a.control + b.control,
});

export interface EpCounters { rxPackets: bigint; rxBytes: bigint; redirected: bigint; redirectedBytes: bigint; passed: bigint }
export const epCounters: Codec<EpCounters> = structCodec<EpCounters>(40, { rxPackets: [0, 64], rxBytes: [8, 64], redirected: [16, 64], redirectedBytes: [24, 64], passed: [32, 64] });
export const sumEpCounters = (a: EpCounters, b: EpCounters): EpCounters => ({
  rxPackets: a.rxPackets + b.rxPackets, rxBytes: a.rxBytes + b.rxBytes, redirected: a.redirected + b.redirected,
  redirectedBytes: a.redirectedBytes + b.redirectedBytes, passed: a.passed + b.passed,
});

export const EP_EGRESS_NEIGH = 0;
export const EP_EGRESS_PEER = 1;
