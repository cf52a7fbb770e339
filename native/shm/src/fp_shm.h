/* fastpath shared memory: regions, mempool and descriptor rings.
 *
 * One region = one shared-memory file owned by one security domain (a chain, an FL job, a 5G core).
 * Inside it live named objects carved by a bump allocator: mempools (fixed-size payload objects)
 * and rings (of 16-byte struct fp_descriptor). Processes map a region at different addresses, so
 * everything shared is addressed by byte offsets from the region base, never by pointers.
 *
 * Handles (struct fp_region / fp_mempool / fp_ring) are process-local; their shared state lives
 * in the region. All functions are thread-safe unless noted. Errors are negative FP_E_* values;
 * fp_shm_strerror() names them. Thread/process safety of ring ends follows the ring type:
 * SPSC = one producer + one consumer, MPSC = any producers + one consumer, MPMC = any + any.
 */
#ifndef FASTPATH_SHM_H
#define FASTPATH_SHM_H

#include <fastpath/descriptor.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FP_SHM_ABI_VERSION       2  /* of this C API; bindings refuse other versions */
#define FP_REGION_LAYOUT_VERSION 2  /* of the bytes in a region; attach refuses other versions */
#define FP_REGION_MAGIC          0x314d48535046ull /* "FPSHM1" little-endian */
#define FP_REGION_KEY_LEN        16 /* 128-bit domain key */
#define FP_REGION_NAME_MAX       48 /* incl. NUL; [A-Za-z0-9._-] only, no leading '.' */
#define FP_OBJECT_NAME_MAX       32 /* incl. NUL; name of a pool/ring inside a region */
#define FP_REGION_HEADER_SIZE    4096 /* header + directory of named objects */
#define FP_REGION_DIR_MAX        48   /* named objects per region */

/* ---- errors --------------------------------------------------------------------------- */
enum fp_shm_error {
	FP_OK            = 0,
	FP_E_INVAL       = -1,  /* bad argument (NULL, bad name, size not power of two, ...) */
	FP_E_NOENT       = -2,  /* region or named object does not exist */
	FP_E_EXIST       = -3,  /* region or named object already exists */
	FP_E_KEY         = -4,  /* attach with a key that is not the region's */
	FP_E_MAGIC       = -5,  /* file is not a fastpath region (or is truncated) */
	FP_E_VERSION     = -6,  /* region has another layout version */
	FP_E_NOSPACE     = -7,  /* region has no room for the object / directory full */
	FP_E_EXHAUSTED   = -8,  /* mempool has not enough free objects (never blocks) */
	FP_E_DOUBLE_FREE = -9,  /* object is already free */
	FP_E_STALE       = -10, /* object reference carries an old generation */
	FP_E_FULL        = -11, /* ring has no room */
	FP_E_TIMEOUT     = -12, /* wait timed out */
	FP_E_SYS         = -13, /* a system call failed; errno is preserved */
	FP_E_TYPE        = -14, /* named object exists with another type */
	FP_E_NOHUGE      = -15, /* FP_REGION_REQUIRE_HUGE but no free 2 MiB pages / hugetlbfs */
	FP_E_CLOSED      = -16, /* waiter was stopped */
};
/* Static string naming an error code ("FP_E_KEY: wrong domain key"). */
const char *fp_shm_strerror(int err);
int fp_shm_abi_version(void);

/* ---- regions -------------------------------------------------------------------------- */
struct fp_region;

/* create flags */
#define FP_REGION_NO_HUGE      0x1u /* use /dev/shm even if hugepages are free */
#define FP_REGION_REQUIRE_HUGE 0x2u /* fail with FP_E_NOHUGE instead of falling back */
/* The environment variable FASTPATH_SHM_NO_HUGEPAGES=1 acts like FP_REGION_NO_HUGE. */

enum fp_region_backing { FP_BACKING_HUGETLBFS = 1, FP_BACKING_SHM = 2 };

/* Creates region `name` of at least `size` bytes (rounded up to the page size: 2 MiB on
 * hugetlbfs, 4 KiB on /dev/shm), mode 0600, with a fresh random 128-bit key, and maps it.
 * Tries hugetlbfs (mounted per /proc/mounts, enough free 2 MiB pages) unless told not to;
 * falls back to /dev/shm (also when the hugepage mmap fails with ENOMEM).
 * FP_E_EXIST if a region of that name exists in either place. */
