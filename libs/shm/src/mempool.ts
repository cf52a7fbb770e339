// Mempool: fixed-size objects in a region, lock-free alloc/free, generation-checked references.
import type { ChildProcess } from 'node:child_process';
import { shmBinding, type Ptr } from './binding.ts';
import { GENERATION_MAX, OFFSET_MAX, makeObject } from './descriptor.ts';
import { ShmCode } from './errors.ts';
import { watchProcessExit } from './process-watch.ts';
import { check, errorFor, type Region } from './region.ts';

export interface MempoolOptions {
  /** Payload bytes per object (rounded up to 64). */
  objectSize: number;
  count: number;
}

/** An object reference: payload offset in the region + generation (as in a descriptor). */
export interface ObjectRef {
  offset: number;
  generation: number;
}

/** alloc() never blocks: an exhausted pool is a value the caller turns into backpressure. */
export type AllocResult = ({ ok: true } & ObjectRef) | { ok: false; reason: 'exhausted' };
/** free(): 'freed' = back in the pool, 'referenced' = other references remain. */
export type FreeResult = 'freed' | 'referenced';

export interface MempoolStats {
  count: number;
  free: number;
  objectSize: number;
  allocs: number;
  frees: number;
  exhausted: number;
  doubleFrees: number;
  stale: number;
  reclaimed: number;
}

const toObject = (r: ObjectRef): bigint => makeObject(r.offset, r.generation);

export class Mempool implements Disposable {
  readonly name: string;
  readonly region: Region;
  readonly objectSize: number;
  readonly count: number;
  /** Owner id stamped on objects this handle allocates (default: this pid). */
  owner: number = process.pid;
  #h: Ptr | null;
  // scratch u64 shared with a u32 view: alloc/free move object references through it without
  // BigInt arithmetic (the hot path is ~10x cheaper that way)
  readonly #one = new BigUint64Array(1);
  readonly #oneU32 = new Uint32Array(this.#one.buffer);
  readonly #res = new Int32Array(1);

