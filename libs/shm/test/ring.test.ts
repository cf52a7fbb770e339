import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_SIZE, InvalidArgumentError, Region, decodeDescriptors, descriptorBuffer, encodeDescriptors, type Descriptor } from '../src/index.ts';
import { cleanupRegions, regionName } from './helpers.ts';

afterEach(cleanupRegions);

const d = (i: number): Descriptor => ({ instance: i, chain: 3, flags: 1, topic: 9, offset: 4096 * i, generation: i & 0xffffff });
const mkRegion = () => Region.create(regionName('ring'), { size: 4 << 20, hugepages: 'never' });

describe('Ring', () => {
  it('sends and receives single descriptors and bursts in order, reports full as false', () => {
    using r = mkRegion();
    const ring = r.createRing('q', { slots: 8 });
    expect(ring.type).toBe('spsc');
    expect(ring.capacity).toBe(8);
    expect(ring.receive()).toBeNull();
    for (let i = 0; i < 8; i++) expect(ring.send(d(i))).toBe(true);
    expect(ring.send(d(99))).toBe(false);
    expect(ring.count).toBe(8);
    expect(ring.receive()).toEqual(d(0));
    const buf = descriptorBuffer(16);
    expect(ring.receiveBurst(buf)).toBe(7);
    expect(decodeDescriptors(buf, 7)).toEqual([1, 2, 3, 4, 5, 6, 7].map(d));
    encodeDescriptors(Array.from({ length: 16 }, (_, i) => d(100 + i)), buf);
    expect(ring.sendBurst(buf)).toBe(8); // only what fits
    expect(ring.receiveBurst(buf, 3)).toBe(3);
    expect(decodeDescriptors(buf, 3)).toEqual([100, 101, 102].map(d));
    expect(ring.stats().full).toBeGreaterThanOrEqual(1);
    expect(() => ring.sendBurst(buf, 17)).toThrow(InvalidArgumentError);
    expect(() => r.createRing('bad', { slots: 6 })).toThrow(InvalidArgumentError);
    expect(() => r.createRing('bad', { slots: 8, type: 'xx' as never })).toThrow(InvalidArgumentError);
  });

  it('a second attachment sees the same ring (mpsc)', () => {
    using r = mkRegion();
    const ring = r.createRing('m', { slots: 16, type: 'mpsc' });
    using r2 = Region.attach(r.name, r.key);
    const other = r2.ring('m');
    expect(other.type).toBe('mpsc');
    expect(other.send(d(5))).toBe(true);
    expect(ring.receive()).toEqual(d(5));
  });

  for (const [strategy, integration] of [['poll', 'fifo'], ['sleep', 'fifo'], ['hybrid', 'fifo'], ['sleep', 'pipe'], ['hybrid', 'pipe'], ['sleep', 'async'], ['hybrid', 'async']] as const) {
    it(`listen(${strategy}, ${integration}) delivers every descriptor without blocking the event loop`, async () => {
      using r = mkRegion();
      const ring = r.createRing('l', { slots: 64 });
      const got: Descriptor[] = [];
      ring.on('descriptor', (x) => got.push(x));
      const stop = ring.listen({ strategy, integration });
      let timerFired = 0;
      const timer = setInterval(() => timerFired++, 5);
      try {
        // trickle: the consumer goes idle (and, for sleep/hybrid, to sleep) between sends
        for (let i = 0; i < 20; i++) {
          expect(ring.send(d(i))).toBe(true);
          await new Promise((res) => setTimeout(res, 3));
        }
        const t0 = Date.now();
        while (got.length < 20 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 5));
      } finally {
        clearInterval(timer);
        stop();
      }
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => d(i)));
      expect(timerFired).toBeGreaterThan(3); // the loop kept running
      if (strategy === 'sleep') expect(ring.stats().sleeps).toBeGreaterThan(0);
    });
  }

  it('async iterator yields descriptors and stops listening when the loop breaks', async () => {
    using r = mkRegion();
    const ring = r.createRing('it', { slots: 16 });
    setTimeout(() => {
      for (let i = 0; i < 5; i++) ring.send(d(i));
    }, 20);
    const seen: number[] = [];
    for await (const x of ring) {
      seen.push(x.instance);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // listener is gone: a new one can start
    const stop = ring.listen({ strategy: 'sleep' });
    stop();
  });

  it('wait() resolves off the main thread when data arrives, and times out', async () => {
    using r = mkRegion();
    const ring = r.createRing('w', { slots: 16 });
    const p = ring.wait('sleep', 5000);
    setTimeout(() => ring.send(d(1)), 20);
    expect(await p).toBe(1);
    ring.receive();
    await expect(ring.wait('hybrid', 20)).rejects.toThrow(/FP_E_TIMEOUT/);
    expect(ring.waitSync('poll', 1_000_000)).toBe(0);
  });

  it('refuses a second listener and rejects unknown integrations', async () => {
    using r = mkRegion();
    const ring = r.createRing('x', { slots: 16 });
    const stop = ring.listen({ strategy: 'sleep' });
    expect(() => ring.listen({ strategy: 'sleep' })).toThrow(InvalidArgumentError);
    stop();
    expect(() => ring.listen({ strategy: 'sleep', integration: 'carrier-pigeon' as never })).toThrow(InvalidArgumentError);
    // a burst event carries the raw buffer for zero-decode consumers
    const stop2 = ring.listen({ strategy: 'sleep' });
    ring.send(d(3));
    const [buf, n] = await once(ring, 'burst');
    stop2();
    expect(n).toBe(1);
    expect((buf as Buffer).subarray(0, DESCRIPTOR_SIZE).readUInt32LE(0)).toBe(3);
  });
});
