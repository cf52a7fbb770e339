/* Rings: SPSC/MPSC/MPMC correctness (order, no loss, no duplicates), wrap-around, full/empty,
 * wait strategies and the no-lost-wakeup doorbell. */
#include "fp_shm.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static struct fp_region *region;

static struct fp_descriptor mk(uint32_t inst, uint64_t seq)
{
	struct fp_descriptor d = {.instance = inst, .chain = 1, .flags = fp_desc_make_flags(FP_DESC_FLAG_ROUTE, 5), .object = seq};
	return d;
}

static void basics(void)
{
	struct fp_ring *r, *a;
	struct fp_descriptor in[8], out[8];
	CHECK_EQ(fp_ring_create(region, "basic", FP_RING_SPSC, 3, &r), FP_E_INVAL);
	CHECK_EQ(fp_ring_create(region, "basic", FP_RING_SPSC, 1, &r), FP_E_INVAL);
	CHECK_EQ(fp_ring_create(region, "basic", 7, 4, &r), FP_E_INVAL);
	CHECK_EQ(fp_ring_create(region, "basic", FP_RING_SPSC, 4, &r), 0);
	CHECK_EQ(fp_ring_attach(region, "basic", &a), 0);
	CHECK_EQ(fp_ring_capacity(a), 4);
	CHECK_EQ(fp_ring_type(a), FP_RING_SPSC);
	CHECK_EQ(fp_ring_dequeue(a, out), 0);
	for (int i = 0; i < 8; i++)
		in[i] = mk(1, (uint64_t)i);
	/* wrap around several times with odd burst sizes */
	for (uint64_t round = 0, next = 0, got = 0; round < 50; round++) {
		uint32_t n = fp_ring_enqueue_burst(r, in, (uint32_t)(round % 5) + 1);
		for (uint32_t i = 0; i < n; i++)
			next++;
		uint32_t m = fp_ring_dequeue_burst(a, out, (uint32_t)(round % 3) + 1);
		for (uint32_t i = 0; i < m; i++, got++)
			CHECK(out[i].instance == 1);
		(void)next;
	}
	while (fp_ring_dequeue_burst(a, out, 8))
		;
	CHECK_EQ(fp_ring_count(r), 0);
	/* full */
	CHECK_EQ(fp_ring_enqueue_burst(r, in, 8), 4);
	CHECK_EQ(fp_ring_enqueue(r, in), FP_E_FULL);
	CHECK_EQ(fp_ring_count(a), 4);
	CHECK_EQ(fp_ring_dequeue_burst(a, out, 8), 4);
	CHECK(memcmp(in, out, 4 * sizeof(*in)) == 0);
	{
		struct fp_ring_stats st;
		fp_ring_stats(a, &st);
		CHECK(st.full >= 1);
		CHECK_EQ(st.enqueued, st.dequeued);
	}
	/* wait: data present -> count; empty -> timeout for every strategy */
	CHECK_EQ(fp_ring_enqueue(r, in), 0);
	CHECK_EQ(fp_ring_wait(a, FP_WAIT_SLEEP, 0), 1);
	CHECK_EQ(fp_ring_dequeue(a, out), 1);
	for (int s = FP_WAIT_POLL; s <= FP_WAIT_HYBRID; s++)
		CHECK_EQ(fp_ring_wait(a, s, 2000000), FP_E_TIMEOUT);
	CHECK_EQ(fp_ring_wait(a, 9, 0), FP_E_INVAL);
	fp_ring_close(a);
	CHECK_EQ(fp_ring_attach(region, "nosuch", &a), FP_E_NOENT);
	CHECK(a == NULL);
	fp_ring_close(r);
}

/* N producers x PER descriptors through a ring; the consumer checks per-producer order,
 * no loss and no duplicates (object = producer sequence number). */
#define PER 400000
struct prod_arg { struct fp_ring *r; uint32_t id; uint32_t burst; };

static void *producer(void *p)
{
	struct prod_arg *a = p;
	struct fp_descriptor buf[64];
	uint64_t seq = 0;
	while (seq < PER) {
		uint32_t n = a->burst;
		if (seq + n > PER)
			n = (uint32_t)(PER - seq);
		for (uint32_t i = 0; i < n; i++)
			buf[i] = mk(a->id, seq + i);
		uint32_t sent = 0;
		while (sent < n) {
			uint32_t k = fp_ring_enqueue_burst(a->r, buf + sent, n - sent);
			if (!k)
				sched_yield();
			sent += k;
		}
		seq += n;
	}
	return NULL;
}

