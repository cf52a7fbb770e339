/* Mempool: alloc/free, generations, double free, stale, exhaustion, bulk, refcounts,
 * reclaim, audit, and a multi-threaded MPMC stress with ownership checks. */
#include "fp_shm.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static struct fp_region *region;

static void basics(void)
{
	struct fp_mempool *mp, *mp2;
	struct fp_mempool_stats st;
	uint64_t a, b, objs[8];
	int32_t res[3];
	CHECK_EQ(fp_mempool_create(region, "basic", 100, 4, &mp), 0);
	CHECK_EQ(fp_mempool_obj_size(mp), 128);
	CHECK_EQ(fp_mempool_count(mp), 4);
	CHECK_EQ(fp_mempool_free_count(mp), 4);
	CHECK_EQ(fp_mempool_create(region, "basic", 100, 4, &mp2), FP_E_EXIST);
	CHECK_EQ(fp_mempool_attach(region, "basic", &mp2), 0);

	CHECK_EQ(fp_mempool_alloc(mp, 7, &a), 0);
	CHECK_EQ(fp_desc_generation(a), 0);
	CHECK_EQ(fp_desc_offset(a), fp_mempool_payload_base(mp));
	CHECK(fp_mempool_data(mp, a) == fp_region_ptr(region, fp_desc_offset(a), 128));
	memset(fp_mempool_data(mp, a), 0xab, 128);
	CHECK(((uint8_t *)fp_mempool_data(mp2, a))[127] == 0xab);
	{
		uint32_t owner, ref;
		CHECK_EQ(fp_mempool_info(mp, a, &owner, &ref), 0);
		CHECK_EQ(owner, 7);
		CHECK_EQ(ref, 1);
	}
	CHECK_EQ(fp_mempool_free(mp2, a), 1);
	CHECK_EQ(fp_mempool_free(mp, a), FP_E_DOUBLE_FREE);
	CHECK(fp_mempool_data(mp, a) == NULL);
	CHECK_EQ(fp_mempool_check(mp, a), FP_E_DOUBLE_FREE);
	/* realloc: same slot, next generation; the old reference is stale */
	CHECK_EQ(fp_mempool_alloc(mp, 7, &b), 0);
	CHECK_EQ(fp_desc_offset(b), fp_desc_offset(a));
	CHECK_EQ(fp_desc_generation(b), 1);
	CHECK_EQ(fp_mempool_free(mp, a), FP_E_STALE);
	CHECK_EQ(fp_mempool_check(mp, b), 0);
	CHECK_EQ(fp_mempool_free(mp, fp_desc_make_object(fp_desc_offset(b) + 8, 1)), FP_E_INVAL);
	CHECK_EQ(fp_mempool_free(mp, fp_desc_make_object(3, 0)), FP_E_INVAL);
	CHECK_EQ(fp_mempool_alloc(mp, 0, &a), FP_E_INVAL);

	/* exhaustion is a value, never a wait; bulk is all-or-nothing */
	CHECK_EQ(fp_mempool_alloc_bulk(mp, 7, objs, 4), FP_E_EXHAUSTED);
	CHECK_EQ(fp_mempool_free_count(mp), 3);
	CHECK_EQ(fp_mempool_alloc_bulk(mp, 7, objs, 3), 0);
	CHECK_EQ(fp_mempool_alloc(mp, 7, &a), FP_E_EXHAUSTED);
	CHECK_EQ(fp_mempool_free_count(mp), 0);
	res[0] = res[1] = res[2] = 99;
	CHECK_EQ(fp_mempool_free_bulk(mp, objs, 3, res), 3);
	CHECK(res[0] == 1 && res[1] == 1 && res[2] == 1);
	CHECK_EQ(fp_mempool_free_bulk(mp, objs, 3, res), 0);
	CHECK(res[0] == FP_E_DOUBLE_FREE);
	CHECK_EQ(fp_mempool_free(mp, b), 1);
	CHECK_EQ(fp_mempool_free_count(mp), 4);
	/* duplicates inside one bulk free: the second is a double free, the list stays sane */
	CHECK_EQ(fp_mempool_alloc(mp, 7, &a), 0);
	objs[0] = a;
	objs[1] = a;
	CHECK_EQ(fp_mempool_free_bulk(mp, objs, 2, res), 1);
	CHECK_EQ(res[1], FP_E_DOUBLE_FREE);
	CHECK_EQ(fp_mempool_free_count(mp), 4);
	CHECK_EQ(fp_mempool_audit(mp, 0), 0);

	fp_mempool_stats(mp, &st);
	CHECK_EQ(st.count, 4);
	CHECK_EQ(st.free, 4);
	CHECK(st.double_frees >= 4);
	CHECK(st.stale >= 1);
	CHECK_EQ(st.exhausted, 2);
	CHECK_EQ(st.allocs, st.frees);
	fp_mempool_close(mp2);
	fp_mempool_close(mp);
}

