/* Waiter thread: bridges a sleeping ring consumer to an event loop (pipe byte or callback). */
#include "shm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct fp_waiter {
	struct fp_ring *ring;
	int strategy;
	int rfd, wfd;
	int rfd_taken;
	fp_waiter_cb cb;
	void *ctx;
	pthread_t thread;
	_Atomic uint32_t armed; /* process-private futex word */
	_Atomic int stop;
};

static void *waiter_main(void *arg)
{
	struct fp_waiter *w = arg;
	while (!atomic_load(&w->stop)) {
		int rc;
		if (!atomic_load_explicit(&w->armed, memory_order_acquire)) {
			fp__futex_wait(&w->armed, 0, -1, 0);
			continue;
		}
		/* poll in slices so stop is noticed; sleep/hybrid are woken by fp_ring_notify */
		rc = fp_ring_wait(w->ring, w->strategy, w->strategy == FP_WAIT_POLL ? 10000000 : -1);
		if (rc <= 0 || atomic_load(&w->stop))
			continue;
		atomic_store_explicit(&w->armed, 0, memory_order_release);
		if (w->cb) {
			w->cb(w->ctx);
		} else {
			char b = 1;
			while (write(w->wfd, &b, 1) < 0 && errno == EINTR)
				;
		}
	}
	return NULL;
}

static int start(struct fp_ring *ring, int strategy, fp_waiter_cb cb, void *ctx, struct fp_waiter **out)
{
	struct fp_waiter *w;
	int fds[2] = {-1, -1};
	if (!ring || !out || strategy < FP_WAIT_POLL || strategy > FP_WAIT_HYBRID)
		return FP_E_INVAL;
	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return FP_E_SYS;
	if (!cb && pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(w);
		return FP_E_SYS;
	}
	w->ring = ring;
	w->strategy = strategy;
	w->rfd = fds[0];
	w->wfd = fds[1];
	w->cb = cb;
	w->ctx = ctx;
	atomic_store(&w->armed, 1);
	if (pthread_create(&w->thread, NULL, waiter_main, w) != 0) {
		if (!cb) {
			close(fds[0]);
			close(fds[1]);
		}
		free(w);
		return FP_E_SYS;
	}
	*out = w;
	return 0;
}

int fp_waiter_start(struct fp_ring *ring, int strategy, struct fp_waiter **out)
{
	return start(ring, strategy, NULL, NULL, out);
}

int fp_waiter_start_cb(struct fp_ring *ring, int strategy, fp_waiter_cb cb, void *ctx, struct fp_waiter **out)
{
	if (!cb)
		return FP_E_INVAL;
	return start(ring, strategy, cb, ctx, out);
}

int fp_waiter_fd(struct fp_waiter *w)
{
	if (!w || w->rfd < 0)
		return FP_E_INVAL;
	w->rfd_taken = 1;
	return w->rfd;
}

void fp_waiter_arm(struct fp_waiter *w)
{
	if (!w)
		return;
	atomic_store_explicit(&w->armed, 1, memory_order_release);
	fp__futex_wake(&w->armed, 1, 0);
}

void fp_waiter_stop(struct fp_waiter *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, 1);
	atomic_store(&w->armed, 1);
	fp__futex_wake(&w->armed, 1, 0);
	/* The thread may read the doorbell sequence just after a notify and sleep on the new value;
	 * keep notifying until it has left. No periodic wake-ups while idle. */
	for (;;) {
		struct timespec ts;
		fp_ring_notify(w->ring);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &ts) == 0)
			break;
	}
	if (w->wfd >= 0)
		close(w->wfd);
	if (w->rfd >= 0 && !w->rfd_taken)
		close(w->rfd);
	free(w);
}
