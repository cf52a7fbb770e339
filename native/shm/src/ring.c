/* Descriptor rings: two-phase head/tail (rte_ring style) with single- and multi-threaded
 * producer/consumer paths, plus the doorbell that lets a consumer sleep. */
#include "shm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int multi_prod(const struct fp_ring_shared *sh) { return sh->type != FP_RING_SPSC; }
static inline int multi_cons(const struct fp_ring_shared *sh) { return sh->type == FP_RING_MPMC; }

static struct fp_ring *new_handle(struct fp_region *r, struct fp_ring_shared *sh, const char *name)
{
	struct fp_ring *ring = calloc(1, sizeof(*ring));
	if (!ring)
		return NULL;
	ring->region = r;
	ring->sh = sh;
	atomic_init(&ring->wake_fd, -1);
	fp__fifo_path(ring->fifo, sizeof(ring->fifo), r->name, name);
	return ring;
}

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
	ring = new_handle(r, (struct fp_ring_shared *)((uint8_t *)r->hdr + off), name);
	if (!ring)
		return FP_E_SYS;
	sh = ring->sh;
	sh->type = type;
	sh->slots = slots;
	sh->mask = slots - 1;
	atomic_store_explicit(&sh->spin_ns, 20000, memory_order_relaxed);
	__atomic_store_n(&sh->magic, FP_RING_MAGIC, __ATOMIC_RELEASE);
	/* the wake FIFO; a leftover one (same region and ring name) is fine to reuse */
	if (mkfifo(ring->fifo, 0600) != 0 && errno != EEXIST) {
		free(ring);
		return FP_E_SYS;
	}
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
	ring = new_handle(r, sh, name);
	if (!ring)
		return FP_E_SYS;
	ring->cached_cons_tail = atomic_load_explicit(&sh->cons_tail, memory_order_acquire);
	ring->cached_prod_tail = atomic_load_explicit(&sh->prod_tail, memory_order_acquire);
	*out = ring;
	return 0;
}

/* ---- reservation records (multi-producer crash recovery) ---- */
/* Per thread: which record it holds in which ring. Validated against the record's owner/tid in
 * shared memory on every use, so a stale entry (ring unmapped, another ring mapped at the same
 * address) is never trusted. */
#define TL_SLOTS 8
static _Thread_local struct { const struct fp_ring_shared *sh; int idx; } tl_rec[TL_SLOTS];
static _Thread_local uint32_t tl_tid;
static _Thread_local unsigned tl_next;
static _Atomic uint32_t g_pid;

static void after_fork_child(void)
{
	/* the child is a new process with one thread: forget the parent's records */
	memset(tl_rec, 0, sizeof(tl_rec));
	tl_tid = 0;
	atomic_store(&g_pid, (uint32_t)getpid());
}
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static void init_pid(void)
{
	atomic_store(&g_pid, (uint32_t)getpid());
	pthread_atfork(NULL, NULL, after_fork_child);
}

static uint32_t my_pid(void)
{
	pthread_once(&fork_once, init_pid);
	return atomic_load_explicit(&g_pid, memory_order_relaxed);
}

static inline uint32_t my_tid(void)
{
	if (!tl_tid)
		tl_tid = (uint32_t)syscall(SYS_gettid);
	return tl_tid;
}

/* This thread's record in the ring, claimed on first use; NULL when all are taken (the producer
 * then runs unrecorded: a crash inside its reservation is not repairable). */
static struct fp_ring_rec *my_record(struct fp_ring_shared *sh)
{
	uint32_t pid = my_pid(), tid = my_tid();
	for (int i = 0; i < TL_SLOTS; i++)
		if (tl_rec[i].sh == sh) {
			struct fp_ring_rec *rec = &sh->recs[tl_rec[i].idx];
			if (atomic_load_explicit(&rec->owner, memory_order_relaxed) == pid &&
			    atomic_load_explicit(&rec->tid, memory_order_relaxed) == tid)
				return rec;
			tl_rec[i].sh = NULL;
		}
	for (int i = 0; i < FP_RING_RECORDS; i++) {
		struct fp_ring_rec *rec = &sh->recs[i];
		uint32_t free_owner = 0;
		if (atomic_load_explicit(&rec->owner, memory_order_relaxed) != 0 ||
		    !atomic_compare_exchange_strong(&rec->owner, &free_owner, pid))
			continue;
		atomic_store(&rec->tid, tid);
		atomic_store(&rec->resv, 0);
		tl_rec[tl_next % TL_SLOTS].sh = sh;
		tl_rec[tl_next % TL_SLOTS].idx = i;
		tl_next++;
		return rec;
	}
	return NULL;
}