  private constructor(region: Region, name: string, h: Ptr) {
    const b = shmBinding();
    this.region = region;
    this.name = name;
    this.#h = h;
    this.objectSize = b.mempoolObjSize(h);
    this.count = b.mempoolCount(h);
    this.payloadBase = Number(b.mempoolPayloadBase(h));
    this.stride = b.mempoolStride(h);
  }
  /** Region offset of object 0's payload; object i's payload is at payloadBase + i * stride. */
  readonly payloadBase: number;
  readonly stride: number;
  static create(region: Region, name: string, opts: MempoolOptions): Mempool {
    const out: Ptr[] = [null];
    check(shmBinding().mempoolCreate(region.handle, name, opts.objectSize, opts.count, out), region.name, `create mempool "${name}"`);
    return new Mempool(region, name, out[0]);
  }
  static attach(region: Region, name: string): Mempool {
    const out: Ptr[] = [null];
    check(shmBinding().mempoolAttach(region.handle, name, out), region.name, `attach mempool "${name}"`);
    return new Mempool(region, name, out[0]);
  }
  get handle(): Ptr {
    if (this.#h === null) throw errorFor(ShmCode.INVAL, this.region.name, `mempool "${this.name}" is closed`);
    return this.#h;
  }

  alloc(): AllocResult {
    const rc = shmBinding().mempoolAlloc(this.handle, this.owner, this.#one);
    if (rc === ShmCode.EXHAUSTED) return { ok: false, reason: 'exhausted' };
    check(rc, this.region.name, `alloc from "${this.name}"`);
    const hi = this.#oneU32[1];
    return { ok: true, offset: this.#oneU32[0] + (hi & 0xff) * 2 ** 32, generation: hi >>> 8 };
  }
  /** All-or-nothing bulk alloc into out[0..n) as u64 objects; false when exhausted. */
  allocBulk(out: BigUint64Array, n: number = out.length): boolean {
    if (n > out.length) throw errorFor(ShmCode.INVAL, this.region.name, `allocBulk n=${n} > out.length=${out.length}`);
    const rc = shmBinding().mempoolAllocBulk(this.handle, this.owner, out, n);
    if (rc === ShmCode.EXHAUSTED) return false;
    check(rc, this.region.name, `allocBulk from "${this.name}"`);
    return true;
  }
  /** Drops one reference; throws DoubleFreeError / StaleObjectError (also counted in stats). */
  free(ref: ObjectRef): FreeResult {
    const { offset, generation } = ref;
    if (!(offset >= 0 && offset <= OFFSET_MAX && generation >= 0 && generation <= GENERATION_MAX && Number.isInteger(offset) && Number.isInteger(generation)))
      throw errorFor(ShmCode.INVAL, this.region.name, `free: bad object reference ${offset}@${generation}`);
    this.#oneU32[0] = offset % 2 ** 32;
    this.#oneU32[1] = Math.floor(offset / 2 ** 32) | (generation << 8);
    shmBinding().mempoolFreeBulk(this.handle, this.#one, 1, this.#res);
    return check(this.#res[0], this.region.name, `free ${offset}@${generation} in "${this.name}"`) === 1 ? 'freed' : 'referenced';
  }
  /** Frees n u64 objects; returns how many were accepted (rejections are counted in stats and
   * reported per entry in results when given). */
  freeBulk(objects: BigUint64Array, n: number = objects.length, results: Int32Array | null = null): number {
    if (n > objects.length || (results && results.length < n)) throw errorFor(ShmCode.INVAL, this.region.name, `freeBulk n=${n} exceeds its arrays`);
    return check(shmBinding().mempoolFreeBulk(this.handle, objects, n, results), this.region.name, `freeBulk in "${this.name}"`);
  }
  /** Adds n references for fan-out. */
  ref(ref: ObjectRef, n = 1): void {
    check(shmBinding().mempoolRef(this.handle, toObject(ref), n), this.region.name, `ref ${ref.offset}@${ref.generation}`);
  }
  /** Hands the object to another owner so reclaim follows its current holder. */
  setOwner(ref: ObjectRef, owner: number): void {
    check(shmBinding().mempoolSetOwner(this.handle, toObject(ref), owner), this.region.name, `setOwner ${ref.offset}@${ref.generation}`);
  }
  /** True when ref is a live allocation of this pool. */
  isValid(ref: ObjectRef): boolean {
    return shmBinding().mempoolCheck(this.handle, toObject(ref)) === 0;
  }
  readonly #owner = new Uint32Array(1);
  readonly #refs = new Uint32Array(1);
  /** Owner of a live allocation, 0 when `ref` is not one (freed, or reallocated since): a
   * receiver's "is this object mine yet" in one call, without allocating. */
  ownerOf(ref: ObjectRef): number {
    return shmBinding().mempoolInfo(this.handle, toObject(ref), this.#owner, this.#refs) === 0 ? this.#owner[0] : 0;
  }
  info(ref: ObjectRef): { owner: number; refcount: number } {
    const o = new Uint32Array(1);
    const c = new Uint32Array(1);
    check(shmBinding().mempoolInfo(this.handle, toObject(ref), o, c), this.region.name, `info ${ref.offset}@${ref.generation}`);
    return { owner: o[0], refcount: c[0] };
  }
  /** Zero-copy view of an object's payload; throws StaleObjectError for an old reference. */
  view(ref: ObjectRef): Uint8Array {
    check(shmBinding().mempoolCheck(this.handle, toObject(ref)), this.region.name, `view ${ref.offset}@${ref.generation}`);
    return new Uint8Array(this.region.buffer, ref.offset, this.objectSize);
  }
  /** Like view() without the generation check (hot path; the caller validated the descriptor). */
  viewUnchecked(offset: number): Uint8Array {
    return new Uint8Array(this.region.buffer, offset, this.objectSize);
  }
  /** Frees every object owned by a dead process; returns how many. */
  reclaim(owner: number): number {
    return check(shmBinding().mempoolReclaim(this.handle, owner), this.region.name, `reclaim owner ${owner}`);
  }
  /** Manager side: when `child` exits (however it dies), reclaim every object it owns and report
   * the count. Objects it sent that still sit in rings are reclaimed too (their descriptors turn
   * stale); to hand those to a new consumer instead, drain first and call reclaim() yourself.
   * `target` is a ChildProcess or the pid of any process (watched with a pidfd).
   * Returns a function that stops watching. */
  reclaimOnExit(target: ChildProcess | number, onReclaimed?: (count: number, pid: number) => void): () => void {
    const pid = typeof target === 'number' ? target : target.pid;
    if (pid === undefined) throw errorFor(ShmCode.INVAL, this.region.name, 'reclaimOnExit: child has no pid (not started)');
    const onExit = () => {
      if (this.#h === null) return;
      const n = this.reclaim(pid);
      onReclaimed?.(n, pid);
    };
    // a pid: any process, through a pidfd (it need not be our child)
    if (typeof target === 'number') return watchProcessExit(pid, onExit);
    target.once('exit', onExit);
    return () => target.off('exit', onExit);
  }
  /** Quiescent audit: objects lost by a process killed inside alloc/free; repair puts them back. */
  audit(repair = false): number {
    return check(shmBinding().mempoolAudit(this.handle, repair ? 1 : 0), this.region.name, 'audit');
  }
  get freeCount(): number {
    return shmBinding().mempoolFreeCount(this.handle);
  }
  stats(): MempoolStats {
    const buf = Buffer.alloc(64);
    shmBinding().mempoolStats(this.handle, buf);
    const u = (o: number) => Number(buf.readBigUInt64LE(o));
    return {
      count: buf.readUInt32LE(0),
      free: buf.readUInt32LE(4),
      objectSize: buf.readUInt32LE(8),
      allocs: u(16),
      frees: u(24),
      exhausted: u(32),
      doubleFrees: u(40),
      stale: u(48),
      reclaimed: u(56),
    };
  }
  close(): void {
    if (this.#h === null) return;
    shmBinding().mempoolClose(this.#h);
    this.#h = null;
    this.region.forget(this);
  }
  [Symbol.dispose](): void {
    this.close();
  }
}
