// Region: a named shared-memory file (hugetlbfs or /dev/shm) holding mempools and rings.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { koffi } from '@fastpath/native';
import { shmBinding, type Ptr } from './binding.ts';
import { InvalidArgumentError, RegionNotFoundError, ShmCode, shmError, type ShmError } from './errors.ts';
import { Mempool, type MempoolOptions } from './mempool.ts';
import { watchProcessExit } from './process-watch.ts';
import { Ring, type RingOptions } from './ring.ts';

export const KEY_LEN = 16;
/** Environment variables through which a manager hands a region to a child process. */
export const ENV_REGION = 'FASTPATH_SHM_REGION';
export const ENV_KEY = 'FASTPATH_SHM_KEY';

export type Backing = 'hugetlbfs' | 'shm';
export type HugepagePolicy = 'auto' | 'never' | 'require';

export interface RegionCreateOptions {
  /** Bytes (rounded up to the page size). */
  size: number;
  /** auto (default): hugetlbfs when free 2 MiB pages exist, else /dev/shm with one warning. */
  hugepages?: HugepagePolicy;
}

let warnedFallback = false;

/** Throws the typed error for a negative return code. */
export function check(rc: number, region: string | undefined, what: string): number {
  if (rc < 0) throw shmError(rc, region, what, shmBinding().strerror);
  return rc;
}
export function errorFor(rc: number, region: string | undefined, what: string): ShmError {
  return shmError(rc, region, what, shmBinding().strerror);
}

function parseKey(key: Uint8Array | string, region: string): Buffer {
  const buf = typeof key === 'string' ? Buffer.from(key, /^[0-9a-f]{32}$/i.test(key) ? 'hex' : 'base64') : Buffer.from(key);
  if (buf.length !== KEY_LEN) throw new InvalidArgumentError(ShmCode.INVAL, region, `fastpath/shm: key for region "${region}" must be ${KEY_LEN} bytes (32 hex chars), got ${buf.length}`);
  return buf;
}

export class Region implements Disposable {
  readonly name: string;
  readonly size: number;
  readonly backing: Backing;
  readonly path: string;
  readonly creatorPid: number;
  /** The 128-bit domain key (give it only to processes of this domain). */
  readonly key: Buffer;
  #handle: Ptr | null;
  #buffer: ArrayBuffer | undefined;
  readonly #children = new Set<{ close(): void }>();

  private constructor(handle: Ptr) {
    const b = shmBinding();
    this.#handle = handle;
    this.name = b.regionName(handle);
    this.size = Number(b.regionSize(handle));
    this.backing = b.regionBacking(handle) === 1 ? 'hugetlbfs' : 'shm';
    this.path = b.regionPath(handle);
    this.creatorPid = b.regionCreatorPid(handle);
    this.key = Buffer.alloc(KEY_LEN);
    b.regionKey(handle, this.key);
  }

  /** Creates and maps a new region (mode 0600, fresh random key). */
  static create(name: string, opts: RegionCreateOptions): Region {
    const policy = opts.hugepages ?? 'auto';
    const flags = policy === 'never' ? 1 : policy === 'require' ? 2 : 0;
    if (!Number.isSafeInteger(opts.size) || opts.size <= 0) throw new InvalidArgumentError(ShmCode.INVAL, name, `fastpath/shm: region "${name}" size must be a positive integer, got ${opts.size}`);
    const out: Ptr[] = [null];
    check(shmBinding().regionCreate(name, opts.size, flags, out), name, 'create');
    const r = new Region(out[0]);
    if (r.backing === 'shm' && policy === 'auto' && !warnedFallback) {
      warnedFallback = true;
      process.emitWarning(`${process.env.FASTPATH_SHM_NO_HUGEPAGES === '1' ? 'FASTPATH_SHM_NO_HUGEPAGES=1' : 'no free 2 MiB hugepages on a mounted hugetlbfs'}; region "${name}" and later ones use /dev/shm (4 KiB pages, more TLB misses)`, { code: 'FASTPATH_SHM_NO_HUGEPAGES' });
    }
    return r;
  }

  /** Maps an existing region after checking magic, layout version and key. */
  static attach(name: string, key: Uint8Array | string): Region {
    const k = parseKey(key, name);
    const out: Ptr[] = [null];
    check(shmBinding().regionAttach(name, k, out), name, 'attach');
    return new Region(out[0]);
  }

  /** Attaches the region a manager passed through FASTPATH_SHM_REGION / FASTPATH_SHM_KEY. */
  static attachFromEnv(env: NodeJS.ProcessEnv = process.env): Region {
    const name = env[ENV_REGION];
    const key = env[ENV_KEY];
    if (!name || !key) throw new RegionNotFoundError(ShmCode.NOENT, name, `fastpath/shm: ${ENV_REGION} and ${ENV_KEY} must both be set to attach from the environment`);
    return Region.attach(name, key);
  }

  /** Removes the region file; true if it existed. Mappings stay valid until detached. */
  static unlink(name: string): boolean {
    const rc = shmBinding().regionUnlink(name);
    if (rc === ShmCode.NOENT) return false;
    check(rc, name, 'unlink');
    return true;
  }

  /**
   * Removes stale regions named `<prefix>...`: files with the region magic whose creator pid is
   * dead (an interrupted benchmark or test), their wake FIFOs, and dead creators' temp files.
   * Never touches live regions or files without the magic. Returns how many regions it removed.
   */
  static sweepStale(prefix: string): number {
    return check(shmBinding().regionSweep(prefix), prefix, `sweep stale regions "${prefix}*"`);
  }

