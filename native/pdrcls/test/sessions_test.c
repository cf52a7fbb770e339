/* Session front end: table lookups both ways, errors, all-or-nothing apply, table growth,
 * and a reader thread that must never see a half-applied update or freed memory (ASan)
 * while a writer keeps replacing a session's rules. */
#include "pdrcls.h"
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static struct pdr_rule rule(uint32_t id, uint32_t prec, uint64_t cookie)
{
	struct pdr_rule r;
	pdr_rule_init_any(&r);
	r.pdr_id = id;
	r.precedence = prec;
	r.cookie = cookie;
	return r;
}

static void test_basic(int kind)
{
	struct pdrsess *s = pdrsess_create(kind, 2);
	CHECK(s);
	CHECK(pdrsess_create(99, 1) == NULL);
	CHECK_EQ(pdrsess_add(s, 0, 1, 1), PDRCLS_EINVAL);
	/* enough sessions to force several rebuild-and-swap table growths */
	for (uint32_t i = 1; i <= 300; i++)
		CHECK_EQ(pdrsess_add(s, i, 1000 + i, 0x0a000000 + i), 0);
	CHECK_EQ(pdrsess_add(s, 1, 5, 5), PDRCLS_EEXIST);
	CHECK_EQ(pdrsess_add(s, 999, 1001, 5), PDRCLS_EEXIST);
	CHECK_EQ(pdrsess_add(s, 999, 5, 0x0a000001), PDRCLS_EEXIST);
	CHECK_EQ(pdrsess_count(s), 300);

	/* session 7: uplink rule for UDP to port 53 (id 1), catch-all (id 2) */
	struct pdr_rule r[2] = { rule(1, 10, 0xAA), rule(2, 255, 0xBB) };
	r[0].lo[PDR_DIM_PROTO] = r[0].hi[PDR_DIM_PROTO] = 17;
	r[0].lo[PDR_DIM_DST_PORT] = r[0].hi[PDR_DIM_DST_PORT] = 53;
	CHECK_EQ(pdrsess_apply(s, 7, r, 2, NULL, 0), 0);
	CHECK_EQ(pdrsess_rule_count(s, 7), 2);
	CHECK_EQ(pdrsess_rule_count(s, 12345), PDRCLS_ENOENT);

	int rd = pdrsess_reader_register(s);
	CHECK(rd >= 0);
	struct pdr_key k[4];
	memset(k, 0, sizeof(k));
	k[0].v[PDR_DIM_TEID] = 1007;
	k[0].v[PDR_DIM_PROTO] = 17;
	k[0].v[PDR_DIM_DST_PORT] = 53;
	k[1].v[PDR_DIM_TEID] = 1007;
	k[1].v[PDR_DIM_PROTO] = 6;
	k[2].v[PDR_DIM_TEID] = 4242; /* no such session */
	k[3].v[PDR_DIM_TEID] = 1008; /* session without rules */
	struct pdrsess_match m[4];
	CHECK_EQ(pdrsess_classify_batch(s, rd, PDRSESS_UPLINK, k, 4, m), 2);
	CHECK(m[0].seid == 7 && m[0].pdr_id == 1 && m[0].cookie == 0xAA);
	CHECK(m[1].seid == 7 && m[1].pdr_id == 2 && m[1].cookie == 0xBB);
	CHECK(m[2].seid == 0 && m[2].pdr_id == PDR_ID_NONE);
	CHECK(m[3].seid == 8 && m[3].pdr_id == PDR_ID_NONE);
	struct pdrsess_stats st;
	CHECK_EQ(pdrsess_stats(s, &st), 0);
	CHECK(st.sessions == 300 && st.lookups == 4 && st.no_session == 1 && st.kind == (uint32_t)kind);
	CHECK(st.probes >= 1); /* session 7's classifier examined something for its two keys */
	CHECK_EQ(pdrsess_stats(NULL, &st), PDRCLS_EINVAL);
	CHECK_EQ(pdrsess_stats(s, NULL), PDRCLS_EINVAL);
	/* downlink: by UE IP */
	memset(k, 0, sizeof(k));
	k[0].v[PDR_DIM_UE_IP4] = 0x0a000007;
	CHECK_EQ(pdrsess_classify_batch(s, rd, PDRSESS_DOWNLINK, k, 1, m), 1);
	CHECK(m[0].seid == 7 && m[0].pdr_id == 2);
	CHECK_EQ(pdrsess_classify_batch(s, rd, 5, k, 1, m), PDRCLS_EINVAL);
	CHECK_EQ(pdrsess_classify_batch(s, 63, PDRSESS_UPLINK, k, 1, m), PDRCLS_EINVAL); /* unregistered */

	/* all-or-nothing: a failing delete in the batch leaves the rules untouched */
	struct pdr_rule extra = rule(3, 1, 0xCC);
	uint32_t dels[] = { 2, 77 };
	CHECK_EQ(pdrsess_apply(s, 7, &extra, 1, dels, 2), PDRCLS_ENOENT);
	CHECK_EQ(pdrsess_rule_count(s, 7), 2);
	CHECK_EQ(pdrsess_apply(s, 7, r, 1, NULL, 0), PDRCLS_EEXIST);
	CHECK_EQ(pdrsess_apply(s, 7, &extra, 1, dels, 1), 0);
	CHECK_EQ(pdrsess_rule_count(s, 7), 2);
	CHECK_EQ(pdrsess_classify_batch(s, rd, PDRSESS_DOWNLINK, k, 1, m), 1);
	CHECK(m[0].pdr_id == 3 && m[0].cookie == 0xCC);
	CHECK_EQ(pdrsess_apply(s, 4242, &extra, 1, NULL, 0), PDRCLS_ENOENT);

	/* remove: both lookups stop finding it; the seid, TEID and UE IP become free again */
	CHECK_EQ(pdrsess_remove(s, 7), 0);
	CHECK_EQ(pdrsess_remove(s, 7), PDRCLS_ENOENT);
	CHECK_EQ(pdrsess_classify_batch(s, rd, PDRSESS_DOWNLINK, k, 1, m), 0);
	CHECK(m[0].seid == 0);
	CHECK_EQ(pdrsess_add(s, 7, 1007, 0x0a000007), 0);
	for (uint32_t i = 1; i <= 300; i++)
		CHECK_EQ(pdrsess_remove(s, i), 0);
	CHECK_EQ(pdrsess_count(s), 0);
	pdrsess_reader_unregister(s, rd);
	CHECK_EQ(pdrsess_reclaim(s), 0); /* no reader inside: everything retired is freed */
	pdrsess_destroy(s);
}