int fp_region_create(const char *name, uint64_t size, unsigned flags, struct fp_region **out);
/* Maps an existing region. Verifies magic, layout version, size and the key; errors are
 * FP_E_NOENT / FP_E_MAGIC / FP_E_VERSION / FP_E_KEY. The key is compared in constant time. */
int fp_region_attach(const char *name, const uint8_t key[FP_REGION_KEY_LEN], struct fp_region **out);
/* Unmaps and frees the handle (region stays). NULL is a no-op. */
void fp_region_detach(struct fp_region *r);
/* Removes region `name` from hugetlbfs and /dev/shm, and its rings' wake FIFOs (mappings stay
 * valid until detached). FP_E_NOENT if it did not exist. */
int fp_region_unlink(const char *name);
/* Removes stale regions whose name starts with `prefix` (non-empty): files carrying the region
 * magic whose creator pid is dead (interrupted benchmarks and tests), leftover `.tmp-<pid>`
 * files of dead creators, and wake FIFOs without a region. Files without our magic are never
 * touched. Returns how many regions were removed (>= 0) or FP_E_INVAL. */
int fp_region_sweep(const char *prefix);

void *fp_region_base(const struct fp_region *r);
uint64_t fp_region_size(const struct fp_region *r);
int fp_region_backing(const struct fp_region *r);      /* enum fp_region_backing */
const char *fp_region_name(const struct fp_region *r);
const char *fp_region_path(const struct fp_region *r); /* file the region lives in */
int32_t fp_region_creator_pid(const struct fp_region *r);
void fp_region_key(const struct fp_region *r, uint8_t out[FP_REGION_KEY_LEN]);
/* Pointer for `offset` within the region, or NULL when offset+len exceeds it. */
void *fp_region_ptr(const struct fp_region *r, uint64_t offset, uint64_t len);

enum fp_object_type { FP_OBJ_MEMPOOL = 1, FP_OBJ_RING = 2, FP_OBJ_RAW = 3 };
/* Carves `size` bytes (64-byte aligned) named `name` from the region; lock-free, any process.
 * FP_E_EXIST / FP_E_NOSPACE. Pools and rings use this; FP_OBJ_RAW is for callers' own tables. */
int fp_region_alloc(struct fp_region *r, const char *name, uint32_t type, uint64_t size, uint64_t *offset);
/* Finds a named object; type/size may be NULL. FP_E_NOENT. */
int fp_region_lookup(const struct fp_region *r, const char *name, uint32_t *type, uint64_t *offset, uint64_t *size);

/* ---- mempool -------------------------------------------------------------------------- */
/* Fixed-size objects with a lock-free MPMC free list (Treiber stack, head tagged with a
 * 32-bit counter against ABA). An object reference is the u64 `object` of struct
 * fp_descriptor: payload offset in the region (40 bits) | generation (24 bits). Each object
 * has a 64-byte header before its payload holding generation, refcount and owner id.
 * Generations advance on every free, so double frees and stale references are detected. */
struct fp_mempool;

struct fp_mempool_stats {
	uint32_t count;        /* objects in the pool */
	uint32_t free;         /* objects on the free list now */
	uint32_t obj_size;     /* payload bytes per object (as requested, rounded up to 64) */
	uint32_t _pad;
	uint64_t allocs, frees, exhausted, double_frees, stale, reclaimed;
};

int fp_mempool_create(struct fp_region *r, const char *name, uint32_t obj_size, uint32_t count, struct fp_mempool **out);
int fp_mempool_attach(struct fp_region *r, const char *name, struct fp_mempool **out);
void fp_mempool_close(struct fp_mempool *mp); /* frees the handle; NULL is a no-op */

/* Allocates one object owned by `owner` (a pid or instance id, != 0), refcount 1.
 * 0 and *object set, or FP_E_EXHAUSTED (counted). Never blocks. */
