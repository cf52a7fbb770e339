// @fastpath/shm: hugepage shared-memory regions, a lock-free mempool and descriptor rings
// (native/shm through koffi). See libs/shm/README.md.
export * from './errors.ts';
export * from './descriptor.ts';
export { shmBinding, SHM_ABI } from './binding.ts';
export { Region, KEY_LEN, ENV_REGION, ENV_KEY, type Backing, type HugepagePolicy, type RegionCreateOptions } from './region.ts';
export { Mempool, type MempoolOptions, type ObjectRef, type AllocResult, type FreeResult, type MempoolStats } from './mempool.ts';
export { Ring, type RingType, type RingOptions, type WaitStrategy, type WakeIntegration, type ListenOptions, type RingStats, type RecoverResult } from './ring.ts';
export { watchProcessExit, stopProcessWatcher } from './process-watch.ts';
