/* Every classifier against the brute-force oracle on randomised rules, keys and
 * insert/delete sequences, plus the priority rule and bad-input errors. Runs under ASan. */
#include "internal.h"
#include "pdrcls.h"
#include "testutil.h"

#include <stdbool.h>
#include <string.h>

static void test_priority(void)
{
	/* lower precedence wins; equal precedence -> lower pdr id */
	CHECK(pdr_rule_better(1, 9, 2, 1));
	CHECK(!pdr_rule_better(2, 1, 1, 9));
	CHECK(pdr_rule_better(5, 3, 5, 4));
	CHECK(!pdr_rule_better(5, 4, 5, 3));
	CHECK(!pdr_rule_better(5, 4, 5, 4));
	CHECK(pdr_rank(0, UINT32_MAX - 1) < pdr_rank(1, 0));
}

static void test_errors(void)
{
	CHECK(pdrcls_create(-1) == NULL);
	CHECK(pdrcls_create(PDRCLS_KIND_COUNT) == NULL);
	CHECK(pdrcls_kind_name(PDRCLS_KIND_COUNT) == NULL);
	CHECK(strcmp(pdrcls_kind_name(PDRCLS_PS), "ps") == 0);
	CHECK(strcmp(pdrcls_strerror(PDRCLS_EEXIST), "id already exists") == 0);
	for (int k = 0; k < PDRCLS_KIND_COUNT; k++) {
		struct pdrcls *c = pdrcls_create(k);
		struct pdr_rule r;
		CHECK(c && pdrcls_kind(c) == k);
		pdr_rule_init_any(&r);
		r.pdr_id = 7;
		CHECK_EQ(pdrcls_insert(c, &r), 0);
		CHECK_EQ(pdrcls_insert(c, &r), PDRCLS_EEXIST);
		r.pdr_id = PDR_ID_NONE;
		CHECK_EQ(pdrcls_insert(c, &r), PDRCLS_EINVAL);
		r.pdr_id = 8;
		r.lo[3] = 10;
		r.hi[3] = 9;
		CHECK_EQ(pdrcls_insert(c, &r), PDRCLS_EINVAL);
		CHECK_EQ(pdrcls_insert(c, NULL), PDRCLS_EINVAL);
		CHECK_EQ(pdrcls_delete(c, 8), PDRCLS_ENOENT);
		CHECK_EQ(pdrcls_delete(c, PDR_ID_NONE), PDRCLS_ENOENT);
		CHECK_EQ(pdrcls_get(c, 8, &r), PDRCLS_ENOENT);
		CHECK_EQ(pdrcls_classify_batch(c, NULL, 1, NULL, NULL), PDRCLS_EINVAL);
		CHECK_EQ(pdrcls_classify_batch(NULL, NULL, 0, NULL, NULL), PDRCLS_EINVAL);
		CHECK_EQ(pdrcls_stats(c, NULL), PDRCLS_EINVAL);
		struct pdr_key key = { { 0 } };
		uint32_t id;
		uint64_t cookie;
		CHECK_EQ(pdrcls_classify_batch(c, &key, 1, &id, &cookie), 1);
		CHECK_EQ(id, 7);
		CHECK_EQ(pdrcls_delete(c, 7), 0);
		CHECK_EQ(pdrcls_classify_batch(c, &key, 1, &id, &cookie), 0);
		CHECK_EQ(id, PDR_ID_NONE);
		CHECK_EQ(cookie, 0);
		pdrcls_destroy(c);
	}
	pdrcls_destroy(NULL);
}

/* Random rule in the shape PDRs take: prefixes on addresses, ranges/exact/any on ports,
 * exact-or-any on the rest, with few distinct values so that rules overlap a lot. */