/* Gives back the calling thread's record (closing its handle). */
static void release_record(struct fp_ring_shared *sh)
{
	uint32_t pid = my_pid(), tid = my_tid();
	for (int i = 0; i < TL_SLOTS; i++)
		if (tl_rec[i].sh == sh) {
			struct fp_ring_rec *rec = &sh->recs[tl_rec[i].idx];
			uint32_t expect = pid;
			tl_rec[i].sh = NULL;
			if (atomic_load(&rec->tid) == tid && atomic_load(&rec->resv) == 0)
				atomic_compare_exchange_strong(&rec->owner, &expect, 0);
		}
}

void fp_ring_close(struct fp_ring *ring)
{
	int fd;
	if (!ring)
		return;
	if (multi_prod(ring->sh))
		release_record(ring->sh);
	fd = atomic_load(&ring->wake_fd);
	if (fd >= 0)
		close(fd);
	free(ring);
}

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

/* Producers: as wait_turn, but a reservation ahead of ours may belong to a producer that died
 * (marked by fp_ring_recover): after a while, repair dead reservations ourselves. */
static inline void wait_turn_prod(struct fp_ring_shared *sh, uint32_t mine)
{
	unsigned spins = 0;
	while (atomic_load_explicit(&sh->prod_tail, memory_order_acquire) != mine) {
		if (++spins < 256) {
			fp_cpu_relax();
		} else {
			if ((spins & 1023) == 0)
				fp__ring_repair(sh);
			sched_yield();
		}
	}
}

/* Writes one byte to the ring's wake FIFO. Opened O_RDWR on first use: the open never blocks
 * or fails for want of a reader, and since this end counts as a reader a write never raises
 * SIGPIPE; a full FIFO (EAGAIN) already holds a pending wake. */
void fp__ring_kick_fifo(struct fp_ring *ring)
{
	int fd = atomic_load_explicit(&ring->wake_fd, memory_order_acquire);
	char b = 1;
	if (fd < 0) {
		int expect = -1;
		fd = open(ring->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return;
		if (!atomic_compare_exchange_strong(&ring->wake_fd, &expect, fd)) {
			close(fd); /* another thread of this handle opened it first */
			fd = expect;
		}
	}
	while (write(fd, &b, 1) < 0 && errno == EINTR)
		;
}

static inline void ring_doorbell(struct fp_ring *ring)
{
	struct fp_ring_shared *sh = ring->sh;
	uint32_t how;
	/* Dekker pairing with the consumer's "sleeping=x; fence; check ring" (fp_ring_wait/park) */
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&sh->sleeping, memory_order_relaxed))
		return;
	how = atomic_exchange_explicit(&sh->sleeping, 0, memory_order_acq_rel);
	if (!how)
		return;
	atomic_fetch_add_explicit(&sh->seq, 1, memory_order_release);
	if (how == FP_SLEEP_FD)
		fp__ring_kick_fifo(ring);
	else
		fp__futex_wake(&sh->seq, 1, 1);
	atomic_fetch_add_explicit(&sh->wakes, 1, memory_order_relaxed);
}

static inline int is_tombstone(const struct fp_descriptor *d)
{
	return d->instance == FP_TOMBSTONE_INSTANCE && d->object == FP_TOMBSTONE_OBJECT;
}

/* A dead producer's record that blocks prod_tail gets tombstones and is committed for it.
 * Safe against concurrent repairers (the record is claimed by CAS) and live producers (a
 * reservation that a live record also claims is left alone: only one of the two CASed it). */
