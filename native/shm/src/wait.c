/* Consumer wait strategies on a ring's doorbell (futex on the shared mapping). */
#include "shm_internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HYBRID_MIN_NS 1000u
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
	if (!ring)
		return;
	atomic_store_explicit(&ring->sh->sleeping, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&ring->sh->seq, 1, memory_order_release);
	fp__futex_wake(&ring->sh->seq, 1, 1);
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

int fp_ring_wait(struct fp_ring *ring, int strategy, int64_t timeout_ns)
{
	struct fp_ring_shared *sh;
	int64_t start, deadline;
	uint32_t n, seq;
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
		/* Adaptive budget: doubles when a spin catches data, halves when it does not (an idle
		 * or CPU-starved producer), so a quiet ring costs little spinning. */
		uint32_t budget = atomic_load_explicit(&sh->spin_ns, memory_order_relaxed);
		int64_t until = start + budget < deadline ? start + budget : deadline;
		n = spin_until(ring, until);
		if (n) {
			budget = budget * 2 > HYBRID_MAX_NS ? HYBRID_MAX_NS : budget * 2;
			atomic_store_explicit(&sh->spin_ns, budget, memory_order_relaxed);
			return (int)n;
		}
		budget = budget / 2 < HYBRID_MIN_NS ? HYBRID_MIN_NS : budget / 2;
		atomic_store_explicit(&sh->spin_ns, budget, memory_order_relaxed);
	}
	/* sleep: read seq, announce, re-check, then futex_wait(seq). A producer that enqueued after
	 * our re-check sees sleeping=1 and bumps seq, so futex_wait returns at once (no lost wake). */
	seq = atomic_load_explicit(&sh->seq, memory_order_acquire);
	atomic_store_explicit(&sh->sleeping, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	n = fp_ring_count(ring);
	if (n) {
		atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
		return (int)n;
	}
	{
		int64_t left = deadline == INT64_MAX ? -1 : deadline - fp__now_ns();
		if (left == 0 || (left < 0 && deadline != INT64_MAX)) {
			atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
			return FP_E_TIMEOUT;
		}
		atomic_fetch_add_explicit(&sh->sleeps, 1, memory_order_relaxed);
		if (fp__futex_wait(&sh->seq, seq, left, 1) != 0 && errno == ETIMEDOUT) {
			atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
			n = fp_ring_count(ring);
			return n ? (int)n : FP_E_TIMEOUT;
		}
	}
	atomic_store_explicit(&sh->sleeping, 0, memory_order_relaxed);
	return (int)fp_ring_count(ring);
}
