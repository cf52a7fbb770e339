/* Descriptor rings: two-phase head/tail (rte_ring style) with single- and multi-threaded
 * producer/consumer paths, plus the doorbell that lets a consumer sleep. */
#include "shm_internal.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

static inline int multi_prod(const struct fp_ring_shared *sh) { return sh->type != FP_RING_SPSC; }
static inline int multi_cons(const struct fp_ring_shared *sh) { return sh->type == FP_RING_MPMC; }

int fp_ring_create(struct fp_region *r, const char *name, uint32_t type, uint32_t slots, struct fp_ring **out)
{
	struct fp_ring *ring;
	struct fp_ring_shared *sh;
	uint64_t off, size;
	int rc;
	if (!r || !out || !fp__valid_object_name(name) || type > FP_RING_MPMC || slots < 2 || slots > FP_RING_MAX_SLOTS ||
	    (slots & (slots - 1)))
		return FP_E_INVAL;
	*out = NULL;
	size = sizeof(struct fp_ring_shared) + (uint64_t)slots * sizeof(struct fp_descriptor);
	rc = fp_region_alloc(r, name, FP_OBJ_RING, size, &off);
	if (rc)
		return rc;
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return FP_E_SYS;
	sh = (struct fp_ring_shared *)((uint8_t *)r->hdr + off);
	sh->type = type;
	sh->slots = slots;
	sh->mask = slots - 1;
	atomic_store_explicit(&sh->spin_ns, 20000, memory_order_relaxed);
	__atomic_store_n(&sh->magic, FP_RING_MAGIC, __ATOMIC_RELEASE);
	ring->region = r;
	ring->sh = sh;
	*out = ring;
	return 0;
}

int fp_ring_attach(struct fp_region *r, const char *name, struct fp_ring **out)
{
	struct fp_ring *ring;
	struct fp_ring_shared *sh;
	uint64_t off, size;
	int rc;
	if (!r || !out || !fp__valid_object_name(name))
		return FP_E_INVAL;
	*out = NULL;
	rc = fp__region_find(r, name, FP_OBJ_RING, &off, &size);
	if (rc < 0)
		return rc;
	sh = (struct fp_ring_shared *)((uint8_t *)r->hdr + off);
	if (__atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE) != FP_RING_MAGIC)
		return FP_E_NOENT;
	if (sh->slots < 2 || (sh->slots & sh->mask) || sizeof(*sh) + (uint64_t)sh->slots * sizeof(struct fp_descriptor) > size)
		return FP_E_MAGIC;
	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return FP_E_SYS;
	ring->region = r;
	ring->sh = sh;
	ring->cached_cons_tail = atomic_load_explicit(&sh->cons_tail, memory_order_acquire);
	ring->cached_prod_tail = atomic_load_explicit(&sh->prod_tail, memory_order_acquire);
	*out = ring;
	return 0;
}

void fp_ring_close(struct fp_ring *ring) { free(ring); }

static inline void copy_in(struct fp_ring_shared *sh, uint32_t head, const struct fp_descriptor *d, uint32_t n)
{
	uint32_t idx = head & sh->mask, first = sh->slots - idx;
	if (first >= n) {
		memcpy(&sh->ring[idx], d, n * sizeof(*d));
	} else {
		memcpy(&sh->ring[idx], d, first * sizeof(*d));
		memcpy(&sh->ring[0], d + first, (n - first) * sizeof(*d));
	}
}

static inline void copy_out(const struct fp_ring_shared *sh, uint32_t head, struct fp_descriptor *d, uint32_t n)
{
	uint32_t idx = head & sh->mask, first = sh->slots - idx;
	if (first >= n) {
		memcpy(d, &sh->ring[idx], n * sizeof(*d));
	} else {
		memcpy(d, &sh->ring[idx], first * sizeof(*d));
		memcpy(d + first, &sh->ring[0], (n - first) * sizeof(*d));
	}
}

/* Waits for earlier reservations to commit (multi-producer/consumer paths). Yields after a
 * while: on 2 cores the thread we wait for may be descheduled. */
static inline void wait_turn(_Atomic uint32_t *tail, uint32_t mine)
{
	unsigned spins = 0;
	while (atomic_load_explicit(tail, memory_order_acquire) != mine) {
		if (++spins < 256)
			fp_cpu_relax();
		else
			sched_yield();
	}
}

static inline void ring_doorbell(struct fp_ring_shared *sh)
{
	/* Dekker pairing with the consumer's "sleeping=1; fence; check ring" in fp_ring_wait */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&sh->sleeping, memory_order_relaxed) &&
	    atomic_exchange_explicit(&sh->sleeping, 0, memory_order_acq_rel)) {
		atomic_fetch_add_explicit(&sh->seq, 1, memory_order_release);
		fp__futex_wake(&sh->seq, 1, 1);
		atomic_fetch_add_explicit(&sh->wakes, 1, memory_order_relaxed);
	}
}