static void test_readers_full(void)
{
	struct pdrsess *s = pdrsess_create(PDRCLS_LL, 1);
	for (int i = 0; i < PDRSESS_MAX_READERS; i++)
		CHECK_EQ(pdrsess_reader_register(s), i);
	CHECK_EQ(pdrsess_reader_register(s), PDRCLS_ENOSPC);
	pdrsess_reader_unregister(s, 5);
	CHECK_EQ(pdrsess_reader_register(s), 5);
	pdrsess_destroy(s);
}

/* --- concurrent reader vs writer --- */
struct shared {
	struct pdrsess *s;
	atomic_int stop;
	atomic_long lookups, bad;
};

static void *reader_main(void *arg)
{
	struct shared *sh = arg;
	int rd = pdrsess_reader_register(sh->s);
	struct pdr_key k[2];
	struct pdrsess_match m[2];
	uint64_t last = 0;
	memset(k, 0, sizeof(k));
	k[0].v[PDR_DIM_TEID] = 77;
	k[0].v[PDR_DIM_DST_PORT] = 80; /* matches rule 1 (precedence 5) */
	k[1].v[PDR_DIM_TEID] = 77;
	k[1].v[PDR_DIM_DST_PORT] = 81; /* only the catch-all rule 2 */
	while (!atomic_load(&sh->stop)) {
		pdrsess_classify_batch(sh->s, rd, PDRSESS_UPLINK, k, 2, m);
		/* a half-applied version would show a missing rule or two versions in one batch */
		if (m[0].pdr_id != 1 || m[1].pdr_id != 2 || m[0].cookie != m[1].cookie || m[0].cookie < last)
			atomic_fetch_add(&sh->bad, 1);
		last = m[0].cookie;
		atomic_fetch_add(&sh->lookups, 1);
	}
	pdrsess_reader_unregister(sh->s, rd);
	return NULL;
}

static void test_concurrent(int kind)
{
	struct shared sh = { .s = pdrsess_create(kind, 4) };
	CHECK_EQ(pdrsess_add(sh.s, 1, 77, 0x0a000001), 0);
	struct pdr_rule r[2] = { rule(1, 5, 1), rule(2, 9, 1) };
	r[0].lo[PDR_DIM_DST_PORT] = r[0].hi[PDR_DIM_DST_PORT] = 80;
	CHECK_EQ(pdrsess_apply(sh.s, 1, r, 2, NULL, 0), 0);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, reader_main, &sh) == 0);
	uint32_t dels[] = { 1, 2 };
	for (uint64_t v = 2; v < 3000; v++) {
		r[0].cookie = r[1].cookie = v;
		CHECK_EQ(pdrsess_apply(sh.s, 1, r, 2, dels, 2), 0); /* replace both rules at once */
		if (v % 100 == 0) /* unrelated sessions come and go: table swaps under the reader */
			for (uint64_t j = 0; j < 20; j++)
				CHECK_EQ(pdrsess_add(sh.s, 1000 * v + j, (uint32_t)(1000 * v + j), 0), 0);
	}
	atomic_store(&sh.stop, 1);
	pthread_join(th, NULL);
	CHECK(atomic_load(&sh.lookups) > 0);
	CHECK_EQ(atomic_load(&sh.bad), 0);
	CHECK(pdrsess_epoch(sh.s) > 3000);
	CHECK_EQ(pdrsess_reclaim(sh.s), 0);
	pdrsess_destroy(sh.s);
	printf("concurrent %s: %ld lookups during 3000 swaps\n", pdrcls_kind_name(kind), atomic_load(&sh.lookups));
}

int main(void)
{
	for (int k = 0; k < PDRCLS_KIND_COUNT; k++)
		test_basic(k);
	test_readers_full();
	test_concurrent(PDRCLS_PS);
	test_concurrent(PDRCLS_TSS);
	puts("sessions_test: ok");
	return 0;
}