  /**
   * Manager side: when process `target` (a ChildProcess, or the pid of any process: watched
   * with a pidfd) exits, recover every ring opened through this handle (tombstones for slots it
   * reserved but never published; its reservation records freed), then reclaim every object it
   * owns in every pool opened through this handle. Reports what was done.
   */
  reclaimOnExit(target: ChildProcess | number, onDone?: (r: { pid: number; reclaimed: number; tombstoned: number }) => void): () => void {
    const pid = typeof target === 'number' ? target : target.pid;
    if (pid === undefined) throw new InvalidArgumentError(ShmCode.INVAL, this.name, `fastpath/shm: region "${this.name}" reclaimOnExit: child has no pid (not started)`);
    const onExit = () => {
      if (this.#handle === null) return;
      let reclaimed = 0;
      let tombstoned = 0;
      let pending: Ring[] = [];
      for (const c of this.#children)
        if (c instanceof Ring) {
          const r = c.recover(pid, 100);
          tombstoned += r.tombstoned;
          if (r.pending) pending.push(c);
        }
      for (const c of this.#children) if (c instanceof Mempool) reclaimed += c.reclaim(pid);
      onDone?.({ pid, reclaimed, tombstoned });
      // a dead reservation behind a live one: producers waiting for it repair it too; keep
      // trying here (bounded) in case none does
      let tries = 0;
      const retry = () => {
        if (this.#handle === null || ++tries > 100) return;
        pending = pending.filter((r) => !r.closed && r.recover(0, 10).pending);
        if (pending.length) setTimeout(retry, 50);
      };
      if (pending.length) setTimeout(retry, 50);
    };
    if (typeof target === 'number') return watchProcessExit(pid, onExit);
    target.once('exit', onExit);
    return () => target.off('exit', onExit);
  }

  /** Environment for a child process of this domain (see attachFromEnv). */
  env(): Record<string, string> {
    return { [ENV_REGION]: this.name, [ENV_KEY]: this.key.toString('hex') };
  }

  /** Writes the key to a 0600 file (the other way to hand it to a process). */
  writeKeyFile(path: string): void {
    writeFileSync(path, this.key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  static readKeyFile(path: string): string {
    return readFileSync(path, 'utf8').trim();
  }

  get handle(): Ptr {
    if (this.#handle === null) throw new InvalidArgumentError(ShmCode.INVAL, this.name, `fastpath/shm: region "${this.name}" is detached`);
    return this.#handle;
  }

  /** The whole mapping as an ArrayBuffer (zero-copy; Atomics work on it across processes). */
  get buffer(): ArrayBuffer {
    if (!this.#buffer) this.#buffer = koffi.view(shmBinding().regionBase(this.handle), this.size);
    return this.#buffer;
  }

  /** Carves a named raw area (64-byte aligned) for callers' own shared tables; returns its offset. */
  allocRaw(name: string, size: number): number {
    const off = new BigUint64Array(1);
    check(shmBinding().regionAlloc(this.handle, name, 3, size, off), this.name, `alloc "${name}"`);
    return Number(off[0]);
  }
  /** Offset and size of a named object, or undefined. */
  lookup(name: string): { type: 'mempool' | 'ring' | 'raw'; offset: number; size: number } | undefined {
    const t = new Uint32Array(1);
    const o = new BigUint64Array(1);
    const s = new BigUint64Array(1);
    const rc = shmBinding().regionLookup(this.handle, name, t, o, s);
    if (rc === ShmCode.NOENT) return undefined;
    check(rc, this.name, `lookup "${name}"`);
    return { type: (['', 'mempool', 'ring', 'raw'] as const)[t[0]] as 'mempool' | 'ring' | 'raw', offset: Number(o[0]), size: Number(s[0]) };
  }

  createMempool(name: string, opts: MempoolOptions): Mempool {
    return this.#own(Mempool.create(this, name, opts));
  }
  mempool(name: string): Mempool {
    return this.#own(Mempool.attach(this, name));
  }
  createRing(name: string, opts: RingOptions): Ring {
    return this.#own(Ring.create(this, name, opts));
  }
  ring(name: string): Ring {
    return this.#own(Ring.attach(this, name));
  }
  #own<T extends { close(): void }>(c: T): T {
    this.#children.add(c);
    return c;
  }
  /** @internal a child closed itself */
  forget(c: { close(): void }): void {
    this.#children.delete(c);
  }

  #pins = 0;
  #unmapPending: Ptr | null = null;
  /** @internal a native call running off the main thread (koffi async) uses the mapping. */
  pin(): void {
    this.#pins++;
  }
  /** @internal that call returned; a deferred unmap happens now. */
  unpin(): void {
    if (--this.#pins === 0 && this.#unmapPending !== null) {
      shmBinding().regionDetach(this.#unmapPending);
      this.#unmapPending = null;
    }
  }

  /** Closes pools/rings opened through this region and unmaps it (once no native wait that
   * runs off the main thread still uses the mapping). */
  detach(): void {
    if (this.#handle === null) return;
    for (const c of [...this.#children]) c.close();
    this.#children.clear();
    this.#buffer = undefined;
    if (this.#pins > 0) this.#unmapPending = this.#handle;
    else shmBinding().regionDetach(this.#handle);
    this.#handle = null;
  }
  /** Detaches and removes the file (manager side). */
  destroy(): void {
    const name = this.name;
    this.detach();
    Region.unlink(name);
  }
  get detached(): boolean {
    return this.#handle === null;
  }
  [Symbol.dispose](): void {
    this.detach();
  }
}
