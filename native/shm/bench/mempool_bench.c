/* Mempool alloc+free cost: single ops, bulk of 32, and two threads contending; glibc
 * malloc/free of the same size as a same-run reference. Single-thread figures use the thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID), so time spent descheduled on a loaded machine does not
 * count; the two-thread figure is wall time. Prints one JSON object (ns per object). */
#include "fp_shm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define OBJ 256
#define ITERS 2000000

static struct fp_mempool *mp;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double single(void)
{
	uint64_t o;
	double t0 = now();
	for (int i = 0; i < ITERS; i++) {
		if (fp_mempool_alloc(mp, 1, &o) || fp_mempool_free(mp, o) != 1)
			abort();
	}
	return (now() - t0) * 1e9 / ITERS;
}

static double bulk(void)
{
	uint64_t o[32];
	double t0 = now();
	for (int i = 0; i < ITERS / 32; i++) {
		if (fp_mempool_alloc_bulk(mp, 1, o, 32) || fp_mempool_free_bulk(mp, o, 32, NULL) != 32)
			abort();
	}
	return (now() - t0) * 1e9 / ((ITERS / 32) * 32);
}

static double malloc_ref(void)
{
	double t0 = now();
	for (int i = 0; i < ITERS; i++) {
		void *volatile p = malloc(OBJ);
		free(p);
	}
	return (now() - t0) * 1e9 / ITERS;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *contend(void *arg)
{
	uint64_t o;
	double t0 = wall();
	for (int i = 0; i < ITERS; i++) {
		if (fp_mempool_alloc(mp, 1, &o) || fp_mempool_free(mp, o) != 1)
			abort();
	}
	*(double *)arg = (wall() - t0) * 1e9 / ITERS;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median3(double (*f)(void))
{
	double v[3] = {f(), f(), f()};
	qsort(v, 3, sizeof(double), cmp);
	return v[1];
}

int main(void)
{
	struct fp_region *r;
	char name[64];
	double t1, t2;
	pthread_t a, b;
	snprintf(name, sizeof(name), "fpbench-mp-%d", (int)getpid());
	if (fp_region_create(name, 64 << 20, 0, &r) || fp_mempool_create(r, "p", OBJ, 65536, &mp))
		return 1;
	fp_region_unlink(name);
	printf("{\"objectSize\":%d,\"singleNs\":%.2f,\"bulk32NsPerObject\":%.2f,\"mallocFreeNs\":%.2f,", OBJ, median3(single),
	       median3(bulk), median3(malloc_ref));
	pthread_create(&a, NULL, contend, &t1);
	pthread_create(&b, NULL, contend, &t2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("\"twoThreadsSingleNs\":%.2f}\n", (t1 + t2) / 2);
	fp_mempool_close(mp);
	fp_region_detach(r);
	return 0;
}
