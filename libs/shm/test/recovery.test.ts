// Crash recovery beyond children: MPSC producers SIGKILLed at random points (tombstones),
// reclaim for a process that is not our child (pidfd), and the stale-region sweep.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Region } from '../src/index.ts';
import { cleanupRegions, fixture, killChildren, regionName, spawnChild } from './helpers.ts';

afterEach(cleanupRegions);
afterAll(killChildren);

const VICTIMS = 6;

describe('crash recovery', () => {
  it(`MPSC: ${VICTIMS} producers SIGKILLed at random points while two keep producing: none lost or duplicated, no stall`, async () => {
    using r = Region.create(regionName('mpsc-kill'), { size: 8 << 20 });
    const ring = r.createRing('q', { slots: 256, type: 'mpsc' });
    const rawOff = r.allocRaw('done', 64 * 4);
    const done = new Int32Array(r.buffer, rawOff, 64);
    const next = new Float64Array(64);
    let dup = 0;
    let gap = 0;
    let got = 0;
    let lastArrival = Date.now();
    ring.on('burst', (buf, n) => {
      const u32 = new Uint32Array(buf.buffer, buf.byteOffset, n * 4);
      for (let i = 0; i < n; i++) {
        const id = u32[i * 4];
        const seq = u32[i * 4 + 2];
        if (seq < next[id]) dup++;
        else if (seq > next[id]) gap++;
        next[id] = seq + 1;
      }
      got += n;
      lastArrival = Date.now();
    });
    const stop = ring.listen({ strategy: 'hybrid' });
    let tombstoned = 0;
    const steady = [0, 1].map((id) => spawnChild('worker.ts', ['produce-tracked', 'q', String(id), 'done'], r.env()));
    for (const s of steady) r.reclaimOnExit(s.proc, (x) => (tombstoned += x.tombstoned));
    await Promise.all(steady.map((s) => s.line('producing', 120_000)));
    // victims start together (node start-up is slow on a loaded machine) and die at random
    // points of their send loop, each followed by the manager's recovery
    const finals: { id: number; completed: number }[] = [];
    await Promise.all(
      Array.from({ length: VICTIMS }, async (_, v) => {
        const id = 2 + v;
        const child = spawnChild('worker.ts', ['produce-tracked', 'q', String(id), 'done'], r.env());
        const recovered = new Promise<void>((res) =>
          r.reclaimOnExit(child.proc, (x) => {
            tombstoned += x.tombstoned;
            res();
          }),
        );
        await child.line('producing', 120_000);
        await new Promise((res) => setTimeout(res, 5 + Math.random() * 200));
        child.proc.kill('SIGKILL');
        await child.exited;
        await recovered;
        finals.push({ id, completed: Atomics.load(done, id) });
      }),
    );
    // the survivors still get through: the consumer keeps receiving after every kill
    const before = [Atomics.load(done, 0), Atomics.load(done, 1)];
    const deadline = Date.now() + 60_000;
    while ((next[0] < before[0] + 1000 || next[1] < before[1] + 1000) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    for (const s of steady) s.proc.kill('SIGTERM');
    await Promise.all(steady.map((s) => s.exited));
    // drain: everything published is there
    const t0 = Date.now();
    while (ring.count > 0 && Date.now() - t0 < 10_000) await new Promise((res) => setTimeout(res, 10));
    stop();
    expect(Date.now() - lastArrival, 'consumer stalled').toBeLessThan(60_000);
    expect(next[0]).toBeGreaterThanOrEqual(before[0] + 1000);
    expect(next[1]).toBeGreaterThanOrEqual(before[1] + 1000);
    expect(dup).toBe(0);
    expect(gap).toBe(0);
    for (const f of finals) {
      // every descriptor whose send returned arrived; at most the burst in flight beyond that
      expect(next[f.id], `victim ${f.id}`).toBeGreaterThanOrEqual(f.completed);
      expect(next[f.id], `victim ${f.id}`).toBeLessThanOrEqual(f.completed + 8);
    }
    const st = ring.stats();
    expect(st.records).toBe(0);
    // a steady producer waiting behind a dead reservation may repair it before the manager's
    // recover() does: those slots count in the ring's total, not in what recover() returned
    expect(st.tombstones).toBeGreaterThanOrEqual(tombstoned);
    // every slot ever published was either delivered or is a tombstone (32-bit ring indexes)
    expect(st.enqueued).toBe((got + st.tombstones) % 2 ** 32);
    expect(st.dequeued).toBe(st.enqueued);
    console.log(`MPSC kill: ${VICTIMS} victims, ${got} descriptors, ${st.tombstones} slots tombstoned (${tombstoned} by recover()), 0 lost, 0 duplicated`);
  }, 300_000);

  it('reclaimOnExit(pid) reclaims for a process that is not our child (pidfd)', async () => {
    using r = Region.create(regionName('nonchild'), { size: 4 << 20, hugepages: 'never' });
    const pool = r.createMempool('pool', { objectSize: 64, count: 128 });
    const baseline = pool.freeCount;
    // sh starts node in the background: node is sh's child, our grandchild
    const sh = spawn('/bin/sh', ['-c', `"${process.execPath}" --import tsx "${fixture('worker.ts')}" hold pool 20 & echo "pid $!"; wait`], {
      env: { ...process.env, ...r.env() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let outText = '';
    sh.stdout!.setEncoding('utf8').on('data', (d: string) => (outText += d));
    const deadline = Date.now() + 60_000;
    while (!/held/.test(outText) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(outText).toMatch(/held/);
    const pid = Number(/pid (\d+)/.exec(outText)![1]);
    expect(pool.freeCount).toBe(baseline - 20);
    const done = new Promise<{ reclaimed: number }>((res) => r.reclaimOnExit(pid, res));
    process.kill(pid, 'SIGKILL');
    expect((await done).reclaimed).toBe(20);
    expect(pool.freeCount).toBe(baseline);
    await new Promise((res) => sh.once('exit', res));
    // a pid that is already gone is reported at once
    const gone = await new Promise<number>((res) => pool.reclaimOnExit(pid, (n) => res(n)));
    expect(gone).toBe(0);
  });

  it('sweepStale removes regions of dead creators (and their FIFOs), keeps live ones', async () => {
    const prefix = `fpt-${process.pid}-sweep`;
    const dead = `${prefix}-dead`;
    const live = `${prefix}-live`;
    // a child creates a region with a ring and is killed before it can clean up
    const child = spawnChild('worker.ts', ['create-and-hang', dead], {});
    const path = await child.line('created');
    child.proc.kill('SIGKILL');
    await child.exited;
    expect(existsSync(path)).toBe(true);
    using mine = Region.create(live, { size: 1 << 20, hugepages: 'never' });
    mine.createRing('q', { slots: 8 });
    expect(Region.sweepStale(prefix)).toBe(1);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`/dev/shm/fastpath-${dead}@q.wake`)).toBe(false);
    expect(existsSync(mine.path)).toBe(true);
    expect(Region.sweepStale(prefix)).toBe(0);
    expect(() => Region.sweepStale('')).toThrow(/sweep/);
    mine.destroy();
  });
});