static void random_rule(struct pdr_rule *r, uint32_t id)
{
	static const uint32_t nets[] = { 0x0a000000, 0x0a010000, 0x0a010100, 0xc0a80000, 0x0a0100f0 };
	pdr_rule_init_any(r);
	for (int d = 0; d < 2; d++) {
		unsigned len = (unsigned[]){ 0, 8, 16, 24, 28, 32 }[rnd_below(6)];
		uint32_t base = nets[rnd_below(5)] | (rnd_below(4) << 2);
		uint32_t mask = len == 0 ? 0 : len == 32 ? UINT32_MAX : ~(UINT32_MAX >> len);
		r->lo[d] = base & mask;
		r->hi[d] = (base & mask) | ~mask;
	}
	for (int d = 2; d < 4; d++) {
		switch (rnd_below(4)) {
		case 0: break;
		case 1: r->lo[d] = r->hi[d] = (uint32_t[]){ 53, 80, 443, 2152 }[rnd_below(4)]; break;
		case 2: r->lo[d] = 1024; r->hi[d] = 65535; break;
		default: r->lo[d] = rnd_below(100); r->hi[d] = r->lo[d] + rnd_below(200); break;
		}
	}
	if (rnd_below(2))
		r->lo[4] = r->hi[4] = (uint32_t[]){ 6, 17, 1 }[rnd_below(3)];
	for (int d = 5; d < PDR_DIMS; d++)
		if (rnd_below(8) == 0)
			r->lo[d] = r->hi[d] = rnd_below(3);
	r->precedence = rnd_below(64); /* many ties: exercises the pdr_id tie-break */
	r->pdr_id = id;
	r->cookie = 0xC00C1E0000000000ull | id;
}

static void random_key(struct pdr_key *k, const struct pdr_rule *rules, size_t n)
{
	if (n && rnd_below(4)) { /* a point inside a random rule, often matching others too */
		const struct pdr_rule *r = &rules[rnd_below((uint32_t)n)];
		for (int d = 0; d < PDR_DIMS; d++) {
			uint32_t span = r->hi[d] - r->lo[d];
			k->v[d] = r->lo[d] + (span == UINT32_MAX ? rnd() : rnd_below(span + 1));
			if (d >= 5 && r->hi[d] == pdr_dim_max(d))
				k->v[d] = rnd_below(3);
		}
	} else {
		for (int d = 0; d < PDR_DIMS; d++)
			k->v[d] = d < 2 ? (rnd_below(2) ? rnd() : 0x0a010100 + rnd_below(256)) : rnd_below(d < 4 ? 70 : 3);
		if (rnd_below(2))
			k->v[2] = 53;
	}
}

#define NKEYS 400

static void cross_check(struct pdrcls *oracle, struct pdrcls **cls, const struct pdr_rule *pool,
			size_t npool)
{
	static struct pdr_key keys[NKEYS];
	static uint32_t want[NKEYS], got[NKEYS];
	static uint64_t wantc[NKEYS], gotc[NKEYS];
	for (int i = 0; i < NKEYS; i++)
		random_key(&keys[i], pool, npool);
	int wh = pdrcls_classify_batch(oracle, keys, NKEYS, want, wantc);
	for (int k = 1; k < PDRCLS_KIND_COUNT; k++) {
		int h = pdrcls_classify_batch(cls[k], keys, NKEYS, got, gotc);
		CHECK_EQ(h, wh);
		for (int i = 0; i < NKEYS; i++) {
			if (got[i] != want[i])
				fprintf(stderr, "kind %s key %d: got %u want %u\n", pdrcls_kind_name(k), i, got[i], want[i]);
			CHECK_EQ(got[i], want[i]);
			CHECK(gotc[i] == wantc[i]);
		}
	}
}