static void run_multi(uint32_t type, uint32_t producers, int strategy)
{
	struct fp_ring *r;
	pthread_t t[8];
	struct prod_arg args[8];
	uint64_t next[8] = {0}, total = 0;
	struct fp_descriptor out[64];
	char name[32];
	snprintf(name, sizeof(name), "multi-%u-%u-%d", type, producers, strategy);
	CHECK_EQ(fp_ring_create(region, name, type, 1024, &r), 0);
	for (uint32_t i = 0; i < producers; i++) {
		args[i] = (struct prod_arg){r, i, 1 + i * 13 % 64};
		CHECK_EQ(pthread_create(&t[i], NULL, producer, &args[i]), 0);
	}
	while (total < (uint64_t)producers * PER) {
		uint32_t n = fp_ring_dequeue_burst(r, out, 64);
		if (!n) {
			int rc = fp_ring_wait(r, strategy, 5000000000ll);
			CHECK(rc >= 0);
			continue;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t p = out[i].instance;
			CHECK(p < producers);
			CHECK_EQ(out[i].object, next[p]); /* in order, none lost, none doubled */
			next[p]++;
		}
		total += n;
	}
	for (uint32_t i = 0; i < producers; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(fp_ring_count(r), 0);
	{
		struct fp_ring_stats st;
		fp_ring_stats(r, &st);
		printf("ring_test: type=%u producers=%u strategy=%d ok (sleeps=%llu wakes=%llu)\n", type, producers, strategy,
		       (unsigned long long)st.sleeps, (unsigned long long)st.wakes);
	}
	fp_ring_close(r);
}

/* MPMC: 2 consumers; every descriptor seen exactly once. */
static atomic_uint_fast64_t mpmc_seen;
static uint8_t *mpmc_marks;
static void *mc_consumer(void *p)
{
	struct fp_ring *r = p;
	struct fp_descriptor out[32];
	while (atomic_load(&mpmc_seen) < 2ull * PER) {
		uint32_t n = fp_ring_dequeue_burst(r, out, 32);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t k = out[i].instance * (uint64_t)PER + out[i].object;
			CHECK(__atomic_exchange_n(&mpmc_marks[k], 1, __ATOMIC_RELAXED) == 0);
		}
		if (!n)
			sched_yield();
		atomic_fetch_add(&mpmc_seen, n);
	}
	return NULL;
}

