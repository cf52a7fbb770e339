/* Consumer wait strategies on a ring's doorbell (futex on the shared mapping). */
#include "shm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HYBRID_MAX_NS 200000u

int64_t fp__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int fp__futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t timeout_ns, int shared)
{
	struct timespec ts, *tp = NULL;
	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tp = &ts;
	}
	/* shared: the word lives in a MAP_SHARED file, other processes wake it */
	return (int)syscall(SYS_futex, (uint32_t *)addr, shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, val, tp, NULL, 0);
}

int fp__futex_wake(_Atomic uint32_t *addr, int n, int shared)
{
	return (int)syscall(SYS_futex, (uint32_t *)addr, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void fp_ring_notify(struct fp_ring *ring)
{
	uint32_t how;
	if (!ring)
		return;
	how = atomic_exchange_explicit(&ring->sh->sleeping, 0, memory_order_acq_rel);
	atomic_fetch_add_explicit(&ring->sh->seq, 1, memory_order_release);
	fp__futex_wake(&ring->sh->seq, 1, 1);
	if (how == FP_SLEEP_FD)
		fp__ring_kick_fifo(ring);
}

int fp_ring_wake_fd(struct fp_ring *ring)
{
	int fd;
	if (!ring)
		return FP_E_INVAL;
	fd = open(ring->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* removed meanwhile (or a region swept by a sweep); make it again */
		if (mkfifo(ring->fifo, 0600) != 0 && errno != EEXIST)
			return FP_E_SYS;
		fd = open(ring->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	}
	return fd < 0 ? FP_E_SYS : fd;
}

int fp_ring_park(struct fp_ring *ring)
{
	struct fp_ring_shared *sh;
	uint32_t n;
	if (!ring)
		return FP_E_INVAL;
	sh = ring->sh;
	/* same Dekker pairing as the futex sleep: flag, full fence, re-check; a producer enqueuing
	 * after the re-check sees the flag and writes the FIFO */
	atomic_store_explicit(&sh->sleeping, FP_SLEEP_FD, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	n = fp_ring_count(ring);
	if (n) {
		atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
		return (int)n;
	}
	atomic_fetch_add_explicit(&sh->sleeps, 1, memory_order_relaxed);
	return 0;
}

void fp_ring_unpark(struct fp_ring *ring)
{
	if (ring)
		atomic_store_explicit(&ring->sh->sleeping, 0, memory_order_relaxed);
}

#define ADAPT_GROW_START_NS 1000u
#define ADAPT_STARVED_RUN   8u

uint32_t fp_spin_adapt(uint32_t budget_ns, uint32_t max_ns, int hit, int64_t idle_ns, uint32_t *misses)
{
	uint32_t m = misses ? *misses : 0;
	if (budget_ns > max_ns)
		budget_ns = max_ns;
	if (hit) {
		m = 0; /* spinning paid off: keep the budget */
	} else if (idle_ns > (int64_t)max_ns) {
		budget_ns /= 2; /* a long sleep: spinning longer would not have helped */
		m = 0;
	} else if (idle_ns > (int64_t)budget_ns) {
		/* woke shortly after giving up: a longer spin would have caught it */
		if (++m >= ADAPT_STARVED_RUN) {
			budget_ns /= 4; /* grew again and again, never caught anything: peer starved */
			m = 0;
		} else {
			uint64_t g = budget_ns < ADAPT_GROW_START_NS / 2 ? ADAPT_GROW_START_NS : (uint64_t)budget_ns * 2;
			budget_ns = g > max_ns ? max_ns : (uint32_t)g;
		}
	}
	if (misses)
		*misses = m;
	return budget_ns;
}

/* Spins until non-empty or `until` (ns, monotonic). Returns the count or 0. */
static uint32_t spin_until(struct fp_ring *ring, int64_t until)
{
	for (unsigned i = 1;; i++) {
		uint32_t n = fp_ring_count(ring);
		if (n)
			return n;
		fp_cpu_relax();
		if ((i & 63) == 0 && fp__now_ns() >= until)
			return 0;
	}
}

/* sleep: read seq, announce, re-check, then futex_wait(seq). A producer that enqueued after our
 * re-check sees sleeping=1 and bumps seq, so futex_wait returns at once (no lost wake). */
static int sleep_on_doorbell(struct fp_ring *ring, int64_t deadline)
{
	struct fp_ring_shared *sh = ring->sh;
	uint32_t n, seq = atomic_load_explicit(&sh->seq, memory_order_acquire);
	int64_t left;
	atomic_store_explicit(&sh->sleeping, FP_SLEEP_FUTEX, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	n = fp_ring_count(ring);
	if (n) {
		atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
		return (int)n;
	}
	left = deadline == INT64_MAX ? -1 : deadline - fp__now_ns();
	if (deadline != INT64_MAX && left <= 0) {
		atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
		return FP_E_TIMEOUT;
	}
	atomic_fetch_add_explicit(&sh->sleeps, 1, memory_order_relaxed);
	if (fp__futex_wait(&sh->seq, seq, left, 1) != 0 && errno == ETIMEDOUT) {
		atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
		n = fp_ring_count(ring);
		return n ? (int)n : FP_E_TIMEOUT;
	}
	atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
	return (int)fp_ring_count(ring);
}

int fp_ring_wait(struct fp_ring *ring, int strategy, int64_t timeout_ns)
{
	struct fp_ring_shared *sh;
	int64_t start, deadline;
	uint32_t n;
	int hybrid_slept = 0, rc;
	if (!ring || strategy < FP_WAIT_POLL || strategy > FP_WAIT_HYBRID)
		return FP_E_INVAL;
	sh = ring->sh;
	n = fp_ring_count(ring);
	if (n)
		return (int)n;
	start = fp__now_ns();
	deadline = timeout_ns < 0 ? INT64_MAX : start + timeout_ns;
	if (strategy == FP_WAIT_POLL) {
		n = spin_until(ring, deadline);
		return n ? (int)n : FP_E_TIMEOUT;
	}
	if (strategy == FP_WAIT_HYBRID) {
		uint32_t budget = atomic_load_explicit(&sh->spin_ns, memory_order_relaxed);
		int64_t until = start + budget < deadline ? start + budget : deadline;
		n = budget ? spin_until(ring, until) : 0;
		if (n) {
			uint32_t m = atomic_load_explicit(&sh->spin_misses, memory_order_relaxed);
			atomic_store_explicit(&sh->spin_ns, fp_spin_adapt(budget, HYBRID_MAX_NS, 1, 0, &m), memory_order_relaxed);
			atomic_store_explicit(&sh->spin_misses, m, memory_order_relaxed);
			return (int)n;
		}
		hybrid_slept = 1;
	}
	rc = sleep_on_doorbell(ring, deadline);
	if (hybrid_slept) {
		uint32_t m = atomic_load_explicit(&sh->spin_misses, memory_order_relaxed);
		uint32_t b = atomic_load_explicit(&sh->spin_ns, memory_order_relaxed);
		atomic_store_explicit(&sh->spin_ns, fp_spin_adapt(b, HYBRID_MAX_NS, 0, fp__now_ns() - start, &m), memory_order_relaxed);
		atomic_store_explicit(&sh->spin_misses, m, memory_order_relaxed);
	}
	return rc;
}