uint32_t fp__ring_repair(struct fp_ring_shared *sh)
{
	uint32_t total = 0;
	int again = 1;
	if (sh->type == FP_RING_SPSC)
		return 0;
	while (again) {
		again = 0;
		for (int i = 0; i < FP_RING_RECORDS; i++) {
			struct fp_ring_rec *rec = &sh->recs[i];
			uint64_t w;
			uint32_t head, n, tail, dead = FP_REC_DEAD;
			int claimed = 0;
			if (atomic_load(&rec->owner) != FP_REC_DEAD)
				continue;
			w = atomic_load(&rec->resv);
			head = (uint32_t)(w >> 32);
			n = (uint32_t)w & 0xffffffu;
			tail = atomic_load_explicit(&sh->prod_tail, memory_order_acquire);
			if (w == 0 || (int32_t)(tail - head) > 0) {
				/* idle, or its reservation was published (or was never its own) */
				if (atomic_compare_exchange_strong(&rec->resv, &w, 0))
					atomic_compare_exchange_strong(&rec->owner, &dead, 0);
				continue;
			}
			if (tail != head)
				continue; /* earlier reservations still pending */
			/* read prod_head before the records: a live producer writes its record before the
			 * CAS that reserves, so one that has reserved at head is visible in the scan below */
			if (atomic_load(&sh->prod_head) == head) {
				/* it recorded, then died before its CAS: nothing of its is in the ring (and
				 * tombstoning here would move prod_tail past prod_head) */
				if (atomic_compare_exchange_strong(&rec->resv, &w, 0))
					atomic_compare_exchange_strong(&rec->owner, &dead, 0);
				continue;
			}
			for (int j = 0; j < FP_RING_RECORDS && !claimed; j++) {
				uint32_t o = atomic_load(&sh->recs[j].owner);
				uint64_t x = atomic_load(&sh->recs[j].resv);
				claimed = j != i && o != 0 && o != FP_REC_DEAD && x != 0 && (uint32_t)(x >> 32) == head;
			}
			/* re-read after the records: a live producer clears its record after publishing */
			if (claimed || atomic_load_explicit(&sh->prod_tail, memory_order_acquire) != head)
				continue;
			/* claim it as ours: if we die while repairing, recovering *our* pid marks it dead
			 * again and someone else finishes (tid 0: never matches a live thread's record) */
			if (!atomic_compare_exchange_strong(&rec->owner, &dead, my_pid()))
				continue;
			atomic_store(&rec->tid, 0);
			for (uint32_t k = 0; k < n; k++) {
				struct fp_descriptor *d = &sh->ring[(head + k) & sh->mask];
				d->instance = FP_TOMBSTONE_INSTANCE;
				d->chain = 0xffff;
				d->flags = 0xffff;
				d->object = FP_TOMBSTONE_OBJECT;
			}
			atomic_store_explicit(&sh->prod_tail, head + n, memory_order_release);
			atomic_store(&rec->resv, 0);
			atomic_store(&rec->owner, 0);
			atomic_fetch_add_explicit(&sh->tombstones, n, memory_order_relaxed);
			total += n;
			again = 1;
		}
	}
	return total;
}

int fp_ring_recover(struct fp_ring *ring, int32_t pid, int64_t timeout_ns, uint32_t *tombstoned)
{
	struct fp_ring_shared *sh;
	int64_t deadline;
	uint32_t total = 0;
	if (tombstoned)
		*tombstoned = 0;
	if (!ring || pid < 0)
		return FP_E_INVAL;
	sh = ring->sh;
	if (!multi_prod(sh))
		return 0;
	if (pid > 0)
		for (int i = 0; i < FP_RING_RECORDS; i++) {
			uint32_t o = (uint32_t)pid;
			atomic_compare_exchange_strong(&sh->recs[i].owner, &o, FP_REC_DEAD);
		}
	deadline = fp__now_ns() + (timeout_ns < 0 ? 0 : timeout_ns);
	for (;;) {
		int pending = 0;
		total += fp__ring_repair(sh);
		for (int i = 0; i < FP_RING_RECORDS; i++)
			pending |= atomic_load(&sh->recs[i].owner) == FP_REC_DEAD;
		if (!pending)
			break;
		if (fp__now_ns() >= deadline) {
			if (tombstoned)
				*tombstoned = total;
			return FP_E_TIMEOUT;
		}
		sched_yield();
	}
	if (total)
		fp_ring_notify(ring); /* tombstones only: let a sleeping consumer skip them */
	if (tombstoned)
		*tombstoned = total;
	return 0;
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
		struct fp_ring_rec *rec = my_record(sh);
		head = atomic_load_explicit(&sh->prod_head, memory_order_relaxed);
		do {
			uint32_t ct = atomic_load_explicit(&sh->cons_tail, memory_order_acquire);
			free_slots = sh->slots + ct - head;
			if (n > free_slots)
				n = free_slots;
			if (n == 0) {
				if (rec)
					atomic_store_explicit(&rec->resv, 0, memory_order_relaxed);
				goto full;
			}
			/* record what we are about to reserve before the CAS that reserves it: a
			 * repairer then knows the slots of a producer killed anywhere after the CAS */
			if (rec)
				atomic_store_explicit(&rec->resv, (uint64_t)head << 32 | n, memory_order_seq_cst);
		} while (!atomic_compare_exchange_weak_explicit(&sh->prod_head, &head, head + n, memory_order_seq_cst,
								memory_order_relaxed));
		copy_in(sh, head, d, n);
		wait_turn_prod(sh, head);
		atomic_store_explicit(&sh->prod_tail, head + n, memory_order_release);
		if (rec)
			atomic_store_explicit(&rec->resv, 0, memory_order_release);
	}
	ring_doorbell(ring);
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
	if (multi_prod(sh)) {
		/* drop tombstones (slots of a producer that died before publishing them) */
		uint32_t k = 0;
		for (uint32_t i = 0; i < n; i++)
			if (!is_tombstone(&d[i])) {
				if (k != i)
					d[k] = d[i];
				k++;
			}
		n = k;
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
	out->tombstones = atomic_load_explicit(&sh->tombstones, memory_order_relaxed);
	for (int i = 0; i < FP_RING_RECORDS; i++)
		out->records += atomic_load_explicit(&sh->recs[i].owner, memory_order_relaxed) != 0;
}
