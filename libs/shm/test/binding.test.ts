// The C functions the higher-level classes do not call directly, and the ASan build under node.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { koffi, workspaceRoot } from '@fastpath/native';
import { runUnderAsan } from '@fastpath/native/testing';
import { Region, SHM_ABI, makeObject, shmBinding } from '../src/index.ts';
import { cleanupRegions, regionName } from './helpers.ts';

afterEach(cleanupRegions);

describe('native binding', () => {
  const b = shmBinding();

  it('ABI, nop and error names', () => {
    expect(b.abiVersion()).toBe(SHM_ABI);
    expect(Number(b.nop(12345))).toBe(12345);
    expect(b.strerror(-9)).toMatch(/^FP_E_DOUBLE_FREE/);
  });

  it('region pointers, payload addressing and data pointers agree with the TS views', () => {
    using r = Region.create(regionName('bind'), { size: 1 << 20, hugepages: 'never' });
    const pool = r.createMempool('p', { objectSize: 64, count: 4 });
    const a = pool.alloc();
    if (!a.ok) throw new Error('exhausted');
    expect(a.offset).toBe(pool.payloadBase);
    expect(pool.stride).toBe(128);
    const viaData = koffi.view(b.mempoolData(pool.handle, makeObject(a.offset, a.generation)), 64);
    const viaPtr = koffi.view(b.regionPtr(r.handle, a.offset, 64), 64);
    new Uint8Array(viaData)[5] = 99;
    expect(new Uint8Array(viaPtr)[5]).toBe(99);
    expect(pool.view(a)[5]).toBe(99);
    expect(b.regionPtr(r.handle, r.size - 8, 16)).toBeNull();
    pool.free(a);
    expect(b.mempoolData(pool.handle, makeObject(a.offset, a.generation))).toBeNull();
  });

  it('notify() wakes a sleeping wait with the ring still empty (0)', async () => {
    using r = Region.create(regionName('notify'), { size: 1 << 20, hugepages: 'never' });
    const ring = r.createRing('q', { slots: 8 });
    const p = ring.wait('sleep', 5000);
    setTimeout(() => ring.notify(), 30);
    expect(await p).toBe(0);
  });

  it('waiter with a koffi-registered callback fires on the main thread', async () => {
    using r = Region.create(regionName('cb'), { size: 1 << 20, hugepages: 'never' });
    const ring = r.createRing('q', { slots: 8 });
    const out: unknown[] = [null];
    let calls = 0;
    const cb = koffi.register(() => void calls++, koffi.pointer(b.waiterCbType));
    expect(b.waiterStartCb(ring.handle, 1, cb, null, out)).toBe(0);
    ring.send({ instance: 1, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 });
    for (let i = 0; i < 400 && calls === 0; i++) await new Promise((res) => setTimeout(res, 5));
    expect(calls).toBe(1);
    b.waiterStop(out[0]); // parked (not re-armed): safe to join from here
    koffi.unregister(cb);
  });

  it('the ASan/UBSan build loads under node and runs region, mempool, ring and waiter', () => {
    const res = runUnderAsan(join(workspaceRoot, 'libs/shm/test/fixtures/asan-smoke.ts'));
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('asan-shm-ok');
  });
});