uint32_t fp_ring_enqueue_burst(struct fp_ring *ring, const struct fp_descriptor *d, uint32_t n)
{
	struct fp_ring_shared *sh;
	uint32_t head, free_slots;
	if (!ring || !d || n == 0)
		return 0;
	sh = ring->sh;
	if (!multi_prod(sh)) {
		head = atomic_load_explicit(&sh->prod_head, memory_order_relaxed);
		free_slots = sh->slots + ring->cached_cons_tail - head;
		/* refresh when short, or when the cache is stale (another process produced through
		 * this ring before this handle: the difference then wraps above slots) */
		if (free_slots < n || free_slots > sh->slots) {
			ring->cached_cons_tail = atomic_load_explicit(&sh->cons_tail, memory_order_acquire);
			free_slots = sh->slots + ring->cached_cons_tail - head;
		}
		if (n > free_slots)
			n = free_slots;
		if (n == 0)
			goto full;
		copy_in(sh, head, d, n);
		atomic_store_explicit(&sh->prod_head, head + n, memory_order_relaxed);
		atomic_store_explicit(&sh->prod_tail, head + n, memory_order_release);
	} else {
		head = atomic_load_explicit(&sh->prod_head, memory_order_relaxed);
		do {
			uint32_t ct = atomic_load_explicit(&sh->cons_tail, memory_order_acquire);
			free_slots = sh->slots + ct - head;
			if (n > free_slots)
				n = free_slots;
			if (n == 0)
				goto full;
		} while (!atomic_compare_exchange_weak_explicit(&sh->prod_head, &head, head + n, memory_order_acquire,
								memory_order_relaxed));
		copy_in(sh, head, d, n);
		wait_turn(&sh->prod_tail, head);
		atomic_store_explicit(&sh->prod_tail, head + n, memory_order_release);
	}
	ring_doorbell(sh);
	return n;
full:
	atomic_fetch_add_explicit(&sh->full, 1, memory_order_relaxed);
	return 0;
}

uint32_t fp_ring_dequeue_burst(struct fp_ring *ring, struct fp_descriptor *d, uint32_t n)
{
	struct fp_ring_shared *sh;
	uint32_t head, avail;
	if (!ring || !d || n == 0)
		return 0;
	sh = ring->sh;
	if (!multi_cons(sh)) {
		head = atomic_load_explicit(&sh->cons_head, memory_order_relaxed);
		avail = ring->cached_prod_tail - head;
		if (avail < n || avail > sh->slots) {
			ring->cached_prod_tail = atomic_load_explicit(&sh->prod_tail, memory_order_acquire);
			avail = ring->cached_prod_tail - head;
		}
		if (n > avail)
			n = avail;
		if (n == 0)
			return 0;
		copy_out(sh, head, d, n);
		atomic_store_explicit(&sh->cons_head, head + n, memory_order_relaxed);
		atomic_store_explicit(&sh->cons_tail, head + n, memory_order_release);
	} else {
		head = atomic_load_explicit(&sh->cons_head, memory_order_relaxed);
		do {
			uint32_t pt = atomic_load_explicit(&sh->prod_tail, memory_order_acquire);
			avail = pt - head;
			if (n > avail)
				n = avail;
			if (n == 0)
				return 0;
		} while (!atomic_compare_exchange_weak_explicit(&sh->cons_head, &head, head + n, memory_order_acquire,
								memory_order_relaxed));
		copy_out(sh, head, d, n);
		wait_turn(&sh->cons_tail, head);
		atomic_store_explicit(&sh->cons_tail, head + n, memory_order_release);
	}
	return n;
}

int fp_ring_enqueue(struct fp_ring *ring, const struct fp_descriptor *d)
{
	if (!ring || !d)
		return FP_E_INVAL;
	return fp_ring_enqueue_burst(ring, d, 1) == 1 ? 0 : FP_E_FULL;
}

int fp_ring_dequeue(struct fp_ring *ring, struct fp_descriptor *d)
{
	return (int)fp_ring_dequeue_burst(ring, d, 1);
}

uint32_t fp_ring_count(const struct fp_ring *ring)
{
	uint32_t pt, ch, n;
	if (!ring)
		return 0;
	ch = atomic_load_explicit(&ring->sh->cons_head, memory_order_acquire);
	pt = atomic_load_explicit(&ring->sh->prod_tail, memory_order_acquire);
	n = pt - ch;
	return n > ring->sh->slots ? 0 : n; /* a torn snapshot under MPMC */
}

uint32_t fp_ring_capacity(const struct fp_ring *ring) { return ring ? ring->sh->slots : 0; }
uint32_t fp_ring_type(const struct fp_ring *ring) { return ring ? ring->sh->type : 0; }

void fp_ring_stats(const struct fp_ring *ring, struct fp_ring_stats *out)
{
	const struct fp_ring_shared *sh;
	if (!ring || !out)
		return;
	sh = ring->sh;
	memset(out, 0, sizeof(*out));
	/* free-running 32-bit indexes: totals modulo 2^32 */
	out->enqueued = atomic_load_explicit(&sh->prod_tail, memory_order_relaxed);
	out->dequeued = atomic_load_explicit(&sh->cons_tail, memory_order_relaxed);
	out->full = atomic_load_explicit(&sh->full, memory_order_relaxed);
	out->wakes = atomic_load_explicit(&sh->wakes, memory_order_relaxed);
	out->sleeps = atomic_load_explicit(&sh->sleeps, memory_order_relaxed);
	out->spin_budget = atomic_load_explicit(&sh->spin_ns, memory_order_relaxed);
}