static void test_random(uint64_t seed, size_t npool)
{
	rng_state = seed;
	struct pdr_rule *pool = calloc(npool, sizeof(*pool));
	bool *in = calloc(npool, sizeof(*in));
	struct pdrcls *cls[PDRCLS_KIND_COUNT];
	size_t empty_bytes[PDRCLS_KIND_COUNT];
	CHECK(pool && in);
	for (size_t i = 0; i < npool; i++)
		random_rule(&pool[i], (uint32_t)(i * 7 + 3));
	for (int k = 0; k < PDRCLS_KIND_COUNT; k++) {
		struct pdrcls_stats st;
		cls[k] = pdrcls_create(k);
		CHECK(cls[k]);
		CHECK_EQ(pdrcls_stats(cls[k], &st), 0);
		empty_bytes[k] = st.bytes;
	}
	/* build with a random 60 %, then random inserts/deletes with periodic checks */
	for (size_t i = 0; i < npool; i++)
		if (rnd_below(10) < 6) {
			in[i] = true;
			for (int k = 0; k < PDRCLS_KIND_COUNT; k++)
				CHECK_EQ(pdrcls_insert(cls[k], &pool[i]), 0);
		}
	cross_check(cls[0], cls, pool, npool);
	for (int op = 0; op < 3000; op++) {
		size_t i = rnd_below((uint32_t)npool);
		for (int k = 0; k < PDRCLS_KIND_COUNT; k++)
			CHECK_EQ(in[i] ? pdrcls_delete(cls[k], pool[i].pdr_id) : pdrcls_insert(cls[k], &pool[i]), 0);
		in[i] = !in[i];
		if (op % 500 == 499) {
			cross_check(cls[0], cls, pool, npool);
			CHECK_EQ(pdrcls_ps_check(cls[PDRCLS_PS]), 0);
		}
	}
	size_t count = 0;
	for (size_t i = 0; i < npool; i++)
		count += in[i];
	for (int k = 0; k < PDRCLS_KIND_COUNT; k++) {
		struct pdrcls_stats st;
		struct pdr_rule got;
		CHECK_EQ(pdrcls_stats(cls[k], &st), 0);
		CHECK_EQ(st.rules, count);
		CHECK(count == 0 || st.tables >= 1);
		CHECK(st.lookups > 0 && st.probes > 0);
		CHECK_EQ(pdrcls_list(cls[k], NULL, 0), (int)count);
		for (size_t i = 0; i < npool; i++)
			if (in[i]) {
				CHECK_EQ(pdrcls_get(cls[k], pool[i].pdr_id, &got), 0);
				CHECK(memcmp(&got, &pool[i], sizeof(got)) == 0);
			}
	}
	/* a clone into every other kind answers like the oracle */
	for (int k = 1; k < PDRCLS_KIND_COUNT; k++) {
		struct pdrcls *c = pdrcls_clone(cls[0], k);
		CHECK(c && pdrcls_kind(c) == k);
		pdrcls_destroy(cls[k]);
		cls[k] = c;
	}
	cross_check(cls[0], cls, pool, npool);
	/* deleting everything returns every byte the rules used */
	uint64_t oracle_bytes = 0;
	for (int k = 0; k < PDRCLS_KIND_COUNT; k++) {
		struct pdrcls_stats st;
		for (size_t i = 0; i < npool; i++)
			if (in[i])
				CHECK_EQ(pdrcls_delete(cls[k], pool[i].pdr_id), 0);
		CHECK_EQ(pdrcls_stats(cls[k], &st), 0);
		CHECK_EQ(st.rules, 0);
		CHECK_EQ(st.tables, 0);
		/* what may remain is the grown id map and top-level arrays, never per-rule memory:
		 * the oracle keeps an id map of the same size plus an npool-sized pointer array */
		if (k == PDRCLS_ORACLE)
			oracle_bytes = st.bytes;
		else
			CHECK(st.bytes <= oracle_bytes + 1024);
		(void)empty_bytes;
		pdrcls_destroy(cls[k]);
	}
	free(pool);
	free(in);
}

/* Many rules identical on every indexed field overflow PartitionSort's leaf lists and
 * must still be answered right (they spill into further partitions). */
