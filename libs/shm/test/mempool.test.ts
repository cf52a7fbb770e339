import { afterEach, describe, expect, it } from 'vitest';
import { DoubleFreeError, InvalidArgumentError, makeObject, ObjectTypeError, Region, RegionExistsError, RegionNotFoundError, StaleObjectError } from '../src/index.ts';
import { cleanupRegions, regionName } from './helpers.ts';

afterEach(cleanupRegions);

const mkRegion = () => Region.create(regionName('mp'), { size: 4 << 20, hugepages: 'never' });

describe('Mempool', () => {
  it('allocates, gives zero-copy views shared by every attachment, and frees', () => {
    using r = mkRegion();
    const pool = r.createMempool('p', { objectSize: 1000, count: 16 });
    expect(pool.objectSize).toBe(1024);
    expect(pool.count).toBe(16);
    const a = pool.alloc();
    if (!a.ok) throw new Error('exhausted');
    expect(pool.info(a)).toEqual({ owner: process.pid, refcount: 1 });
    const v = pool.view(a);
    v.fill(0x33);
    using other = Region.attach(r.name, r.key);
    const p2 = other.mempool('p');
    // a different mapping of the same bytes
    expect(p2.view(a)[1023]).toBe(0x33);
    p2.view(a)[0] = 7;
    expect(v[0]).toBe(7);
    expect(pool.free(a)).toBe('freed');
    expect(pool.freeCount).toBe(16);
    expect(() => pool.view(a)).toThrow(DoubleFreeError);
    expect(() => r.createMempool('p', { objectSize: 8, count: 1 })).toThrow(RegionExistsError);
    expect(() => r.mempool('missing')).toThrow(RegionNotFoundError);
    r.createRing('ring', { slots: 4 });
    expect(() => r.mempool('ring')).toThrow(ObjectTypeError);
    expect(() => r.createMempool('z', { objectSize: 0, count: 1 })).toThrow(InvalidArgumentError);
  });

  it('detects, counts and rejects double frees and stale generations', () => {
    using r = mkRegion();
    const pool = r.createMempool('p', { objectSize: 64, count: 2 });
    const a = pool.alloc();
    if (!a.ok) throw new Error('exhausted');
    expect(pool.free(a)).toBe('freed');
    expect(() => pool.free(a)).toThrow(DoubleFreeError);
    const b = pool.alloc(); // same slot (LIFO free list), next generation
    if (!b.ok) throw new Error('exhausted');
    expect(b.offset).toBe(a.offset);
    expect(b.generation).toBe(a.generation + 1);
    expect(() => pool.free(a)).toThrow(StaleObjectError);
    expect(pool.isValid(a)).toBe(false);
    expect(pool.isValid(b)).toBe(true);
    expect(() => pool.free({ offset: b.offset + 8, generation: b.generation })).toThrow(InvalidArgumentError);
    const s = pool.stats();
    expect(s.doubleFrees).toBe(1);
    expect(s.stale).toBe(1);
    expect(pool.free(b)).toBe('freed');
  });

  it('exhaustion is a typed result, never a wait; bulk ops are all-or-nothing', () => {
    using r = mkRegion();
    const pool = r.createMempool('p', { objectSize: 64, count: 8 });
    const objs = new BigUint64Array(8);
    expect(pool.allocBulk(objs, 6)).toBe(true);
    expect(pool.allocBulk(objs.subarray(6), 2)).toBe(true);
    expect(pool.alloc()).toEqual({ ok: false, reason: 'exhausted' });
    expect(pool.allocBulk(new BigUint64Array(1))).toBe(false);
    expect(pool.stats().exhausted).toBe(2);
    const results = new Int32Array(9);
    const withBogus = new BigUint64Array([...objs, makeObject(1, 0)]);
    expect(pool.freeBulk(withBogus, 9, results)).toBe(8);
    expect([...results]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, -1]);
    expect(pool.freeCount).toBe(8);
    expect(pool.freeBulk(objs, 8)).toBe(0); // all double frees
    expect(pool.stats().doubleFrees).toBe(8);
    expect(pool.audit()).toBe(0);
  });

  it('reference counts fan-out; reclaim frees every object of a dead owner', () => {
    using r = mkRegion();
    const pool = r.createMempool('p', { objectSize: 64, count: 32 });
    const a = pool.alloc();
    if (!a.ok) throw new Error('exhausted');
    pool.ref(a, 2);
    expect(pool.info(a).refcount).toBe(3);
    expect(pool.free(a)).toBe('referenced');
    expect(pool.free(a)).toBe('referenced');
    expect(pool.free(a)).toBe('freed');

    pool.owner = 4242; // a worker process that will "die"
    const theirs = new BigUint64Array(10);
    expect(pool.allocBulk(theirs)).toBe(true);
    pool.owner = process.pid;
    const mine = pool.alloc();
    if (!mine.ok) throw new Error('exhausted');
    expect(pool.freeCount).toBe(21);
    expect(pool.reclaim(4242)).toBe(10);
    expect(pool.freeCount).toBe(31);
    expect(pool.stats().reclaimed).toBe(10);
    expect(pool.isValid(mine)).toBe(true);
    pool.setOwner(mine, 777);
    expect(pool.info(mine).owner).toBe(777);
    expect(pool.ownerOf(mine)).toBe(777);
    expect(pool.reclaim(777)).toBe(1);
    expect(pool.ownerOf(mine)).toBe(0); // reclaimed: no longer a live allocation
    expect(pool.freeCount).toBe(32);
  });
});
