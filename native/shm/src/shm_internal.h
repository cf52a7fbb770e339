/* Shared-memory layouts (what lives inside a region) and process-local handles.
 * Everything in a region is position independent: offsets from the region base only. */
#ifndef FASTPATH_SHM_INTERNAL_H
#define FASTPATH_SHM_INTERNAL_H

#include "fp_shm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define FP_CACHELINE 64
#define FP_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))

static inline void fp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* ---- region header (first FP_REGION_HEADER_SIZE bytes of the file) ---- */
struct fp_region_dirent {
	char name[FP_OBJECT_NAME_MAX];
	uint32_t type;   /* enum fp_object_type; 0 = unused */
	uint32_t _pad;
	uint64_t offset; /* of the object in the region */
	uint64_t size;
	uint64_t _pad2;
};
_Static_assert(sizeof(struct fp_region_dirent) == 64, "dirent is one cache line");

struct fp_region_hdr {
	uint64_t magic;          /* FP_REGION_MAGIC, written last by the creator */
	uint32_t version;        /* FP_REGION_LAYOUT_VERSION */
	uint32_t header_size;    /* FP_REGION_HEADER_SIZE */
	uint64_t size;           /* mapped bytes */
	int32_t creator_pid;
	uint32_t backing;        /* enum fp_region_backing */
	uint8_t key[FP_REGION_KEY_LEN];
	char name[FP_REGION_NAME_MAX];
	uint64_t top;            /* bump allocator: next free offset (under dir_lock) */
	uint32_t ndir;           /* directory entries in use (under dir_lock) */
	uint32_t _pad;
	/* Robust process-shared mutex: a creator killed while carving does not wedge the region. */
	pthread_mutex_t dir_lock;
	uint8_t _pad2[256 - 8 - 4 - 4 - 8 - 4 - 4 - FP_REGION_KEY_LEN - FP_REGION_NAME_MAX - 8 - 4 - 4 - sizeof(pthread_mutex_t)];
	struct fp_region_dirent dir[FP_REGION_DIR_MAX];
};
_Static_assert(sizeof(struct fp_region_hdr) <= FP_REGION_HEADER_SIZE, "region header fits its page");

struct fp_region {
	struct fp_region_hdr *hdr; /* = base */
	uint64_t size;
	int backing;
	char name[FP_REGION_NAME_MAX];
	char path[256];
};

/* ---- mempool ---- */
#define FP_MEMPOOL_MAGIC 0x4c4f4f504d5046ull /* "FPMPOOL" */
/* object meta word: bit 63 allocated | bits 32..47 refcount | bits 0..23 generation */
#define FP_META_ALLOC   (1ull << 63)
#define FP_META_REF_SHIFT 32
#define FP_META_REF_MAX 0xffffu
#define FP_META_GEN_MASK 0xffffffull

struct fp_obj_hdr {
	_Atomic uint64_t meta;
	_Atomic uint32_t owner;
	_Atomic uint32_t next;  /* free list link: index + 1, 0 = end */
	uint32_t index;
	uint8_t _pad[FP_CACHELINE - 20];
};
_Static_assert(sizeof(struct fp_obj_hdr) == FP_CACHELINE, "object header is one cache line");

struct fp_mempool_shared {
	uint64_t magic;
	uint32_t obj_size, count, stride, _pad;
	uint64_t objs_off;       /* region offset of object 0's header */
	_Alignas(FP_CACHELINE) _Atomic uint64_t head; /* tag (32) << 32 | (index + 1) */
	_Alignas(FP_CACHELINE) _Atomic int64_t free_count;
	_Alignas(FP_CACHELINE) _Atomic uint64_t allocs, frees, exhausted, double_frees, stale, reclaimed;
};

struct fp_mempool {
	struct fp_region *region;
	struct fp_mempool_shared *sh;
	uint8_t *base;           /* region base */
	uint8_t *objs;           /* base + objs_off */
};

/* ---- ring ---- */
#define FP_RING_MAGIC 0x474e495250465ull /* "FPRING" */
#define FP_RING_MAX_SLOTS (1u << 24)
/* Reservation records: multi-producer rings keep one per producer thread so that the slots a
 * killed producer reserved but never published can be filled with tombstones (fp_ring_recover). */
#define FP_RING_RECORDS 64
#define FP_REC_DEAD 0xffffffffu /* owner of a record whose process died, awaiting repair */
/* sleeping flag values: how the consumer waits */
#define FP_SLEEP_FUTEX 1u /* in futex_wait on seq (fp_ring_wait, waiter threads) */
#define FP_SLEEP_FD    2u /* back in its event loop, watching the ring's wake FIFO (fp_ring_park) */

struct fp_ring_rec {
	_Atomic uint32_t owner;  /* pid, 0 = free, FP_REC_DEAD */
	_Atomic uint32_t tid;    /* thread that claimed it */
	_Atomic uint64_t resv;   /* head << 32 | n while reserving/copying/committing, 0 when idle */
	uint8_t _pad[FP_CACHELINE - 16];
};
_Static_assert(sizeof(struct fp_ring_rec) == FP_CACHELINE, "one record per cache line");

struct fp_ring_shared {
	uint64_t magic;
	uint32_t type, slots, mask, _pad;
	_Alignas(FP_CACHELINE) _Atomic uint32_t prod_head;
	_Atomic uint32_t prod_tail;
	_Atomic uint64_t full;   /* failed enqueues (slow path only) */
	_Atomic uint64_t wakes;  /* doorbell rings (slow path only) */
	_Alignas(FP_CACHELINE) _Atomic uint32_t cons_head;
	_Atomic uint32_t cons_tail;
	_Alignas(FP_CACHELINE) _Atomic uint32_t seq;      /* futex word of the doorbell */
	_Atomic uint32_t sleeping;                         /* consumer is (about to be) asleep */
	_Atomic uint64_t sleeps;
	_Atomic uint32_t spin_ns;                          /* hybrid spin budget */
	_Atomic uint32_t spin_misses;                      /* hybrid: fp_spin_adapt state */
	_Atomic uint64_t tombstones;                       /* slots filled by recovery (any repairer) */
	_Alignas(FP_CACHELINE) struct fp_ring_rec recs[FP_RING_RECORDS];
	_Alignas(FP_CACHELINE) struct fp_descriptor ring[];
};

struct fp_ring {
	struct fp_region *region;
	struct fp_ring_shared *sh;
	uint32_t cached_cons_tail; /* single-producer fast path: last seen consumer tail */
	uint32_t cached_prod_tail; /* single-consumer fast path */
	_Atomic int wake_fd;       /* producer side: the ring's wake FIFO, opened on first use (-1) */
	char fifo[256];            /* its path */
};

/* internal helpers shared between modules */
int fp__region_find(const struct fp_region *r, const char *name, uint32_t type, uint64_t *offset, uint64_t *size);
int fp__valid_object_name(const char *name);
int fp__futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t timeout_ns, int shared);
int fp__futex_wake(_Atomic uint32_t *addr, int n, int shared);
int64_t fp__now_ns(void);
const char *fp__shm_dir(void);
/* "<shm dir>/fastpath-<region>@<ring>.wake" */
void fp__fifo_path(char *out, size_t len, const char *region, const char *ring);
/* Fills dead producers' stuck reservations with tombstones; returns how many slots. */
uint32_t fp__ring_repair(struct fp_ring_shared *sh);
/* Writes one byte to the ring's wake FIFO (opened on first use). */
void fp__ring_kick_fifo(struct fp_ring *ring);

#endif