static void test_identical_rules(void)
{
	struct pdrcls *o = pdrcls_create(PDRCLS_ORACLE), *ps = pdrcls_create(PDRCLS_PS);
	struct pdr_rule r;
	for (uint32_t i = 0; i < 40; i++) {
		pdr_rule_init_any(&r);
		r.lo[0] = 0x0a000000;
		r.hi[0] = 0x0affffff;
		r.lo[2] = r.hi[2] = 100 + i % 3; /* not indexed by the first partition */
		r.precedence = 40 - i;
		r.pdr_id = i;
		CHECK_EQ(pdrcls_insert(o, &r), 0);
		CHECK_EQ(pdrcls_insert(ps, &r), 0);
	}
	struct pdrcls_stats st;
	pdrcls_stats(ps, &st);
	CHECK(st.tables >= 2);
	CHECK_EQ(pdrcls_ps_check(ps), 0);
	CHECK_EQ(pdrcls_ps_check(o), PDRCLS_EINVAL);
	for (uint32_t p = 99; p < 104; p++) {
		struct pdr_key k = { { 0 } };
		uint32_t a, b;
		k.v[0] = 0x0a123456;
		k.v[2] = p;
		pdrcls_classify_batch(o, &k, 1, &a, NULL);
		pdrcls_classify_batch(ps, &k, 1, &b, NULL);
		CHECK_EQ(a, b);
	}
	pdrcls_destroy(o);
	pdrcls_destroy(ps);
}

/* Thousands of disjoint exact addresses: large index nodes that split blocks on insert
 * and drop blocks on delete (PartitionSort's per-level index), checked against the oracle. */
static void test_large_nodes(void)
{
	enum { N = 5000 };
	struct pdrcls *o = pdrcls_create(PDRCLS_ORACLE), *ps = pdrcls_create(PDRCLS_PS);
	static struct pdr_rule r[N];
	static struct pdr_key k[2 * N];
	static uint32_t a[2 * N], b[2 * N];
	rng_state = 99;
	for (uint32_t i = 0; i < N; i++) {
		pdr_rule_init_any(&r[i]);
		r[i].lo[0] = r[i].hi[0] = (i * 2654435761u) | 1; /* distinct odd values */
		if (i % 3 == 0) {
			r[i].lo[3] = 100 + i % 7;
			r[i].hi[3] = 200;
		}
		r[i].precedence = rnd_below(1000);
		r[i].pdr_id = i;
	}
	for (uint32_t i = 0; i < N; i++) { /* insert in a scrambled order */
		uint32_t j = (i * 7919) % N;
		CHECK_EQ(pdrcls_insert(o, &r[j]), 0);
		CHECK_EQ(pdrcls_insert(ps, &r[j]), 0);
	}
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < 2 * N; i++) {
			memset(&k[i], 0, sizeof(k[i]));
			k[i].v[0] = i < N ? r[i].lo[0] : r[i - N].lo[0] + 1; /* hits and near misses */
			k[i].v[3] = 150 + rnd_below(100);
		}
		CHECK_EQ(pdrcls_classify_batch(o, k, 2 * N, a, NULL), pdrcls_classify_batch(ps, k, 2 * N, b, NULL));
		for (uint32_t i = 0; i < 2 * N; i++)
			CHECK_EQ(a[i], b[i]);
		CHECK_EQ(pdrcls_ps_check(ps), 0);
		for (uint32_t i = round; i < N; i += 2) { /* delete half, then the rest */
			CHECK_EQ(pdrcls_delete(o, i), 0);
			CHECK_EQ(pdrcls_delete(ps, i), 0);
		}
	}
	struct pdrcls_stats st;
	pdrcls_stats(ps, &st);
	CHECK_EQ(st.rules, 0);
	CHECK_EQ(st.tables, 0);
	pdrcls_destroy(o);
	pdrcls_destroy(ps);
}

/* PartitionSort's lookup shortcuts at their edges: nodes of 1..6 intervals (the 4-lane
 * compare and the search loop) with keys at 0, UINT32_MAX and just outside each interval,
 * searched while another partition already holds a match (an item's subtree best rank
 * that is too high skips a better rule: this fails when an insert does not lower it), and
 * after deleting the best rules one by one (a stale, too low best rank only costs pruning;
 * pdrcls_ps_check insists on the exact value). */
