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

  it('wake FIFO: park flags the ring, the next send writes one byte, unpark withdraws', async () => {
    using r = Region.create(regionName('park'), { size: 1 << 20, hugepages: 'never' });
    const ring = r.createRing('q', { slots: 8 });
    const fd = b.ringWakeFd(ring.handle);
    expect(fd).toBeGreaterThanOrEqual(0);
    const { readSync, closeSync } = await import('node:fs');
    const readByte = () => {
      try {
        return readSync(fd, Buffer.alloc(16));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
        throw e;
      }
    };
    expect(b.ringPark(ring.handle)).toBe(0);
    ring.send({ instance: 1, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 });
    ring.send({ instance: 2, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 });
    expect(readByte()).toBe(1); // one wake for the two sends
    expect(b.ringPark(ring.handle)).toBe(2); // not empty: refused
    ring.receiveBurst(Buffer.alloc(32));
    expect(b.ringPark(ring.handle)).toBe(0);
    b.ringUnpark(ring.handle);
    ring.send({ instance: 3, chain: 0, flags: 0, topic: 0, offset: 0, generation: 0 });
    expect(readByte()).toBe(0);
    closeSync(fd);
  });

  it('spin budget adaptation (fp_spin_adapt): keep on a hit, grow on a short sleep, halve on a long one, quarter when starved', () => {
    const m = new Uint32Array(1);
    expect(b.spinAdapt(8000, 50_000, 1, 0, m)).toBe(8000);
    expect(b.spinAdapt(8000, 50_000, 0, 12_000, m)).toBe(16_000);
    expect(m[0]).toBe(1);
    expect(b.spinAdapt(8000, 50_000, 0, 5_000_000, m)).toBe(4000);
    m[0] = 7;
    expect(b.spinAdapt(8000, 1_000_000, 0, 9000, m)).toBe(2000);
  });

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
    // notify once the waiter sleeps (a notify before that has nobody to wake, by design); the
    // waiter runs on a libuv thread that a loaded machine may start late
    const until = Date.now() + 4000;
    while (ring.stats().sleeps === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    ring.notify();
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
