/* Tuple Space Search. A rule's tuple is, per dimension, the length of the common prefix
 * of lo and hi (32 for an exact value, the prefix length for a prefix, 0 for "any"). A range
 * that is not a prefix (e.g. ports 1024-65535) is hashed on its common prefix and the
 * remaining bits are checked by the full match on a hit. Each tuple is an open-addressing
 * hash table from the masked key to a group of rules (sorted by rank) sharing it.
 *  - TSS probes every tuple and keeps the best match;
 *  - PSTSS keeps tuples sorted by their best rank and stops once the best match found
 *    beats the next tuple's best rank. */
#include "internal.h"

#include <string.h>

struct tgroup {
	uint32_t val[PDR_DIMS]; /* masked values of the tuple's active dimensions */
	struct pdr_entry **rules;
	uint32_t n, cap;
};

struct tslot {
	uint64_t hash;
	struct tgroup *g; /* NULL = empty */
};

struct tuple {
	uint8_t plen[PDR_DIMS];
	uint8_t nact;
	uint8_t adim[PDR_DIMS];  /* dimensions with plen > 0 */
	uint32_t amask[PDR_DIMS];
	struct tslot *slots;
	size_t cap, ngroups;
	struct rankheap heap; /* best rank of the tuple (PSTSS order) */
	size_t pos;           /* index in tss->t */
};

struct tss {
	struct tuple **t;
	size_t n, cap;
	bool sorted; /* PSTSS: keep t[] in best-rank order and exit early */
};

static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t hash_vals(const uint32_t *v, unsigned n)
{
	uint64_t h = 0x84222325cbf29ce4ull;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ v[i]) * 0x100000001b3ull + (h >> 29);
	return mix(h);
}

static void tuple_of(const struct pdr_entry *e, uint8_t *plen)
{
	for (int d = 0; d < PDR_DIMS; d++) {
		uint32_t x = e->nlo[d] ^ e->nhi[d];
		plen[d] = x ? (uint8_t)__builtin_clz(x) : 32;
	}
}

static void masked(const struct tuple *t, const uint32_t *src, uint32_t *out)
{
	for (unsigned i = 0; i < t->nact; i++)
		out[i] = src[t->adim[i]] & t->amask[i];
}

static struct tslot *find_slot(const struct tuple *t, const uint32_t *mv, uint64_t h)
{
	size_t mask = t->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct tslot *s = &t->slots[i];
		if (!s->g || (s->hash == h && memcmp(s->g->val, mv, t->nact * sizeof(uint32_t)) == 0))
			return s;
	}
}

static int tss_init_common(struct pdrcls *cls, bool sorted)
{
	struct tss *ts = pc_alloc(cls, sizeof(*ts));
	if (!ts)
		return PDRCLS_ENOMEM;
	ts->sorted = sorted;
	cls->impl = ts;
	return 0;
}
static int tss_init(struct pdrcls *cls) { return tss_init_common(cls, false); }
static int pstss_init(struct pdrcls *cls) { return tss_init_common(cls, true); }

static void tuple_free(struct pdrcls *cls, struct tuple *t)
{
	pc_free(cls, t->slots, t->cap * sizeof(*t->slots));
	rankheap_fini(cls, &t->heap);
	pc_free(cls, t, sizeof(*t));
}

static void tss_fini(struct pdrcls *cls)
{
	struct tss *ts = cls->impl;
	for (size_t i = 0; i < ts->n; i++)
		tuple_free(cls, ts->t[i]);
	pc_free(cls, ts->t, ts->cap * sizeof(*ts->t));
	pc_free(cls, ts, sizeof(*ts));
}

static uint64_t tss_tables(const struct pdrcls *cls) { return ((const struct tss *)cls->impl)->n; }

static void set_pos(struct tss *ts, size_t i, struct tuple *t)
{
	ts->t[i] = t;
	t->pos = i;
}