static void test_small_nodes_edges(void)
{
	for (uint32_t size = 1; size <= 6; size++) {
		struct pdrcls *o = pdrcls_create(PDRCLS_ORACLE), *ps = pdrcls_create(PDRCLS_PS);
		struct pdr_rule r;
		uint32_t id = 0, step = UINT32_MAX / size, total = 2 * size * 3;
		/* two grids whose source ranges overlap unequally: two partitions with subtrees,
		 * priorities interleaved, so the second is searched holding a match of the first */
		for (uint32_t g = 0; g < 2; g++)
			for (uint32_t i = 0; i < size; i++) /* disjoint source ranges covering 0 and the max */
				for (uint32_t j = 0; j < 3; j++) { /* three destinations under each: a subtree */
					pdr_rule_init_any(&r);
					r.lo[0] = i * step + g * (step / 4);
					r.hi[0] = i + 1 == size ? UINT32_MAX : i * step + step / 2 + g * (step / 4);
					r.lo[1] = r.hi[1] = j == 2 ? UINT32_MAX : j;
					r.precedence = 10 + id * 7 % 13;
					r.pdr_id = id++;
					CHECK_EQ(pdrcls_insert(o, &r), 0);
					CHECK_EQ(pdrcls_insert(ps, &r), 0);
				}
		struct pdrcls_stats st;
		pdrcls_stats(ps, &st);
		CHECK(size == 1 || st.tables >= 2); /* size 1: [0, max] is "any", one leaf list */
		for (uint32_t del = 0; del <= total; del++) {
			CHECK_EQ(pdrcls_ps_check(ps), 0);
			for (uint32_t i = 0; i <= size; i++)
				for (int edge = -1; edge <= 1; edge++)
					for (uint32_t j = 0; j < 4; j++) {
						struct pdr_key k = { { 0 } };
						uint32_t a, b;
						uint64_t base = (uint64_t)i * step + (j & 1) * (step / 4);
						k.v[0] = (uint32_t)(base + (uint64_t)edge); /* wraps to the max for i = 0 */
						k.v[1] = j == 3 ? UINT32_MAX : j;
						pdrcls_classify_batch(o, &k, 1, &a, NULL);
						pdrcls_classify_batch(ps, &k, 1, &b, NULL);
						CHECK_EQ(a, b);
					}
			if (del < total) { /* remove the best rules first */
				uint32_t best = 0;
				struct pdr_rule g, cand;
				for (uint32_t q = 0; q < total; q++)
					if (pdrcls_get(ps, q, &cand) == 0 &&
					    (pdrcls_get(ps, best, &g) != 0 ||
					     pdr_rule_better(cand.precedence, q, g.precedence, best)))
						best = q;
				CHECK_EQ(pdrcls_delete(o, best), 0);
				CHECK_EQ(pdrcls_delete(ps, best), 0);
			}
		}
		pdrcls_destroy(o);
		pdrcls_destroy(ps);
	}
}

static void test_bench_helpers(void)
{
	struct pdrcls *c = pdrcls_create(PDRCLS_PS);
	struct pdr_rule rules[4];
	struct pdr_key keys[10] = { { { 0 } } };
	uint64_t ns[3];
	uint32_t codes[] = { 'I', 'I', 'D', 'I' }, ids[] = { 0, 1, 0, 3 }, uns[4];
	for (uint32_t i = 0; i < 4; i++) {
		pdr_rule_init_any(&rules[i]);
		rules[i].pdr_id = i;
	}
	CHECK_EQ(pdrcls_bench_updates(c, rules, 4, codes, ids, 4, uns), 0);
	CHECK_EQ(pdrcls_list(c, NULL, 0), 2);
	CHECK_EQ(pdrcls_bench_classify(c, keys, 10, 3, 3, ns), 10);
	CHECK_EQ(pdrcls_bench_classify(c, keys, 10, 1000, 3, ns), PDRCLS_EINVAL);
	codes[0] = 'X';
	CHECK_EQ(pdrcls_bench_updates(c, rules, 4, codes, ids, 1, uns), PDRCLS_EINVAL);
	codes[0] = 'D';
	ids[0] = 0;
	CHECK_EQ(pdrcls_bench_updates(c, rules, 4, codes, ids, 1, uns), PDRCLS_ENOENT);
	pdrcls_destroy(c);
}

int main(void)
{
	test_priority();
	test_errors();
	test_identical_rules();
	test_bench_helpers();
	test_large_nodes();
	test_small_nodes_edges();
	test_random(1, 60);
	test_random(2, 300);
	test_random(3, 1500);
	puts("classifiers_test: ok");
	return 0;
}
