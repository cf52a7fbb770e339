import { describe, expect, it } from 'vitest';
import { loadProbe } from '@fastpath/native';
import {
  DESCRIPTOR_SIZE, DescriptorRangeError, decodeDescriptor, decodeDescriptors, descriptorBuffer, encodeDescriptor,
  encodeDescriptors, makeObject, objectGeneration, objectOffset, shmBinding, type Descriptor,
} from '../src/index.ts';

const sample: Descriptor = { instance: 0xdeadbeef, chain: 0xbeef, flags: 0x5, topic: 0xabc, offset: 2 ** 40 - 1, generation: 0xfedcba };

describe('descriptor codec', () => {
  it('matches the C layout reported by native/probe', () => {
    const l = loadProbe().descriptorLayout();
    expect(l.size).toBe(DESCRIPTOR_SIZE);
    const buf = descriptorBuffer(1);
    encodeDescriptor(sample, buf);
    expect(buf.readUInt32LE(l.instance)).toBe(sample.instance);
    expect(buf.readUInt16LE(l.chain)).toBe(sample.chain);
    expect(buf.readUInt16LE(l.flags)).toBe(sample.flags | (sample.topic << 4));
    expect(buf.readBigUInt64LE(l.object)).toBe(makeObject(sample.offset, sample.generation));
  });

  it('produces the same 16 bytes as C fp_desc_pack for edge and random values', () => {
    const b = shmBinding();
    const c = Buffer.alloc(16);
    const ts = Buffer.alloc(16);
    const cases: Descriptor[] = [
      sample,
      { instance: 0, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 },
      { instance: 1, chain: 1, flags: 0xf, topic: 1, offset: 2 ** 32, generation: 1 },
      { instance: 2 ** 32 - 1, chain: 0xffff, flags: 0, topic: 0xfff, offset: 2 ** 32 - 1, generation: 0xffffff },
    ];
    let x = 12345;
    const rnd = (max: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), Math.floor((x / 2 ** 31) * (max + 1)));
    for (let i = 0; i < 200; i++)
      cases.push({ instance: rnd(2 ** 32 - 1), chain: rnd(0xffff), flags: rnd(0xf), topic: rnd(0xfff), offset: rnd(2 ** 31) * 512 + rnd(511), generation: rnd(0xffffff) });
    for (const d of cases) {
      expect(b.descPack(c, d.instance, d.chain, d.flags, d.topic, d.offset, d.generation)).toBe(0);
      encodeDescriptor(d, ts);
      expect(ts.equals(c), JSON.stringify(d)).toBe(true);
      expect(decodeDescriptor(c)).toEqual(d);
    }
    expect(b.descPack(c, 0, 0, 0x10, 0, 0, 0)).toBe(-1);
  });

  it('rejects out-of-range fields with a typed error naming the field', () => {
    const buf = descriptorBuffer(1);
    for (const [k, v] of [['instance', 2 ** 32], ['chain', 0x10000], ['flags', 0x10], ['topic', 0x1000], ['offset', 2 ** 40], ['generation', 2 ** 24], ['chain', -1], ['offset', 1.5]] as const) {
      const d = { ...sample, [k]: v };
      expect(() => encodeDescriptor(d, buf)).toThrow(DescriptorRangeError);
      expect(() => encodeDescriptor(d, buf)).toThrow(new RegExp(`${k}=`));
    }
    expect(() => makeObject(0, 2 ** 24)).toThrow(DescriptorRangeError);
  });

  it('batch helpers round-trip and check buffer bounds', () => {
    const ds = Array.from({ length: 5 }, (_, i) => ({ ...sample, instance: i, offset: i * 4096 }));
    const buf = descriptorBuffer(6);
    expect(encodeDescriptors(ds, buf, 1)).toBe(5);
    expect(decodeDescriptors(buf, 5, 1)).toEqual(ds);
    expect(() => encodeDescriptors(ds, buf, 2)).toThrow(RangeError);
    expect(() => decodeDescriptors(buf, 7)).toThrow(RangeError);
  });

  it('object helpers split offset and generation', () => {
    const o = makeObject(123456789012, 0xabcdef);
    expect(objectOffset(o)).toBe(123456789012);
    expect(objectGeneration(o)).toBe(0xabcdef);
  });
});
