// The TypeScript codecs must match the C structs the programs were built with: read the BTF
// of the built objects and check sizes and every field's offset by round-tripping values.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProbe, workspaceRoot } from '@fastpath/native';
import {
  DESCRIPTOR_SIZE, SP_MAX_ROUTE_INSTANCES, decodeDescriptor, encodeDescriptor, epCounters, makeFlags, makeObject, spIdentity, spMetricKey,
  spMetrics, spRoute, spRouteKey, topicOf, type Codec,
} from '../src/index.ts';

type Btf = { kind: string; name: string; size: number; members?: { name: string; bits_offset: number }[] };
const btf = (obj: string): Btf[] => JSON.parse(execFileSync('bpftool', ['btf', 'dump', 'file', join(workspaceRoot, 'dist', 'bpf', obj), '-j'], { encoding: 'utf8' })).types;
const struct = (types: Btf[], name: string) => {
  const s = types.find((t) => t.kind === 'STRUCT' && t.name === name);
  if (!s) throw new Error(`struct ${name} is not in the BTF`);
  return s;
};

/** Encodes distinct values per field and reads them back at the BTF offsets. */
function checkCodec<T extends object>(s: Btf, codec: Codec<T>, fields: Record<string, [tsName: string, bytes: 2 | 4 | 8]>) {
  expect(codec.size).toBe(s.size);
  const v: Record<string, number | bigint> = {};
  let n = 1;
  for (const [, [ts, bytes]] of Object.entries(fields)) v[ts] = bytes === 8 ? BigInt(0x0101010101 * n++) : (0x0101 * n++) & (bytes === 2 ? 0xffff : 0xffffffff);
  const b = codec.encode(v as T);
  for (const [c, [ts, bytes]] of Object.entries(fields)) {
    const m = s.members!.find((x) => x.name === c)!;
    expect(m, `${s.name}.${c}`).toBeDefined();
    const off = m.bits_offset / 8;
    const got = bytes === 2 ? b.readUInt16LE(off) : bytes === 4 ? b.readUInt32LE(off) : b.readBigUInt64LE(off);
    expect(got, `${s.name}.${c} at ${off}`).toBe(v[ts]);
  }
  expect(codec.decode(b)).toMatchObject(v);
}

describe('map layouts match the BTF of the built programs', () => {
  const sp = btf('sproxy.bpf.o');
  const ep = btf('eproxy.bpf.o');

  it('SPROXY structs', () => {
    checkCodec(struct(sp, 'sp_identity'), spIdentity, { instance: ['instance', 4], chain: ['chain', 2], function: ['function', 2] });
    checkCodec(struct(sp, 'sp_route_key'), spRouteKey, { chain: ['chain', 2], function: ['function', 2], topic: ['topic', 2] });
    checkCodec(struct(sp, 'sp_metric_key'), spMetricKey, { chain: ['chain', 2], function: ['function', 2] });
    checkCodec(struct(sp, 'sp_metrics'), spMetrics, { delivered: ['delivered', 8], received: ['received', 8], dropped: ['dropped', 8], dead_lettered: ['deadLettered', 8], control: ['control', 8] });
    const r = struct(sp, 'sp_route');
    expect(spRoute.size).toBe(r.size);
    expect(r.members!.map((m) => [m.name, m.bits_offset / 8])).toEqual([['count', 0], ['next', 4], ['instances', 8]]);
    const enc = spRoute.encode({ count: 3, next: 9, instances: [7, 8, 9] });
    expect(spRoute.decode(enc)).toEqual({ count: 3, next: 9, instances: [7, 8, 9] });
    expect(() => spRoute.encode({ count: 0, next: 0, instances: Array(SP_MAX_ROUTE_INSTANCES + 1).fill(1) })).toThrow(RangeError);
  });

  it('EPROXY counters', () => {
    checkCodec(struct(ep, 'ep_counters'), epCounters, {
      rx_packets: ['rxPackets', 8], rx_bytes: ['rxBytes', 8], redirected: ['redirected', 8], redirected_bytes: ['redirectedBytes', 8], passed: ['passed', 8],
    });
  });

  it('the descriptor codec matches native/include/fastpath/descriptor.h', () => {
    const l = loadProbe().descriptorLayout();
    expect(DESCRIPTOR_SIZE).toBe(l.size);
    const b = encodeDescriptor({ instance: 0x01020304, chain: 0x0506, flags: makeFlags(0x5, 0xabc), object: makeObject(0x123456789an, 0x7f) });
    expect(b.readUInt32LE(l.instance)).toBe(0x01020304);
    expect(b.readUInt16LE(l.chain)).toBe(0x0506);
    expect(topicOf(b.readUInt16LE(l.flags))).toBe(0xabc);
    expect(b.readBigUInt64LE(l.object)).toBe(0x123456789an | (0x7fn << 40n));
    expect(decodeDescriptor(b).flags & 0xf).toBe(0x5);
    expect(() => makeFlags(0, 0x1000)).toThrow(RangeError);
  });
});
