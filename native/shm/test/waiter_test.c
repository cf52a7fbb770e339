/* Waiter thread: fires once per arm on the pipe, never misses data that arrived before arming,
 * callback flavour, clean stop. */
#include "fp_shm.h"
#include "check.h"

#include <poll.h>
#include <stdatomic.h>
#include <string.h>

static int readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

static void drain_fd(int fd)
{
	char b[64];
	while (read(fd, b, sizeof(b)) > 0)
		;
}

static atomic_int cb_calls;
static void on_cb(void *ctx) { atomic_fetch_add((atomic_int *)ctx, 1); }

int main(void)
{
	struct fp_region *region;
	struct fp_ring *r;
	struct fp_waiter *w;
	struct fp_descriptor d = {.instance = 1}, out[4];
	const char *name = test_name("waiter");
	int fd;
	CHECK_EQ(fp_region_create(name, 1 << 20, FP_REGION_NO_HUGE, &region), 0);
	CHECK_EQ(fp_ring_create(region, "r", FP_RING_SPSC, 16, &r), 0);

	for (int s = FP_WAIT_POLL; s <= FP_WAIT_HYBRID; s++) {
		CHECK_EQ(fp_waiter_start(r, s, &w), 0);
		fd = fp_waiter_fd(w);
		CHECK(fd >= 0);
		CHECK(!readable(fd, 30)); /* empty ring: no event */
		CHECK_EQ(fp_ring_enqueue(r, &d), 0);
		CHECK(readable(fd, 2000));
		drain_fd(fd);
		/* not re-armed: more data does not fire again */
		CHECK_EQ(fp_ring_enqueue(r, &d), 0);
		CHECK(!readable(fd, 30));
		/* consumer drains, then arms while data is already there -> fires at once */
		CHECK_EQ(fp_ring_dequeue_burst(r, out, 4), 2);
		CHECK_EQ(fp_ring_enqueue(r, &d), 0);
		fp_waiter_arm(w);
		CHECK(readable(fd, 2000));
		drain_fd(fd);
		CHECK_EQ(fp_ring_dequeue_burst(r, out, 4), 1);
		fp_waiter_arm(w);
		fp_waiter_stop(w);
		close(fd); /* we took ownership via fp_waiter_fd */
	}
	/* callback flavour */
	CHECK_EQ(fp_waiter_start_cb(r, FP_WAIT_SLEEP, on_cb, &cb_calls, &w), 0);
	CHECK_EQ(fp_ring_enqueue(r, &d), 0);
	for (int i = 0; i < 2000 && atomic_load(&cb_calls) == 0; i++)
		usleep(1000);
	CHECK_EQ(atomic_load(&cb_calls), 1);
	CHECK_EQ(fp_ring_dequeue_burst(r, out, 4), 1);
	fp_waiter_stop(w); /* without fp_waiter_fd: stop closes everything */
	CHECK_EQ(fp_waiter_start_cb(r, FP_WAIT_SLEEP, NULL, NULL, &w), FP_E_INVAL);
	CHECK_EQ(fp_waiter_start(r, 7, &w), FP_E_INVAL);
	CHECK_EQ(fp_waiter_fd(NULL), FP_E_INVAL);
	fp_waiter_stop(NULL);

	fp_ring_close(r);
	fp_region_detach(region);
	CHECK_EQ(fp_region_unlink(name), 0);
	puts("waiter_test: ok");
	return 0;
}
