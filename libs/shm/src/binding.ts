// koffi binding of native/shm (dist/native/libfastpath_shm.so): one typed wrapper per exported
// C function, loaded once per process. Higher-level classes live in region.ts/mempool.ts/ring.ts.
import { koffi, loadLibrary } from '@fastpath/native';

export const SHM_ABI = 2;

export type Ptr = unknown; // koffi external pointer

export interface ShmBinding {
  abiVersion(): number;
  strerror(code: number): string;
  nop(x: number | bigint): number | bigint;
  descPack(out: Uint8Array, instance: number, chain: number, flags: number, topic: number, offset: number, generation: number): number;
  regionCreate(name: string, size: number, flags: number, out: Ptr[]): number;
  regionAttach(name: string, key: Uint8Array, out: Ptr[]): number;
  regionDetach(r: Ptr): void;
  regionUnlink(name: string): number;
  regionSweep(prefix: string): number;
  regionBase(r: Ptr): Ptr;
  regionSize(r: Ptr): number;
  regionBacking(r: Ptr): number;
  regionName(r: Ptr): string;
  regionPath(r: Ptr): string;
  regionCreatorPid(r: Ptr): number;
  regionKey(r: Ptr, out: Uint8Array): void;
  regionPtr(r: Ptr, offset: number, len: number): Ptr;
  regionAlloc(r: Ptr, name: string, type: number, size: number, offset: BigUint64Array): number;
  regionLookup(r: Ptr, name: string, type: Uint32Array | null, offset: BigUint64Array | null, size: BigUint64Array | null): number;

  mempoolCreate(r: Ptr, name: string, objSize: number, count: number, out: Ptr[]): number;
  mempoolAttach(r: Ptr, name: string, out: Ptr[]): number;
  mempoolClose(mp: Ptr): void;
  mempoolAlloc(mp: Ptr, owner: number, out: BigUint64Array): number;
  mempoolAllocBulk(mp: Ptr, owner: number, out: BigUint64Array, n: number): number;
  mempoolFree(mp: Ptr, object: bigint): number;
  mempoolFreeBulk(mp: Ptr, objects: BigUint64Array, n: number, results: Int32Array | null): number;
  mempoolRef(mp: Ptr, object: bigint, n: number): number;
  mempoolSetOwner(mp: Ptr, object: bigint, owner: number): number;
  mempoolCheck(mp: Ptr, object: bigint): number;
  mempoolData(mp: Ptr, object: bigint): Ptr;
  mempoolInfo(mp: Ptr, object: bigint, owner: Uint32Array, refcnt: Uint32Array): number;
  mempoolReclaim(mp: Ptr, owner: number): number;
  mempoolAudit(mp: Ptr, repair: number): number;
  mempoolStats(mp: Ptr, out: Buffer): void;
  mempoolFreeCount(mp: Ptr): number;
  mempoolObjSize(mp: Ptr): number;
  mempoolCount(mp: Ptr): number;
  mempoolPayloadBase(mp: Ptr): number;
  mempoolStride(mp: Ptr): number;

  ringCreate(r: Ptr, name: string, type: number, slots: number, out: Ptr[]): number;
  ringAttach(r: Ptr, name: string, out: Ptr[]): number;
  ringClose(ring: Ptr): void;
  ringEnqueueBurst(ring: Ptr, d: Uint8Array, n: number): number;
  ringDequeueBurst(ring: Ptr, d: Uint8Array, n: number): number;
  ringEnqueue(ring: Ptr, d: Uint8Array): number;
  ringDequeue(ring: Ptr, d: Uint8Array): number;
  ringCount(ring: Ptr): number;
  ringCapacity(ring: Ptr): number;
  ringType(ring: Ptr): number;
  ringWait(ring: Ptr, strategy: number, timeoutNs: number): number;
  ringWaitAsync(ring: Ptr, strategy: number, timeoutNs: number, cb: (err: unknown, res: number) => void): void;
  ringNotify(ring: Ptr): void;
  ringStats(ring: Ptr, out: Buffer): void;
  ringWakeFd(ring: Ptr): number;
  ringPark(ring: Ptr): number;
  ringUnpark(ring: Ptr): void;
  spinAdapt(budgetNs: number, maxNs: number, hit: number, idleNs: number, misses: Uint32Array): number;
  ringRecover(ring: Ptr, pid: number, timeoutNs: number, tombstoned: Uint32Array): number;

  pidwatchStart(out: Ptr[]): number;
  pidwatchFd(w: Ptr): number;
  pidwatchAdd(w: Ptr, pid: number): number;
  pidwatchStop(w: Ptr): void;