int fp_mempool_alloc(struct fp_mempool *mp, uint32_t owner, uint64_t *object);
/* All-or-nothing: n objects or FP_E_EXHAUSTED with nothing taken. One CAS for the batch. */
int fp_mempool_alloc_bulk(struct fp_mempool *mp, uint32_t owner, uint64_t *objects, uint32_t n);
/* Drops one reference; the object returns to the pool when its count reaches 0.
 * 1 = returned to the pool, 0 = references remain, FP_E_DOUBLE_FREE / FP_E_STALE / FP_E_INVAL
 * (rejected, nothing changed, counted in stats). */
int fp_mempool_free(struct fp_mempool *mp, uint64_t object);
/* Frees n references; objects reaching 0 go back with one CAS. Returns how many references
 * were accepted; per-entry results (as fp_mempool_free) go to results[i] when non-NULL. */
int fp_mempool_free_bulk(struct fp_mempool *mp, const uint64_t *objects, uint32_t n, int32_t *results);
/* Adds n references (fan-out to n more receivers). FP_E_STALE / FP_E_DOUBLE_FREE / FP_E_INVAL. */
int fp_mempool_ref(struct fp_mempool *mp, uint64_t object, uint32_t n);
/* Hands an object to another owner (a receiver adopting it), so reclaim follows the holder. */
int fp_mempool_set_owner(struct fp_mempool *mp, uint64_t object, uint32_t owner);
/* 0 if `object` is a live allocation of this pool, else FP_E_STALE / FP_E_DOUBLE_FREE / FP_E_INVAL. */
int fp_mempool_check(const struct fp_mempool *mp, uint64_t object);
/* Payload pointer (obj_size bytes) for a valid object, NULL otherwise. */
void *fp_mempool_data(const struct fp_mempool *mp, uint64_t object);
/* Owner and refcount of an allocated object (for diagnostics); FP_E_* when not allocated. */
int fp_mempool_info(const struct fp_mempool *mp, uint64_t object, uint32_t *owner, uint32_t *refcnt);
/* Frees every allocated object whose owner is `owner` (a process that died), whatever its
 * refcount. Returns the number reclaimed. Safe while other processes use the pool. */
int fp_mempool_reclaim(struct fp_mempool *mp, uint32_t owner);
/* Quiescent check (no process may use the pool meanwhile): counts objects that are neither
 * allocated nor on the free list (a process killed inside alloc/free between the list CAS and
 * the header store); with repair != 0 puts them back. Returns that count. */
int fp_mempool_audit(struct fp_mempool *mp, int repair);
void fp_mempool_stats(const struct fp_mempool *mp, struct fp_mempool_stats *out);
uint32_t fp_mempool_free_count(const struct fp_mempool *mp);
uint32_t fp_mempool_obj_size(const struct fp_mempool *mp);
uint32_t fp_mempool_count(const struct fp_mempool *mp);
/* Region offset of the first payload and the distance between payloads (for zero-copy views). */
uint64_t fp_mempool_payload_base(const struct fp_mempool *mp);
uint32_t fp_mempool_stride(const struct fp_mempool *mp);

/* ---- descriptor rings ----------------------------------------------------------------- */
/* Bounded rings of struct fp_descriptor, power-of-two slots, producer and consumer
 * head/tail on separate cache lines (DPDK rte_ring-style two-phase reserve/commit), burst
 * ops that move as many as fit (0..n). A doorbell (32-bit futex sequence + sleeping flag)
 * lets a consumer sleep: producers wake only when the consumer flagged itself sleeping. */
struct fp_ring;

enum fp_ring_type { FP_RING_SPSC = 0, FP_RING_MPSC = 1, FP_RING_MPMC = 2 };
enum fp_wait_strategy {
	FP_WAIT_POLL   = 0, /* busy-poll (D-SPRIGHT); never sleeps */
	FP_WAIT_SLEEP  = 1, /* sleep on the doorbell futex as soon as the ring is empty */
	FP_WAIT_HYBRID = 2, /* spin an adaptive budget, then sleep; budget shrinks when spinning fails */
};

/* slots: power of two, 2..2^24. */
int fp_ring_create(struct fp_region *r, const char *name, uint32_t type, uint32_t slots, struct fp_ring **out);
int fp_ring_attach(struct fp_region *r, const char *name, struct fp_ring **out);
void fp_ring_close(struct fp_ring *ring);

