/* Ring throughput: fastpath fp_ring vs DPDK rte_ring (Debian libdpdk-dev), 16-byte elements,
 * SPSC, same ring size, producer and consumer on separate threads (same process) or separate
 * processes (fork, both rings in the same shared region). rte_ring is initialised with
 * rte_ring_init on our own mapping, so no EAL/hugepage init is needed.
 * Each repetition runs for a fixed time (argv[1] seconds, default 0.4) so the bench stays bounded
 * on a loaded machine; ours and rte_ring alternate repetition by repetition. Both spin, and both
 * yield the CPU after 1024 fruitless polls (on 2 shared cores a pure spin can stall its peer).
 * The consumer checks that every descriptor arrives in sequence.
 * Prints one JSON object: {"sameProcess":{"burst1":{"ours":[...],"rte":[...]},...},"crossProcess":...}
 * (descriptors per second of every repetition). */
#include "fp_shm.h"

#include <pthread.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1024
#define REPS 5

struct shared {
	_Atomic int ready, go, stop;
	double rate;
	uint64_t bad;
};

struct job {
	int impl; /* 0 ours, 1 rte */
	struct fp_ring *ours;
	struct rte_ring *rte;
	uint32_t burst;
	double seconds;
	struct shared *sh;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void backoff(unsigned *idle)
{
	if (++*idle < 1024) {
		__builtin_ia32_pause();
	} else {
		*idle = 0;
		sched_yield();
	}
}

static void produce(struct job *j)
{
	struct fp_descriptor buf[256];
	uint64_t seq = 0;
	unsigned idle = 0;
	while (!atomic_load(&j->sh->go))
		;
	while (!atomic_load_explicit(&j->sh->stop, memory_order_relaxed)) {
		uint32_t k = j->burst, sent = 0;
		for (uint32_t i = 0; i < k; i++) {
			buf[i].instance = 1;
			buf[i].chain = 1;
			buf[i].flags = 0;
			buf[i].object = seq + i;
		}
		while (sent < k && !atomic_load_explicit(&j->sh->stop, memory_order_relaxed)) {
			uint32_t m = j->impl == 0 ? fp_ring_enqueue_burst(j->ours, buf + sent, k - sent)
						  : rte_ring_sp_enqueue_burst_elem(j->rte, buf + sent, sizeof(buf[0]), k - sent, NULL);
			if (!m)
				backoff(&idle);
			sent += m;
		}
		seq += k;
	}
}

static void consume(struct job *j)
{
	struct fp_descriptor buf[256];
	uint64_t got = 0, bad = 0;
	unsigned idle = 0, iter = 0;
	double t0, t;
	atomic_store(&j->sh->ready, 1);
	while (!atomic_load(&j->sh->go))
		;
	t0 = now();
	for (;;) {
		uint32_t m = j->impl == 0 ? fp_ring_dequeue_burst(j->ours, buf, j->burst)
					  : rte_ring_sc_dequeue_burst_elem(j->rte, buf, sizeof(buf[0]), j->burst, NULL);
		for (uint32_t i = 0; i < m; i++)
			bad += buf[i].object != got + i; /* in order, none lost */
		got += m;
		if (!m)
			backoff(&idle);
		if ((++iter & 255) == 0 && (t = now()) - t0 >= j->seconds)
			break;
	}
	atomic_store(&j->sh->stop, 1);
	j->sh->rate = (double)got / (t - t0);
	j->sh->bad = bad;
}

static void *consumer_thread(void *arg)
{
	consume(arg);
	return NULL;
}

static double run(struct job *j, int cross)
{
	memset(j->sh, 0, sizeof(*j->sh));
	if (cross) {
		pid_t pid = fork();
		if (pid == 0) {
			consume(j);
			_exit(0);
		}
		while (!atomic_load(&j->sh->ready))
			sched_yield();
		atomic_store(&j->sh->go, 1);
		produce(j);
		waitpid(pid, NULL, 0);
	} else {
		pthread_t t;
		pthread_create(&t, NULL, consumer_thread, j);
		while (!atomic_load(&j->sh->ready))
			sched_yield();
		atomic_store(&j->sh->go, 1);
		produce(j);
		pthread_join(t, NULL);
	}
	if (j->sh->bad) {
		fprintf(stderr, "ring_bench: %llu descriptors out of sequence (impl %d burst %u)\n", (unsigned long long)j->sh->bad, j->impl, j->burst);
		exit(1);
	}
	return j->sh->rate;
}

int main(int argc, char **argv)
{
	struct fp_region *region;
	char name[64];
	uint64_t off_sh, off_rte;
	const uint32_t bursts[] = {1, 32, 256};
	double seconds = argc > 1 ? atof(argv[1]) : 0.4;
	ssize_t rte_size = rte_ring_get_memsize_elem(sizeof(struct fp_descriptor), SLOTS);

	snprintf(name, sizeof(name), "fpbench-%d", (int)getpid());
	if (fp_region_create(name, 8 << 20, 0, &region) != 0 || rte_size < 0) {
		fprintf(stderr, "ring_bench: cannot create region\n");
		return 1;
	}
	fp_region_unlink(name); /* mappings stay; nothing to clean up on a crash */
	if (fp_region_alloc(region, "shared", FP_OBJ_RAW, sizeof(struct shared), &off_sh) ||
	    fp_region_alloc(region, "rte", FP_OBJ_RAW, (uint64_t)rte_size, &off_rte))
		return 1;
	printf("{\"backing\":\"%s\",\"slots\":%d,", fp_region_backing(region) == FP_BACKING_HUGETLBFS ? "hugetlbfs" : "shm", SLOTS);
	for (int cross = 0; cross < 2; cross++) {
		printf("\"%s\":{", cross ? "crossProcess" : "sameProcess");
		for (size_t b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
			printf("%s\"burst%u\":{", b ? "," : "", bursts[b]);
			double rates[2][REPS];
			for (int rep = 0; rep < REPS; rep++) {
				for (int impl = 0; impl < 2; impl++) { /* alternate: drift hits both */
					char rn[32];
					struct job j = {.impl = impl, .burst = bursts[b], .seconds = seconds,
							.sh = fp_region_ptr(region, off_sh, sizeof(struct shared))};
					snprintf(rn, sizeof(rn), "r%d-%zu-%d", cross, b, rep);
					if (impl == 0) { /* a fresh ring per repetition */
						if (fp_ring_create(region, rn, FP_RING_SPSC, SLOTS, &j.ours))
							return 1;
					} else {
						j.rte = fp_region_ptr(region, off_rte, (uint64_t)rte_size);
						if (rte_ring_init(j.rte, rn, SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
							return 1;
					}
					rates[impl][rep] = run(&j, cross);
					if (impl == 0)
						fp_ring_close(j.ours);
				}
			}
			for (int impl = 0; impl < 2; impl++) {
				printf("%s\"%s\":[", impl ? "," : "", impl ? "rte" : "ours");
				for (int rep = 0; rep < REPS; rep++)
					printf("%s%.0f", rep ? "," : "", rates[impl][rep]);
				printf("]");
			}
			printf("}");
		}
		printf("}%s", cross ? "" : ",");
	}
	printf("}\n");
	fp_region_detach(region);
	fp_region_unlink(name); /* again: removes the wake FIFOs of the rings made after the first unlink */
	return 0;
}