  waiterStart(ring: Ptr, strategy: number, out: Ptr[]): number;
  waiterFd(w: Ptr): number;
  waiterArm(w: Ptr): void;
  waiterStop(w: Ptr): void;
  waiterStartCb(ring: Ptr, strategy: number, cb: Ptr, ctx: Ptr, out: Ptr[]): number;
  /** koffi prototype of fp_waiter_cb, for koffi.register. */
  waiterCbType: koffi.IKoffiCType;
}

let cached: ShmBinding | undefined;

export function shmBinding(): ShmBinding {
  if (cached) return cached;
  const lib = loadLibrary('fastpath_shm');
  koffi.opaque('fp_region');
  koffi.opaque('fp_mempool');
  koffi.opaque('fp_ring');
  koffi.opaque('fp_waiter');
  koffi.opaque('fp_pidwatch');
  const cbType = koffi.proto('void fp_waiter_cb(void *ctx)');
  const f = (sig: string) => lib.func(sig);
  const abi = f('int fp_shm_abi_version(void)');
  const got = abi() as number;
  if (got !== SHM_ABI) throw new Error(`fastpath/shm: native ABI ${got}, binding expects ${SHM_ABI}; rebuild with: pnpm nx run native-shm:build`);
  const ringWait = f('int fp_ring_wait(fp_ring *ring, int strategy, int64_t timeout_ns)');
  const b: ShmBinding = {
    abiVersion: abi as any,
    strerror: f('const char *fp_shm_strerror(int err)') as any,
    nop: f('uint64_t fp_shm_nop(uint64_t x)') as any,
    descPack: f('int fp_desc_pack(_Out_ uint8_t *out, uint32_t instance, uint16_t chain, uint16_t flags, uint16_t topic, uint64_t offset, uint32_t generation)') as any,
    regionCreate: f('int fp_region_create(const char *name, uint64_t size, unsigned int flags, _Out_ fp_region **out)') as any,
    regionAttach: f('int fp_region_attach(const char *name, const uint8_t *key, _Out_ fp_region **out)') as any,
    regionDetach: f('void fp_region_detach(fp_region *r)') as any,
    regionUnlink: f('int fp_region_unlink(const char *name)') as any,
    regionSweep: f('int fp_region_sweep(const char *prefix)') as any,
    regionBase: f('void *fp_region_base(const fp_region *r)') as any,
    regionSize: f('uint64_t fp_region_size(const fp_region *r)') as any,
    regionBacking: f('int fp_region_backing(const fp_region *r)') as any,
    regionName: f('const char *fp_region_name(const fp_region *r)') as any,
    regionPath: f('const char *fp_region_path(const fp_region *r)') as any,
    regionCreatorPid: f('int32_t fp_region_creator_pid(const fp_region *r)') as any,
    regionKey: f('void fp_region_key(const fp_region *r, _Out_ uint8_t *out)') as any,
    regionPtr: f('void *fp_region_ptr(const fp_region *r, uint64_t offset, uint64_t len)') as any,
    regionAlloc: f('int fp_region_alloc(fp_region *r, const char *name, uint32_t type, uint64_t size, _Out_ uint64_t *offset)') as any,
    regionLookup: f('int fp_region_lookup(const fp_region *r, const char *name, _Out_ uint32_t *type, _Out_ uint64_t *offset, _Out_ uint64_t *size)') as any,

    mempoolCreate: f('int fp_mempool_create(fp_region *r, const char *name, uint32_t obj_size, uint32_t count, _Out_ fp_mempool **out)') as any,
    mempoolAttach: f('int fp_mempool_attach(fp_region *r, const char *name, _Out_ fp_mempool **out)') as any,
    mempoolClose: f('void fp_mempool_close(fp_mempool *mp)') as any,
    mempoolAlloc: f('int fp_mempool_alloc(fp_mempool *mp, uint32_t owner, _Out_ uint64_t *object)') as any,
    mempoolAllocBulk: f('int fp_mempool_alloc_bulk(fp_mempool *mp, uint32_t owner, _Out_ uint64_t *objects, uint32_t n)') as any,
    mempoolFree: f('int fp_mempool_free(fp_mempool *mp, uint64_t object)') as any,
    mempoolFreeBulk: f('int fp_mempool_free_bulk(fp_mempool *mp, const uint64_t *objects, uint32_t n, _Out_ int32_t *results)') as any,
    mempoolRef: f('int fp_mempool_ref(fp_mempool *mp, uint64_t object, uint32_t n)') as any,
    mempoolSetOwner: f('int fp_mempool_set_owner(fp_mempool *mp, uint64_t object, uint32_t owner)') as any,
    mempoolCheck: f('int fp_mempool_check(const fp_mempool *mp, uint64_t object)') as any,
    mempoolData: f('void *fp_mempool_data(const fp_mempool *mp, uint64_t object)') as any,
    mempoolInfo: f('int fp_mempool_info(const fp_mempool *mp, uint64_t object, _Out_ uint32_t *owner, _Out_ uint32_t *refcnt)') as any,
    mempoolReclaim: f('int fp_mempool_reclaim(fp_mempool *mp, uint32_t owner)') as any,
    mempoolAudit: f('int fp_mempool_audit(fp_mempool *mp, int repair)') as any,
    mempoolStats: f('void fp_mempool_stats(const fp_mempool *mp, _Out_ uint8_t *out)') as any,
    mempoolFreeCount: f('uint32_t fp_mempool_free_count(const fp_mempool *mp)') as any,
    mempoolObjSize: f('uint32_t fp_mempool_obj_size(const fp_mempool *mp)') as any,
    mempoolCount: f('uint32_t fp_mempool_count(const fp_mempool *mp)') as any,
    mempoolPayloadBase: f('uint64_t fp_mempool_payload_base(const fp_mempool *mp)') as any,
    mempoolStride: f('uint32_t fp_mempool_stride(const fp_mempool *mp)') as any,

    ringCreate: f('int fp_ring_create(fp_region *r, const char *name, uint32_t type, uint32_t slots, _Out_ fp_ring **out)') as any,
    ringAttach: f('int fp_ring_attach(fp_region *r, const char *name, _Out_ fp_ring **out)') as any,
    ringClose: f('void fp_ring_close(fp_ring *ring)') as any,
    ringEnqueueBurst: f('uint32_t fp_ring_enqueue_burst(fp_ring *ring, const uint8_t *d, uint32_t n)') as any,
    ringDequeueBurst: f('uint32_t fp_ring_dequeue_burst(fp_ring *ring, _Out_ uint8_t *d, uint32_t n)') as any,
    ringEnqueue: f('int fp_ring_enqueue(fp_ring *ring, const uint8_t *d)') as any,
    ringDequeue: f('int fp_ring_dequeue(fp_ring *ring, _Out_ uint8_t *d)') as any,
    ringCount: f('uint32_t fp_ring_count(const fp_ring *ring)') as any,
    ringCapacity: f('uint32_t fp_ring_capacity(const fp_ring *ring)') as any,
    ringType: f('uint32_t fp_ring_type(const fp_ring *ring)') as any,
    ringWait: ringWait as any,
    ringWaitAsync: ((ring: Ptr, s: number, t: number, cb: (err: unknown, res: number) => void) => ringWait.async(ring, s, t, cb)) as any,
    ringNotify: f('void fp_ring_notify(fp_ring *ring)') as any,
    ringStats: f('void fp_ring_stats(const fp_ring *ring, _Out_ uint8_t *out)') as any,
    ringWakeFd: f('int fp_ring_wake_fd(fp_ring *ring)') as any,
    ringPark: f('int fp_ring_park(fp_ring *ring)') as any,
    ringUnpark: f('void fp_ring_unpark(fp_ring *ring)') as any,
    spinAdapt: f('uint32_t fp_spin_adapt(uint32_t budget_ns, uint32_t max_ns, int hit, int64_t idle_ns, _Inout_ uint32_t *misses)') as any,
    ringRecover: f('int fp_ring_recover(fp_ring *ring, int32_t pid, int64_t timeout_ns, _Out_ uint32_t *tombstoned)') as any,

    pidwatchStart: f('int fp_pidwatch_start(_Out_ fp_pidwatch **out)') as any,
    pidwatchFd: f('int fp_pidwatch_fd(fp_pidwatch *w)') as any,
    pidwatchAdd: f('int fp_pidwatch_add(fp_pidwatch *w, int32_t pid)') as any,
    pidwatchStop: f('void fp_pidwatch_stop(fp_pidwatch *w)') as any,

    waiterStart: f('int fp_waiter_start(fp_ring *ring, int strategy, _Out_ fp_waiter **out)') as any,
    waiterFd: f('int fp_waiter_fd(fp_waiter *w)') as any,
    waiterArm: f('void fp_waiter_arm(fp_waiter *w)') as any,
    waiterStop: f('void fp_waiter_stop(fp_waiter *w)') as any,
    waiterStartCb: f('int fp_waiter_start_cb(fp_ring *ring, int strategy, fp_waiter_cb *cb, void *ctx, _Out_ fp_waiter **out)') as any,
    waiterCbType: cbType,
  };
  cached = b;
  return b;
}