static void mpmc(void)
{
	struct fp_ring *r;
	pthread_t p[2], c[2];
	struct prod_arg args[2];
	CHECK_EQ(fp_ring_create(region, "mpmc", FP_RING_MPMC, 256, &r), 0);
	mpmc_marks = calloc(2 * PER, 1);
	for (int i = 0; i < 2; i++) {
		args[i] = (struct prod_arg){r, (uint32_t)i, 7};
		CHECK_EQ(pthread_create(&c[i], NULL, mc_consumer, r), 0);
		CHECK_EQ(pthread_create(&p[i], NULL, producer, &args[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	for (uint64_t k = 0; k < 2ull * PER; k++)
		CHECK(mpmc_marks[k] == 1);
	free(mpmc_marks);
	fp_ring_close(r);
	puts("ring_test: mpmc ok");
}

/* Doorbell: a consumer that sleeps between every message must get all of them (a lost wake
 * would hang until the 5 s timeout and fail). */
static void *slow_producer(void *p)
{
	struct fp_ring *r = p;
	for (uint64_t i = 0; i < 2000; i++) {
		struct fp_descriptor d = mk(0, i);
		while (fp_ring_enqueue(r, &d) != 0)
			sched_yield();
		if (i % 7 == 0) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static void doorbell(void)
{
	struct fp_ring *r;
	pthread_t t;
	struct fp_descriptor d;
	struct fp_ring_stats st;
	uint64_t next = 0;
	CHECK_EQ(fp_ring_create(region, "doorbell", FP_RING_SPSC, 8, &r), 0);
	CHECK_EQ(pthread_create(&t, NULL, slow_producer, r), 0);
	while (next < 2000) {
		int rc = fp_ring_wait(r, FP_WAIT_SLEEP, 5000000000ll);
		CHECK(rc >= 0);
		while (fp_ring_dequeue(r, &d) == 1) {
			CHECK_EQ(d.object, next);
			next++;
		}
	}
	pthread_join(t, NULL);
	fp_ring_stats(r, &st);
	CHECK(st.sleeps > 0);
	CHECK(st.wakes > 0);
	printf("ring_test: doorbell ok (sleeps=%llu wakes=%llu)\n", (unsigned long long)st.sleeps, (unsigned long long)st.wakes);
	/* notify wakes a sleeper with the ring empty: returns 0 */
	fp_ring_close(r);
}

static void *notifier(void *p)
{
	/* notify once the waiter sleeps: a notify before that has nobody to wake (by design), and
	 * on a loaded machine the waiter may get there late */
	struct timespec ts = {0, 1000000};
	struct fp_ring_stats st;
	for (int i = 0; i < 4000; i++) {
		fp_ring_stats(p, &st);
		if (st.sleeps)
			break;
		nanosleep(&ts, NULL);
	}
	fp_ring_notify(p);
	return NULL;
}

static void notify_wakes_empty(void)
{
	struct fp_ring *r;
	pthread_t t;
	CHECK_EQ(fp_ring_create(region, "notify", FP_RING_SPSC, 8, &r), 0);
	CHECK_EQ(pthread_create(&t, NULL, notifier, r), 0);
	CHECK_EQ(fp_ring_wait(r, FP_WAIT_SLEEP, 5000000000ll), 0);
	pthread_join(t, NULL);
	fp_ring_close(r);
}

/* A handle whose cached peer index is stale (the other end was used through another handle,
 * e.g. a consumer process that died and was replaced) must refresh, not trust a wrapped diff. */
static void stale_handles(void)
{
	struct fp_ring *p1, *p2, *c1, *c2;
	struct fp_descriptor in[16], out[16];
	for (int i = 0; i < 16; i++)
		in[i] = mk(0, (uint64_t)i);
	CHECK_EQ(fp_ring_create(region, "stale", FP_RING_SPSC, 4, &p1), 0);
	CHECK_EQ(fp_ring_attach(region, "stale", &p2), 0);
	CHECK_EQ(fp_ring_attach(region, "stale", &c1), 0);
	CHECK_EQ(fp_ring_attach(region, "stale", &c2), 0);
	for (int round = 0; round < 5; round++) { /* move indexes well past slots */
		CHECK_EQ(fp_ring_enqueue_burst(p1, in, 4), 4);
		CHECK_EQ(fp_ring_dequeue_burst(c1, out, 4), 4);
	}
	CHECK_EQ(fp_ring_enqueue_burst(p1, in + 5, 2), 2);
	CHECK_EQ(fp_ring_dequeue_burst(c2, out, 16), 2); /* not 16 garbage slots */
	CHECK_EQ(out[0].object, 5);
	CHECK_EQ(out[1].object, 6);
	CHECK_EQ(fp_ring_enqueue_burst(p2, in, 16), 4); /* not an overrun */
	CHECK_EQ(fp_ring_dequeue_burst(c2, out, 16), 4);
	CHECK_EQ(out[3].object, 3);
	fp_ring_close(p1);
	fp_ring_close(p2);
	fp_ring_close(c1);
	fp_ring_close(c2);
}

int main(void)
{
	const char *name = test_name("ring");
	CHECK_EQ(fp_region_create(name, 8 << 20, FP_REGION_NO_HUGE, &region), 0);
	basics();
	stale_handles();
	run_multi(FP_RING_SPSC, 1, FP_WAIT_POLL);
	run_multi(FP_RING_SPSC, 1, FP_WAIT_SLEEP);
	run_multi(FP_RING_MPSC, 4, FP_WAIT_HYBRID);
	run_multi(FP_RING_MPSC, 3, FP_WAIT_SLEEP);
	mpmc();
	doorbell();
	notify_wakes_empty();
	fp_region_detach(region);
	CHECK_EQ(fp_region_unlink(name), 0);
	puts("ring_test: ok");
	return 0;
}