/* PSTSS: move tuple t to its place after its best rank changed (one insertion-sort pass). */
static void reorder(struct tss *ts, struct tuple *t)
{
	if (!ts->sorted)
		return;
	size_t i = t->pos;
	uint64_t r = rankheap_best(&t->heap);
	while (i > 0 && rankheap_best(&ts->t[i - 1]->heap) > r) {
		set_pos(ts, i, ts->t[i - 1]);
		i--;
	}
	while (i + 1 < ts->n && rankheap_best(&ts->t[i + 1]->heap) < r) {
		set_pos(ts, i, ts->t[i + 1]);
		i++;
	}
	set_pos(ts, i, t);
}

static struct tuple *get_tuple(struct pdrcls *cls, struct tss *ts, const uint8_t *plen)
{
	for (size_t i = 0; i < ts->n; i++)
		if (memcmp(ts->t[i]->plen, plen, PDR_DIMS) == 0)
			return ts->t[i];
	if (ts->n == ts->cap) {
		size_t ncap = ts->cap ? ts->cap * 2 : 8;
		struct tuple **a = pc_realloc(cls, ts->t, ts->cap * sizeof(*a), ncap * sizeof(*a));
		if (!a)
			return NULL;
		ts->t = a;
		ts->cap = ncap;
	}
	struct tuple *t = pc_alloc(cls, sizeof(*t));
	if (!t)
		return NULL;
	t->cap = 8;
	t->slots = pc_alloc(cls, t->cap * sizeof(*t->slots));
	if (!t->slots) {
		pc_free(cls, t, sizeof(*t));
		return NULL;
	}
	memcpy(t->plen, plen, PDR_DIMS);
	for (int d = 0; d < PDR_DIMS; d++)
		if (plen[d]) {
			t->adim[t->nact] = (uint8_t)d;
			t->amask[t->nact] = plen[d] == 32 ? UINT32_MAX : ~(UINT32_MAX >> plen[d]);
			t->nact++;
		}
	set_pos(ts, ts->n++, t);
	return t;
}

static void drop_tuple(struct pdrcls *cls, struct tss *ts, struct tuple *t)
{
	for (size_t i = t->pos + 1; i < ts->n; i++)
		set_pos(ts, i - 1, ts->t[i]);
	ts->n--;
	tuple_free(cls, t);
}

static int grow(struct pdrcls *cls, struct tuple *t)
{
	size_t ncap = t->cap * 2;
	struct tslot *ns = pc_alloc(cls, ncap * sizeof(*ns));
	if (!ns)
		return PDRCLS_ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].g) {
			size_t j = t->slots[i].hash & (ncap - 1);
			while (ns[j].g)
				j = (j + 1) & (ncap - 1);
			ns[j] = t->slots[i];
		}
	pc_free(cls, t->slots, t->cap * sizeof(*t->slots));
	t->slots = ns;
	t->cap = ncap;
	return 0;
}

static int tss_insert(struct pdrcls *cls, struct pdr_entry *e)
{
	struct tss *ts = cls->impl;
	uint8_t plen[PDR_DIMS];
	tuple_of(e, plen);
	size_t before = ts->n;
	struct tuple *t = get_tuple(cls, ts, plen);
	if (!t)
		return PDRCLS_ENOMEM;
	if ((t->ngroups + 1) * 2 > t->cap && grow(cls, t))
		goto fail;
	uint32_t mv[PDR_DIMS];
	masked(t, e->nlo, mv);
	uint64_t h = hash_vals(mv, t->nact);
	struct tslot *s = find_slot(t, mv, h);
	struct tgroup *g = s->g;
	if (!g) {
		g = pc_alloc(cls, sizeof(*g));
		if (!g)
			goto fail;
		memcpy(g->val, mv, t->nact * sizeof(uint32_t));
	}
	if (g->n == g->cap) {
		uint32_t ncap = g->cap ? g->cap * 2 : 2;
		struct pdr_entry **a = pc_realloc(cls, g->rules, g->cap * sizeof(*a), ncap * sizeof(*a));
		if (!a) {
			if (!s->g)
				pc_free(cls, g, sizeof(*g));
			goto fail;
		}
		g->rules = a;
		g->cap = ncap;
	}
	if (rankheap_push(cls, &t->heap, e)) {
		if (!s->g) {
			pc_free(cls, g->rules, g->cap * sizeof(*g->rules));
			pc_free(cls, g, sizeof(*g));
		}
		goto fail;
	}
	uint32_t i = g->n;
	while (i > 0 && g->rules[i - 1]->rank > e->rank) {
		g->rules[i] = g->rules[i - 1];
		i--;
	}
	g->rules[i] = e;
	g->n++;
	if (!s->g) {
		s->g = g;
		s->hash = h;
		t->ngroups++;
	}
	e->owner = t;
	reorder(ts, t);
	return 0;
fail:
	if (ts->n > before)
		drop_tuple(cls, ts, t);
	return PDRCLS_ENOMEM;
}