/* Enqueues up to n descriptors; returns how many (0 when full). Rings the doorbell if the
 * consumer sleeps. */
uint32_t fp_ring_enqueue_burst(struct fp_ring *ring, const struct fp_descriptor *d, uint32_t n);
/* Dequeues up to n descriptors into d; returns how many (0 when empty). */
uint32_t fp_ring_dequeue_burst(struct fp_ring *ring, struct fp_descriptor *d, uint32_t n);
/* Single-descriptor forms: 0 or FP_E_FULL; 1 (got one) or 0 (empty). */
int fp_ring_enqueue(struct fp_ring *ring, const struct fp_descriptor *d);
int fp_ring_dequeue(struct fp_ring *ring, struct fp_descriptor *d);
uint32_t fp_ring_count(const struct fp_ring *ring);    /* descriptors waiting (a snapshot) */
uint32_t fp_ring_capacity(const struct fp_ring *ring); /* = slots (free-running 32-bit indexes) */
uint32_t fp_ring_type(const struct fp_ring *ring);

/* Waits until the ring is non-empty. Returns the count seen (> 0); 0 when woken (doorbell or
 * fp_ring_notify) but the ring is empty again (re-check your stop flag and call again);
 * FP_E_TIMEOUT after timeout_ns (< 0 = forever); FP_E_INVAL. poll spins; sleep blocks in
 * futex_wait on the doorbell sequence read before the last emptiness check, so a wake between
 * check and sleep is never lost; hybrid spins its adaptive budget first. Consumer side only. */
int fp_ring_wait(struct fp_ring *ring, int strategy, int64_t timeout_ns);
/* Wakes a sleeping consumer (e.g. to make it re-check a stop flag). */
void fp_ring_notify(struct fp_ring *ring);

/* One-hop wake-ups into an event loop. Every ring has a wake FIFO next to the region files
 * ("<shm dir>/fastpath-<region>@<ring>.wake", mode 0600, made by fp_ring_create). The consumer
 * watches it from its event loop; after draining it calls fp_ring_park(), which flags "asleep
 * on the FIFO", fences and re-checks the ring. A producer that then enqueues sees the flag,
 * clears it and writes one byte to the FIFO: one wake-up, no thread in between. */
/* Consumer: opens the FIFO (making it if missing) O_RDWR|O_NONBLOCK|O_CLOEXEC; the caller owns
 * the fd (e.g. hands it to a net.Socket). O_RDWR: never blocks, never sees EOF. */
int fp_ring_wake_fd(struct fp_ring *ring);
/* Consumer: returns the count (> 0, flag cleared: drain and park again) or 0 = parked, the next
 * enqueue writes the FIFO. */
int fp_ring_park(struct fp_ring *ring);
/* Consumer: withdraws the flag (stop listening). */
void fp_ring_unpark(struct fp_ring *ring);

/* Adaptive spin budget (hybrid), modelled on Linux cpuidle-haltpoll. Call once per idle
 * period: `hit` = the spin found data (budget kept); otherwise `idle_ns` is how long the
 * consumer was idle in total (spin + sleep). A wake shortly after the spin gave up
 * (idle_ns <= max_ns) grows the budget (x2, at least 1 µs); a long sleep (> max_ns) halves it.
 * A run of 8 grows without a single hit means spinning only delays the peer (it gets the CPU
 * when we stop: starved on a busy machine), so the budget drops to a quarter. *misses is the
 * caller's state (start at 0). Returns the new budget, in [0, max_ns]. */
uint32_t fp_spin_adapt(uint32_t budget_ns, uint32_t max_ns, int hit, int64_t idle_ns, uint32_t *misses);

/* Multi-producer crash recovery. Each producer thread of an MPSC/MPMC ring records the slots it
 * reserved in the ring header until it has published them. When process `pid` died, this marks
 * its records dead and fills its reserved-but-unpublished slots with tombstones (consumers skip
 * them), so later producers and the consumer move on. A dead reservation behind a live one is
 * repaired once the live one commits (here, while waiting up to timeout_ns, or by any producer
 * that waits for it). pid 0 only continues pending repairs. Returns 0 (nothing of pid's left
 * pending) or FP_E_TIMEOUT (call again); *tombstoned (may be NULL) gets the slots filled.
 * SPSC rings have nothing to repair (0). */
