/* One-hop wake-ups (fp_ring_wake_fd / fp_ring_park / fp_ring_unpark): the producer writes the
 * ring's FIFO only when the consumer parked, never loses a wake, and the adaptive spin rule. */
#include "fp_shm.h"
#include "check.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct fp_region *region;

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, timeout_ms) == 1;
}

static int drain_fd(int fd)
{
	char b[64];
	int total = 0;
	ssize_t n;
	while ((n = read(fd, b, sizeof(b))) > 0)
		total += (int)n;
	return total;
}

static void fifo_basics(void)
{
	struct fp_ring *c, *p;
	struct fp_descriptor d = {.instance = 1, .object = 42}, out;
	struct stat st;
	char path[300];
	int fd;
	CHECK_EQ(fp_ring_create(region, "wake", FP_RING_SPSC, 8, &c), 0);
	snprintf(path, sizeof(path), "/dev/shm/fastpath-%s@wake.wake", fp_region_name(region));
	if (!getenv("FASTPATH_SHM_DIR")) {
		CHECK_EQ(stat(path, &st), 0);
		CHECK(S_ISFIFO(st.st_mode));
		CHECK_EQ(st.st_mode & 0777, 0600);
	}
	CHECK_EQ(fp_ring_attach(region, "wake", &p), 0);
	fd = fp_ring_wake_fd(c);
	CHECK(fd >= 0);
	/* not parked: an enqueue writes nothing */
	CHECK_EQ(fp_ring_enqueue(p, &d), 0);
	CHECK(!readable(fd, 0));
	/* park with data waiting: refused, count returned, flag cleared */
	CHECK_EQ(fp_ring_park(c), 1);
	CHECK_EQ(fp_ring_dequeue(c, &out), 1);
	CHECK_EQ(fp_ring_enqueue(p, &d), 0);
	CHECK(!readable(fd, 0));
	CHECK_EQ(fp_ring_dequeue(c, &out), 1);
	/* parked: the next enqueue writes exactly one byte; a second enqueue writes nothing more */
	CHECK_EQ(fp_ring_park(c), 0);
	CHECK_EQ(fp_ring_enqueue(p, &d), 0);
	CHECK_EQ(fp_ring_enqueue(p, &d), 0);
	CHECK(readable(fd, 1000));
	CHECK_EQ(drain_fd(fd), 1);
	CHECK_EQ(fp_ring_dequeue(c, &out), 1);
	CHECK_EQ(fp_ring_dequeue(c, &out), 1);
	/* unpark: no byte */
	CHECK_EQ(fp_ring_park(c), 0);
	fp_ring_unpark(c);
	CHECK_EQ(fp_ring_enqueue(p, &d), 0);
	CHECK(!readable(fd, 0));
	CHECK_EQ(fp_ring_dequeue(c, &out), 1);
	/* notify wakes a parked consumer through the FIFO too */
	CHECK_EQ(fp_ring_park(c), 0);
	fp_ring_notify(p);
	CHECK(readable(fd, 1000));
	CHECK_EQ(drain_fd(fd), 1);
	/* the consumer's fd outlives a removed FIFO file; wake_fd makes it again */
	unlink(path);
	{
		int fd2 = fp_ring_wake_fd(c);
		CHECK(fd2 >= 0);
		close(fd2);
	}
	CHECK_EQ(fp_ring_wake_fd(NULL), FP_E_INVAL);
	CHECK_EQ(fp_ring_park(NULL), FP_E_INVAL);
	fp_ring_unpark(NULL);
	close(fd);
	fp_ring_close(p);
	fp_ring_close(c);
	puts("wake_test: fifo basics ok");
}

/* A producer thread with random pauses; the consumer only ever sleeps in poll() on the FIFO
 * after parking. A lost wake hangs poll() for 5 s and fails. */
