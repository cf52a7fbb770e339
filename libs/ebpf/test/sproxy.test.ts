// SPROXY in one process: real sockhash, real SK_MSG program, real TCP loopback sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '@fastpath/metrics';
import { BpfUsageError, CreditTransport, DescFlag, SproxyManager, exportSproxyMetrics, type Received } from '../src/index.ts';
import { bpftoolJson, isRoot, notRootReason, programsLoaded, until } from './helpers.ts';

describe.skipIf(!isRoot)(`SPROXY descriptor routing (${isRoot ? 'root' : notRootReason})`, () => {
  let m: SproxyManager;
  const open: CreditTransport[] = [];
  const fn = async (instance: number, chain: number, func: number) => {
    const ep = await m.createFunctionSocket({ instance, chain, function: func });
    const t = new CreditTransport(ep.openHere(), { identity: ep.identity, window: 1 << 16 });
    const got: Received[] = [];
    t.on('descriptor', (d) => got.push(d));
    open.push(t);
    return { t, got, ep };
  };

  beforeAll(async () => {
    m = await SproxyManager.start();
  });
  afterAll(async () => {
    for (const t of open) t.close();
    await m?.close();
  });

  it('delivers a descriptor into the target socket, stamped with the sender instance', async () => {
    const a = await fn(101, 1, 1);
    const b = await fn(102, 1, 2);
    a.t.send(102, 0xabcdefn);
    await until(() => b.got.length === 1);
    expect(b.got[0]).toMatchObject({ from: 101, chain: 1, object: 0xabcdefn });
    b.t.send(101, 5n, DescFlag.RESPONSE);
    await until(() => a.got.length === 1);
    expect(a.got[0]).toMatchObject({ from: 102, object: 5n, flags: DescFlag.RESPONSE });
  });

  it('routes every descriptor of one coalesced write on its own (mixed targets in one sendmsg)', async () => {
    const s = await fn(111, 2, 1);
    const r1 = await fn(112, 2, 2);
    const r2 = await fn(113, 2, 3);
    const buf = Buffer.alloc(16 * 300);
    const { encodeDescriptor } = await import('../src/index.ts');
    for (let i = 0; i < 300; i++) encodeDescriptor({ instance: i % 3 === 0 ? 113 : 112, chain: 2, flags: 0, object: BigInt(i) }, buf, i * 16);
    s.t.socket.write(buf); // one write -> one sendmsg carrying 300 descriptors
    await until(() => r1.got.length + r2.got.length === 300);
    expect(r2.got.map((d) => Number(d.object))).toEqual([...Array(100).keys()].map((i) => i * 3));
    expect(r1.got.length).toBe(200);
    expect(r1.got.every((d) => d.from === 111 && Number(d.object) % 3 !== 0)).toBe(true);
  });

  it('does not deliver a descriptor for another chain, counts it, and the sender survives', async () => {
    const x = await fn(121, 3, 1);
    const y = await fn(122, 4, 1);
    const before = m.counts.dropped;
    x.t.socket.write(Buffer.from(new Uint8Array(16))); // descriptor claiming chain 0 from a chain-3 socket
    x.t.send(122, 9n); // chain 3 descriptor to a chain-4 function
    await until(() => m.counts.dropped === before + 2);
    expect(y.got).toEqual([]);
    expect(m.metrics().find((r) => r.chain === 3 && r.function === 1)?.dropped).toBe(2n);
    expect(x.t.socket.destroyed).toBe(false);
    const z = await fn(123, 3, 2);
    x.t.send(123, 1n);
    await until(() => z.got.length === 1);
  });

  it('sends a descriptor for an unknown target to the dead-letter socket; the sender survives', async () => {
    const s = await fn(131, 5, 1);
    const dl: number[] = [];
    m.on('deadLetter', (d) => dl.push(d.instance));
    s.t.send(4242, 1n);
    await until(() => dl.length === 1);
    expect(dl).toEqual([4242]);
    expect(m.metrics().find((r) => r.chain === 5 && r.function === 1)?.deadLettered).toBe(1n);
    expect(s.t.socket.destroyed).toBe(false);
  });

  it('rejects bad identities with a typed error', async () => {
    await expect(m.createFunctionSocket({ instance: 0, chain: 1, function: 1 })).rejects.toBeInstanceOf(BpfUsageError);
    await expect(m.createFunctionSocket({ instance: 0xffffffff, chain: 1, function: 1 })).rejects.toThrow(/dead-letter/);
    await expect(m.createFunctionSocket({ instance: 5, chain: 70000, function: 1 })).rejects.toThrow(/u16/);
  });

  it('exports its per-CPU counters as Prometheus metrics', async () => {
    const reg = createRegistry('fastpath_test_');
    exportSproxyMetrics(reg, m);
    const text = await reg.metrics();
    const want = m.metrics().find((r) => r.chain === 2 && r.function === 1)!;
    expect(want.delivered).toBe(300n);
    expect(text).toContain('fastpath_sproxy_delivered_total{chain="2",function="1"} 300');
    expect(text).toContain('fastpath_sproxy_received_total{chain="2",function="2"} 200');
    expect(text).toContain('fastpath_sproxy_dead_lettered_total{chain="5",function="1"} 1');
    expect(text).toMatch(/fastpath_sproxy_dropped_total\{chain="3",function="1"\} 2/);
  });

  it('groups a run of same-target descriptors into one verdict but still counts each', async () => {
    const s = await fn(141, 6, 1);
    const r = await fn(142, 6, 2);
    s.t.sendBatch(142, Array.from({ length: 1000 }, (_, i) => BigInt(i)));
    await until(() => r.got.length === 1000);
    expect(r.got.map((d) => Number(d.object))).toEqual([...Array(1000).keys()]);
    expect(r.got.every((d) => d.from === 141)).toBe(true);
    expect(m.metrics().find((x) => x.chain === 6 && x.function === 1)?.delivered).toBe(1000n);
  });

  it('a descriptor split over two writes is corked until complete, then routed whole', async () => {
    const s = await fn(151, 7, 1);
    const r = await fn(152, 7, 2);
    const { encodeDescriptor } = await import('../src/index.ts');
    const d = encodeDescriptor({ instance: 152, chain: 7, flags: 0, object: 0x1122334455n });
    await new Promise<void>((res) => s.t.socket.write(d.subarray(0, 8), () => res()));
    await new Promise((res) => setTimeout(res, 50));
    expect(r.got).toEqual([]);
    s.t.socket.write(d.subarray(8));
    await until(() => r.got.length === 1);
    expect(r.got[0]).toMatchObject({ from: 151, chain: 7, object: 0x1122334455n });
  });

  it('is loaded while running (checked with bpftool)', () => {
    const id = m.object.program('sproxy_msg').id;
    expect(programsLoaded([id])).toEqual([id]);
    expect(JSON.stringify(bpftoolJson('map', 'show', 'id', String(m.object.map('sp_sockets').id)))).toContain('sockhash');
  });
});