int fp_ring_recover(struct fp_ring *ring, int32_t pid, int64_t timeout_ns, uint32_t *tombstoned);
/* Tombstone descriptor (never produced by fp_desc_pack: the object's offset is out of range). */
#define FP_TOMBSTONE_INSTANCE 0xffffffffu
#define FP_TOMBSTONE_OBJECT   0xffffffffffffffffull

struct fp_ring_stats {
	uint64_t enqueued, dequeued, full, wakes, sleeps;
	uint32_t spin_budget; /* hybrid: current spin budget, ns */
	uint32_t records;     /* reservation records in use (claimed by producer threads) */
	uint64_t tombstones;  /* slots filled by recovery (fp_ring_recover, or a producer waiting behind a dead reservation) */
};
void fp_ring_stats(const struct fp_ring *ring, struct fp_ring_stats *out);

/* ---- event-loop integration ------------------------------------------------------------ */
/* A waiter is a native thread that sleeps on a ring with a strategy and, when it becomes
 * non-empty, writes one byte to a non-blocking pipe whose read end Node watches as a stream
 * (net.Socket({fd}); libuv cannot wrap an eventfd as a stream). The consumer drains the ring,
 * then calls fp_waiter_arm(); the thread re-checks the ring before sleeping, so descriptors
 * that arrived before arming are never missed. */
struct fp_waiter;
/* Starts the thread (it fires once for descriptors already waiting). */
int fp_waiter_start(struct fp_ring *ring, int strategy, struct fp_waiter **out);
/* The pipe's read end (O_NONBLOCK). The caller owns it after this call and closes it (e.g. by
 * destroying the net.Socket); without this call fp_waiter_stop closes it. */
int fp_waiter_fd(struct fp_waiter *w);
/* Re-arms after the consumer drained the ring (the thread fires at most once per arm). */
void fp_waiter_arm(struct fp_waiter *w);
/* Stops and joins the thread, closes the pipe, frees w. NULL is a no-op. */
void fp_waiter_stop(struct fp_waiter *w);
/* Alternative integration: the thread calls `cb(ctx)` instead of writing the pipe
 * (koffi queues a registered JS callback onto the main thread). */
typedef void (*fp_waiter_cb)(void *ctx);
int fp_waiter_start_cb(struct fp_ring *ring, int strategy, fp_waiter_cb cb, void *ctx, struct fp_waiter **out);

/* ---- watching any process for its exit (pidfd, Linux >= 5.3) ------------------------------ */
/* A native thread polls a pidfd per watched process and writes each exited pid (int32, native
 * endianness) to a non-blocking pipe whose read end an event loop watches. Unlike waitpid or a
 * child's 'exit' event, this works for processes that are not our children. */
struct fp_pidwatch;
int fp_pidwatch_start(struct fp_pidwatch **out);
/* The pipe's read end (O_NONBLOCK); the caller owns it after this call. */
int fp_pidwatch_fd(struct fp_pidwatch *w);
/* Watches pid: 0, FP_E_NOENT when it does not exist (already gone), FP_E_SYS (errno). */
int fp_pidwatch_add(struct fp_pidwatch *w, int32_t pid);
/* Stops and joins the thread, closes every fd it still owns, frees w. NULL is a no-op. */
void fp_pidwatch_stop(struct fp_pidwatch *w);

/* ---- descriptor helpers (so bindings can check their codec against C) ------------------ */
/* Fills *out from fields using descriptor.h's helpers. FP_E_INVAL when a field does not fit
 * (flags > 0xf, topic > 0xfff, offset >= 2^40, generation >= 2^24) or out is NULL. */
int fp_desc_pack(struct fp_descriptor *out, uint32_t instance, uint16_t chain, uint16_t flags, uint16_t topic,
		 uint64_t offset, uint32_t generation);

/* ---- benchmarking helpers (exported for the koffi overhead measurement) ------------------ */
/* Returns its argument; measures the bare koffi call cost. */
uint64_t fp_shm_nop(uint64_t x);

#ifdef __cplusplus
}
#endif
#endif
