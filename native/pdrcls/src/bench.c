/* Timing helpers for the bench target: the loops run in C so that koffi's per-call cost
 * never lands in a per-packet or per-update number. */
#include "internal.h"

#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define BENCH_MAX_BATCH 256

int pdrcls_bench_classify(struct pdrcls *cls, const struct pdr_key *keys, size_t n, size_t batch,
			  uint32_t reps, uint64_t *ns_out)
{
	uint32_t ids[BENCH_MAX_BATCH];
	if (!cls || !keys || !ns_out || n == 0 || reps == 0 || batch > BENCH_MAX_BATCH)
		return PDRCLS_EINVAL;
	if (batch == 0)
		batch = 64;
	int hits = 0;
	for (uint32_t r = 0; r < reps; r++) {
		hits = 0;
		/* thread CPU time, as the reference measured: other engineers' builds share the
		 * machine, and being descheduled must not count as lookup time */
		uint64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		for (size_t off = 0; off < n; off += batch) {
			size_t m = n - off < batch ? n - off : batch;
			hits += pdrcls_classify_batch(cls, keys + off, m, ids, NULL);
		}
		ns_out[r] = now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	}
	return hits;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median cost of an empty CLOCK_MONOTONIC pair, subtracted from every timed op. */
static uint64_t timer_overhead(void)
{
	uint64_t s[257];
	for (int i = 0; i < 257; i++) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		s[i] = now_ns(CLOCK_MONOTONIC) - t0;
	}
	qsort(s, 257, sizeof(s[0]), cmp_u64);
	return s[128];
}

int pdrcls_bench_updates(struct pdrcls *cls, const struct pdr_rule *rules, size_t nrules,
			 const uint32_t *op_codes, const uint32_t *op_ids, size_t nops, uint32_t *ns_out)
{
	if (!cls || !rules || !op_codes || !op_ids || !ns_out)
		return PDRCLS_EINVAL;
	uint64_t over = timer_overhead();
	for (size_t i = 0; i < nops; i++) {
		uint32_t id = op_ids[i];
		if (id >= nrules || (op_codes[i] != 'I' && op_codes[i] != 'D'))
			return PDRCLS_EINVAL;
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);
		int rc = op_codes[i] == 'I' ? pdrcls_insert(cls, &rules[id]) : pdrcls_delete(cls, id);
		uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
		if (rc)
			return rc;
		dt = dt > over ? dt - over : 0;
		ns_out[i] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
	}
	return 0;
}