static void tss_remove(struct pdrcls *cls, struct pdr_entry *e)
{
	struct tss *ts = cls->impl;
	struct tuple *t = e->owner;
	uint32_t mv[PDR_DIMS];
	masked(t, e->nlo, mv);
	struct tslot *s = find_slot(t, mv, hash_vals(mv, t->nact));
	struct tgroup *g = s->g;
	uint32_t i = 0;
	while (g->rules[i] != e)
		i++;
	memmove(&g->rules[i], &g->rules[i + 1], (g->n - i - 1) * sizeof(*g->rules));
	g->n--;
	rankheap_remove(&t->heap, e);
	e->owner = NULL;
	if (g->n == 0) {
		pc_free(cls, g->rules, g->cap * sizeof(*g->rules));
		pc_free(cls, g, sizeof(*g));
		/* backward-shift delete keeps probe runs unbroken without tombstones */
		size_t mask = t->cap - 1, hole = (size_t)(s - t->slots);
		for (size_t j = (hole + 1) & mask; t->slots[j].g; j = (j + 1) & mask) {
			size_t home = t->slots[j].hash & mask;
			if (((j - home) & mask) >= ((j - hole) & mask)) {
				t->slots[hole] = t->slots[j];
				hole = j;
			}
		}
		t->slots[hole].g = NULL;
		t->ngroups--;
	}
	if (t->heap.n == 0)
		drop_tuple(cls, ts, t);
	else
		reorder(ts, t);
}

/* Best match of key k inside tuple t (first match of its group), or NULL. */
static inline const struct pdr_entry *probe(const struct tuple *t, const uint32_t *k)
{
	uint32_t mv[PDR_DIMS];
	masked(t, k, mv);
	const struct tslot *s = find_slot(t, mv, hash_vals(mv, t->nact));
	if (!s->g)
		return NULL;
	for (uint32_t i = 0; i < s->g->n; i++)
		if (entry_match(s->g->rules[i], k))
			return s->g->rules[i];
	return NULL;
}

static int tss_classify(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *ids,
			uint64_t *cookies, uint64_t *probes)
{
	const struct tss *ts = cls->impl;
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pdr_entry *best = NULL;
		size_t j = 0;
		for (; j < ts->n; j++) {
			const struct tuple *t = ts->t[j];
			if (ts->sorted && best && best->rank < rankheap_best(&t->heap))
				break;
			const struct pdr_entry *e = probe(t, keys[i].v);
			if (e && (!best || e->rank < best->rank))
				best = e;
		}
		*probes += j;
		hits += emit_result(best, i, ids, cookies);
	}
	return hits;
}

const struct pdrcls_ops pdrcls_tss_ops = { tss_init, tss_fini, tss_insert, tss_remove, tss_classify, tss_tables };
const struct pdrcls_ops pdrcls_pstss_ops = { pstss_init, tss_fini, tss_insert, tss_remove, tss_classify, tss_tables };