#define N 20000
static void *producer(void *arg)
{
	struct fp_ring *r = arg;
	unsigned x = 12345;
	for (uint64_t i = 0; i < N; i++) {
		struct fp_descriptor d = {.instance = 0, .object = i};
		while (fp_ring_enqueue(r, &d) != 0)
			sched_yield();
		x = x * 1103515245 + 12345;
		if ((x >> 16) % 13 == 0) {
			struct timespec ts = {0, (long)((x >> 8) % 30000)};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void no_lost_wakes(void)
{
	struct fp_ring *c, *p;
	struct fp_descriptor out[16];
	struct fp_ring_stats st;
	pthread_t t;
	uint64_t next = 0;
	int fd, parks = 0;
	CHECK_EQ(fp_ring_create(region, "lost", FP_RING_SPSC, 16, &c), 0);
	CHECK_EQ(fp_ring_attach(region, "lost", &p), 0);
	fd = fp_ring_wake_fd(c);
	CHECK(fd >= 0);
	CHECK_EQ(pthread_create(&t, NULL, producer, p), 0);
	while (next < N) {
		uint32_t n;
		while ((n = fp_ring_dequeue_burst(c, out, 16)) > 0)
			for (uint32_t i = 0; i < n; i++)
				CHECK_EQ(out[i].object, next++);
		if (next >= N)
			break;
		if (fp_ring_park(c) > 0)
			continue;
		parks++;
		CHECK(readable(fd, 5000));
		drain_fd(fd);
	}
	pthread_join(t, NULL);
	fp_ring_stats(c, &st);
	CHECK(parks > 0);
	CHECK(st.wakes > 0);
	printf("wake_test: %d descriptors, %d parks, %llu FIFO wakes, none lost\n", N, parks, (unsigned long long)st.wakes);
	close(fd);
	fp_ring_close(p);
	fp_ring_close(c);
}

static void spin_adapt(void)
{
	uint32_t m = 0, b;
	const uint32_t max = 50000;
	/* a hit keeps the budget */
	CHECK_EQ(fp_spin_adapt(8000, max, 1, 0, &m), 8000);
	/* woke shortly after giving up: grows x2 (from 0: to 1 µs), capped at max */
	CHECK_EQ(fp_spin_adapt(0, max, 0, 500, &m), 1000);
	CHECK_EQ(fp_spin_adapt(8000, max, 0, 12000, &m), 16000);
	CHECK_EQ(fp_spin_adapt(40000, max, 0, 45000, &m), max);
	/* a long sleep halves */
	m = 0;
	CHECK_EQ(fp_spin_adapt(8000, max, 0, 1000000, &m), 4000);
	CHECK_EQ(m, 0);
	/* idle within the budget but no hit (woken otherwise): unchanged */
	CHECK_EQ(fp_spin_adapt(8000, max, 0, 5000, &m), 8000);
	/* starved peer: eight grows without a hit cut the budget to a quarter */
	m = 0;
	b = 1000;
	for (int i = 0; i < 7; i++)
		b = fp_spin_adapt(b, 1000000, 0, (int64_t)b + 100, &m);
	CHECK_EQ(b, 128000); /* 1000 -> 2k, 4k, ..., 128k */
	CHECK_EQ(m, 7);
	b = fp_spin_adapt(b, 1000000, 0, (int64_t)b + 100, &m);
	CHECK_EQ(b, 32000);
	CHECK_EQ(m, 0);
	/* a hit resets the run; the budget never exceeds max; NULL state is allowed */
	m = 5;
	fp_spin_adapt(100, max, 1, 0, &m);
	CHECK_EQ(m, 0);
	CHECK_EQ(fp_spin_adapt(90000, max, 1, 0, NULL), max);
	puts("wake_test: spin adapt ok");
}

int main(void)
{
	const char *name = test_name("wake");
	CHECK_EQ(fp_region_create(name, 4 << 20, FP_REGION_NO_HUGE, &region), 0);
	fifo_basics();
	no_lost_wakes();
	spin_adapt();
	fp_region_detach(region);
	CHECK_EQ(fp_region_unlink(name), 0);
	puts("wake_test: ok");
	return 0;
}