static void refs_and_reclaim(void)
{
	struct fp_mempool *mp;
	uint64_t a, objs[10];
	uint32_t owner, ref;
	CHECK_EQ(fp_mempool_create(region, "refs", 64, 16, &mp), 0);
	CHECK_EQ(fp_mempool_alloc(mp, 1, &a), 0);
	CHECK_EQ(fp_mempool_ref(mp, a, 2), 0);
	CHECK_EQ(fp_mempool_info(mp, a, &owner, &ref), 0);
	CHECK_EQ(ref, 3);
	CHECK_EQ(fp_mempool_free(mp, a), 0);
	CHECK_EQ(fp_mempool_free(mp, a), 0);
	CHECK_EQ(fp_mempool_free(mp, a), 1);
	CHECK_EQ(fp_mempool_free(mp, a), FP_E_DOUBLE_FREE);
	CHECK_EQ(fp_mempool_ref(mp, a, 1), FP_E_DOUBLE_FREE);
	CHECK_EQ(fp_mempool_alloc(mp, 1, &a), 0);
	CHECK_EQ(fp_mempool_ref(mp, a, 70000), FP_E_INVAL); /* refcount is 16 bits */
	CHECK_EQ(fp_mempool_free(mp, a), 1);

	/* reclaim: owner 5 dies holding 6 objects (one with extra refs), owner 6 keeps 4 */
	CHECK_EQ(fp_mempool_alloc_bulk(mp, 5, objs, 6), 0);
	CHECK_EQ(fp_mempool_alloc_bulk(mp, 6, objs + 6, 4), 0);
	CHECK_EQ(fp_mempool_ref(mp, objs[0], 3), 0);
	CHECK_EQ(fp_mempool_set_owner(mp, objs[1], 6), 0); /* handed over: survives */
	CHECK_EQ(fp_mempool_free_count(mp), 6);
	CHECK_EQ(fp_mempool_reclaim(mp, 5), 5);
	CHECK_EQ(fp_mempool_free_count(mp), 11);
	CHECK_EQ(fp_mempool_check(mp, objs[0]), FP_E_DOUBLE_FREE);
	CHECK_EQ(fp_mempool_free(mp, objs[2]), FP_E_DOUBLE_FREE); /* late free by a survivor is rejected */
	CHECK_EQ(fp_mempool_check(mp, objs[1]), 0);
	CHECK_EQ(fp_mempool_reclaim(mp, 6), 5);
	CHECK_EQ(fp_mempool_free_count(mp), 16);
	CHECK_EQ(fp_mempool_reclaim(mp, 0), FP_E_INVAL);
	fp_mempool_close(mp);
}

static void audit_finds_lost(void)
{
	struct fp_mempool *mp;
	uint64_t a;
	CHECK_EQ(fp_mempool_create(region, "audit", 64, 8, &mp), 0);
	CHECK_EQ(fp_mempool_alloc(mp, 3, &a), 0);
	/* simulate a process killed after its free flipped the header but before the push:
	 * the object is neither allocated nor listed. (Layout: meta is the first header word.) */
	*(uint64_t *)((uint8_t *)fp_mempool_data(mp, a) - 64) = 1; /* free, generation 1 */
	CHECK_EQ(fp_mempool_audit(mp, 0), 1);
	CHECK_EQ(fp_mempool_free_count(mp), 7);
	CHECK_EQ(fp_mempool_audit(mp, 1), 1);
	CHECK_EQ(fp_mempool_free_count(mp), 8);
	CHECK_EQ(fp_mempool_audit(mp, 0), 0);
	fp_mempool_close(mp);
}

