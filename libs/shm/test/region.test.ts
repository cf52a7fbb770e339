import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  HugepagesUnavailableError, InvalidArgumentError, Region, RegionExistsError, RegionKeyError, RegionMagicError,
  RegionNoSpaceError, RegionNotFoundError, RegionVersionError, ShmError,
} from '../src/index.ts';
import { cleanupRegions, killChildren, regionName, spawnChild } from './helpers.ts';

afterEach(cleanupRegions);
afterAll(killChildren);

const freeHugepages = (): number => {
  try {
    const f = (n: string) => Number(readFileSync(n, 'utf8'));
    return f('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') - f('/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages');
  } catch {
    return 0;
  }
};

describe('Region', () => {
  it('creates a 0600 region and another process attaches with the key from the environment', async () => {
    using r = Region.create(regionName('env'), { size: 1 << 20, hugepages: 'never' });
    expect(r.backing).toBe('shm');
    expect(statSync(r.path).mode & 0o777).toBe(0o600);
    expect(r.key).toHaveLength(16);
    expect(r.creatorPid).toBe(process.pid);
    const off = r.allocRaw('counter', 64);
    const ints = new Int32Array(r.buffer, off, 4);
    Atomics.store(ints, 0, 41);
    const c = spawnChild('worker.ts', ['info', 'counter'], r.env());
    expect(await c.line('info')).toBe(`backing=shm size=${r.size} creator=${process.pid} counter=42`);
    expect((await c.exited).code).toBe(0);
    expect(Atomics.load(ints, 0)).toBe(42); // the child's Atomics.add is visible here
  });

  it('hands the key over through a 0600 key file', async () => {
    using r = Region.create(regionName('kf'), { size: 1 << 16, hugepages: 'never' });
    r.allocRaw('counter', 64);
    const dir = mkdtempSync(join(tmpdir(), `fpt-${process.pid}-`));
    try {
      const kf = join(dir, 'key');
      r.writeKeyFile(kf);
      expect(statSync(kf).mode & 0o777).toBe(0o600);
      const c = spawnChild('worker.ts', ['info', 'counter'], { FASTPATH_SHM_REGION: r.name, FP_TEST_KEYFILE: kf, FASTPATH_SHM_KEY: '' });
      expect(await c.line('info')).toContain('counter=1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a wrong key, a missing region, another layout version and a non-region file, naming the region', () => {
    const name = regionName('bad');
    const r = Region.create(name, { size: 1 << 16, hugepages: 'never' });
    const wrong = Buffer.from(r.key);
    wrong[0] ^= 0xff;
    expect(() => Region.attach(name, wrong)).toThrow(RegionKeyError);
    expect(() => Region.attach(name, wrong)).toThrow(new RegExp(`region "${name}".*FP_E_KEY`));
    expect(() => Region.attach(name, 'abcd')).toThrow(InvalidArgumentError);
    // bump the layout version (u32 at byte 8 of the header) as a newer library would have written it
    const hdr = new DataView(r.buffer);
    hdr.setUint32(8, hdr.getUint32(8, true) + 1, true);
    expect(() => Region.attach(name, r.key)).toThrow(RegionVersionError);
    hdr.setUint32(8, hdr.getUint32(8, true) - 1, true);
    using ok = Region.attach(name, r.key.toString('hex'));
    expect(ok.size).toBe(r.size);
    r.destroy();
    expect(() => Region.attach(name, r.key)).toThrow(RegionNotFoundError);
    expect(() => Region.attach(name, r.key)).toThrow(new RegExp(`region "${name}"`));

    const junk = regionName('junk');
    writeFileSync(`/dev/shm/fastpath-${junk}`, Buffer.alloc(8192, 1), { mode: 0o600 });
    expect(() => Region.attach(junk, r.key)).toThrow(RegionMagicError);
    expect(() => Region.attachFromEnv({})).toThrow(RegionNotFoundError);
  });

  it('refuses duplicates, bad names and sizes, and a full region', () => {
    const name = regionName('dup');
    using r = Region.create(name, { size: 1 << 16, hugepages: 'never' });
    expect(() => Region.create(name, { size: 1 << 16, hugepages: 'never' })).toThrow(RegionExistsError);
    expect(() => Region.create('../x', { size: 1 << 16 })).toThrow(InvalidArgumentError);
    expect(() => Region.create(regionName('s'), { size: 0 })).toThrow(InvalidArgumentError);
    expect(() => r.allocRaw('big', 1 << 30)).toThrow(RegionNoSpaceError);
    r.allocRaw('t', 64);
    expect(() => r.allocRaw('t', 64)).toThrow(RegionExistsError);
    expect(r.lookup('t')).toMatchObject({ type: 'raw', size: 64 });
    expect(r.lookup('nope')).toBeUndefined();
    expect(Region.unlink(regionName('never-created'))).toBe(false);
  });

  it('is disposable: detach closes children, further use is a typed error', () => {
    let pool;
    {
      using r = Region.create(regionName('disp'), { size: 1 << 20, hugepages: 'never' });
      pool = r.createMempool('p', { objectSize: 64, count: 4 });
      expect(pool.alloc().ok).toBe(true);
    }
    expect(() => pool.alloc()).toThrow(ShmError);
  });

  it('uses hugetlbfs when 2 MiB pages are free, else require fails with a typed error', () => {
    const name = regionName('huge');
    if (freeHugepages() >= 1) {
      using r = Region.create(name, { size: 1 << 20, hugepages: 'require' });
      expect(r.backing).toBe('hugetlbfs');
      expect(r.size % (2 << 20)).toBe(0);
      expect(r.path.startsWith('/dev/shm')).toBe(false);
      using a = Region.attach(name, r.key);
      expect(a.backing).toBe('hugetlbfs');
      r.destroy();
    } else {
      expect(() => Region.create(name, { size: 1 << 20, hugepages: 'require' })).toThrow(HugepagesUnavailableError);
    }
  });

  it('falls back to /dev/shm when hugepages are unavailable and says so exactly once', async () => {
    const c = spawnChild('worker.ts', ['fallback', regionName('fb')], { FASTPATH_SHM_NO_HUGEPAGES: '1' });
    const { code } = await c.exited;
    expect(code, c.stderr).toBe(0);
    expect(c.stdout.match(/backing shm/g)).toHaveLength(2);
    expect(c.stderr.match(/use \/dev\/shm/g), c.stderr).toHaveLength(1);
  });
});
