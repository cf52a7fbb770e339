/* Linear classifiers over one array of entries:
 *  - oracle: unsorted, scans everything, keeps the best rank (the reference for tests);
 *  - LL: sorted by rank, returns the first match (3GPP's precedence-ordered PDR list);
 *  - LL full-scan: the same sorted array but always visits every rule and keeps the best,
 *    which is what the dissertation's PDR-LL timed ("dissertation-compatible"). */
#include "internal.h"

#include <string.h>

struct linear {
	struct pdr_entry **a;
	size_t n, cap;
};

static int lin_init(struct pdrcls *cls)
{
	cls->impl = pc_alloc(cls, sizeof(struct linear));
	return cls->impl ? 0 : PDRCLS_ENOMEM;
}

static void lin_fini(struct pdrcls *cls)
{
	struct linear *l = cls->impl;
	pc_free(cls, l->a, l->cap * sizeof(*l->a));
	pc_free(cls, l, sizeof(*l));
}

static int lin_reserve(struct pdrcls *cls, struct linear *l)
{
	if (l->n < l->cap)
		return 0;
	size_t ncap = l->cap ? l->cap * 2 : 16;
	struct pdr_entry **a = pc_realloc(cls, l->a, l->cap * sizeof(*a), ncap * sizeof(*a));
	if (!a)
		return PDRCLS_ENOMEM;
	l->a = a;
	l->cap = ncap;
	return 0;
}

static uint64_t lin_tables(const struct pdrcls *cls)
{
	return ((const struct linear *)cls->impl)->n ? 1 : 0;
}

/* --- oracle: unsorted; heap_pos doubles as the array index for O(1) swap-remove --- */
static int oracle_insert(struct pdrcls *cls, struct pdr_entry *e)
{
	struct linear *l = cls->impl;
	if (lin_reserve(cls, l))
		return PDRCLS_ENOMEM;
	e->heap_pos = (int32_t)l->n;
	l->a[l->n++] = e;
	return 0;
}

static void oracle_remove(struct pdrcls *cls, struct pdr_entry *e)
{
	struct linear *l = cls->impl;
	size_t i = (size_t)e->heap_pos;
	l->a[i] = l->a[--l->n];
	l->a[i]->heap_pos = (int32_t)i;
}

static int scan_best(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *ids,
		     uint64_t *cookies, uint64_t *probes)
{
	const struct linear *l = cls->impl;
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pdr_entry *best = NULL;
		for (size_t j = 0; j < l->n; j++) {
			const struct pdr_entry *e = l->a[j];
			/* match first: a full scan pays for every rule's comparison, as timed in the
			 * dissertation, instead of skipping rules that could no longer win */
			if (entry_match(e, keys[i].v) && (!best || e->rank < best->rank))
				best = e;
		}
		*probes += l->n;
		hits += emit_result(best, i, ids, cookies);
	}
	return hits;
}

/* --- LL: sorted by rank --- */
static size_t ll_lower_bound(const struct linear *l, uint64_t rank)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (l->a[mid]->rank < rank)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ll_insert(struct pdrcls *cls, struct pdr_entry *e)
{
	struct linear *l = cls->impl;
	if (lin_reserve(cls, l))
		return PDRCLS_ENOMEM;
	size_t i = ll_lower_bound(l, e->rank);
	memmove(&l->a[i + 1], &l->a[i], (l->n - i) * sizeof(*l->a));
	l->a[i] = e;
	l->n++;
	return 0;
}

static void ll_remove(struct pdrcls *cls, struct pdr_entry *e)
{
	struct linear *l = cls->impl;
	size_t i = ll_lower_bound(l, e->rank); /* ranks are unique: pdr_id is part of the rank */
	memmove(&l->a[i], &l->a[i + 1], (l->n - i - 1) * sizeof(*l->a));
	l->n--;
}

static int ll_classify(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *ids,
		       uint64_t *cookies, uint64_t *probes)
{
	const struct linear *l = cls->impl;
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pdr_entry *best = NULL;
		size_t j = 0;
		for (; j < l->n; j++)
			if (entry_match(l->a[j], keys[i].v)) {
				best = l->a[j];
				j++;
				break;
			}
		*probes += j;
		hits += emit_result(best, i, ids, cookies);
	}
	return hits;
}

const struct pdrcls_ops pdrcls_oracle_ops = { lin_init, lin_fini, oracle_insert, oracle_remove, scan_best, lin_tables };
const struct pdrcls_ops pdrcls_ll_ops = { lin_init, lin_fini, ll_insert, ll_remove, ll_classify, lin_tables };
const struct pdrcls_ops pdrcls_llfull_ops = { lin_init, lin_fini, ll_insert, ll_remove, scan_best, lin_tables };