/* MPMC stress: threads alloc (single and bulk), stamp the payload with their id, verify the
 * stamp is still theirs (nobody else got the object), free. */
#define THREADS 4
#define ROUNDS 20000
static struct fp_mempool *stress_mp;
static atomic_int exhausted_seen;

static void *stress(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;
	uint64_t objs[16];
	for (int r = 0; r < ROUNDS; r++) {
		uint32_t n = (uint32_t)(r % 16) + 1;
		int rc = n == 1 ? fp_mempool_alloc(stress_mp, me, objs) : fp_mempool_alloc_bulk(stress_mp, me, objs, n);
		if (rc == FP_E_EXHAUSTED) {
			atomic_fetch_add(&exhausted_seen, 1);
			continue;
		}
		CHECK_EQ(rc, 0);
		for (uint32_t i = 0; i < n; i++)
			*(volatile uint32_t *)fp_mempool_data(stress_mp, objs[i]) = me;
		for (uint32_t i = 0; i < n; i++)
			CHECK_EQ(*(volatile uint32_t *)fp_mempool_data(stress_mp, objs[i]), me);
		if (r & 1)
			CHECK_EQ(fp_mempool_free_bulk(stress_mp, objs, n, NULL), n);
		else
			for (uint32_t i = 0; i < n; i++)
				CHECK_EQ(fp_mempool_free(stress_mp, objs[i]), 1);
	}
	return NULL;
}

static void mpmc_stress(void)
{
	pthread_t t[THREADS];
	struct fp_mempool_stats st;
	CHECK_EQ(fp_mempool_create(region, "stress", 64, 48, &stress_mp), 0);
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, stress, (void *)(uintptr_t)(i + 1)), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(fp_mempool_free_count(stress_mp), 48);
	CHECK_EQ(fp_mempool_audit(stress_mp, 0), 0);
	fp_mempool_stats(stress_mp, &st);
	CHECK_EQ(st.allocs, st.frees);
	CHECK_EQ(st.double_frees, 0);
	CHECK_EQ(st.stale, 0);
	printf("mempool_test: stress allocs=%llu exhausted=%d\n", (unsigned long long)st.allocs, atomic_load(&exhausted_seen));
	fp_mempool_close(stress_mp);
}

static void bad_args(void)
{
	struct fp_mempool *mp;
	CHECK_EQ(fp_mempool_create(region, "zero", 0, 4, &mp), FP_E_INVAL);
	CHECK_EQ(fp_mempool_create(region, "zero", 64, 0, &mp), FP_E_INVAL);
	CHECK_EQ(fp_mempool_create(region, "huge", 1 << 20, 1 << 20, &mp), FP_E_NOSPACE);
	CHECK_EQ(fp_mempool_attach(region, "nosuch", &mp), FP_E_NOENT);
	{
		uint64_t off;
		CHECK_EQ(fp_region_alloc(region, "rawthing", FP_OBJ_RAW, 64, &off), 0);
		CHECK_EQ(fp_mempool_attach(region, "rawthing", &mp), FP_E_TYPE);
	}
	CHECK_EQ(fp_mempool_free(NULL, 0), FP_E_INVAL);
	fp_mempool_close(NULL);
}

int main(void)
{
	const char *name = test_name("mempool");
	CHECK_EQ(fp_region_create(name, 4 << 20, FP_REGION_NO_HUGE, &region), 0);
	basics();
	refs_and_reclaim();
	audit_finds_lost();
	mpmc_stress();
	bad_args();
	fp_region_detach(region);
	CHECK_EQ(fp_region_unlink(name), 0);
	puts("mempool_test: ok");
	return 0;
}
