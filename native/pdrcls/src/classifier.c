/* The public classifier API: validation, the id map, accounting, and dispatch to the
 * per-kind implementation (linear.c, tss.c, partsort.c). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const struct pdrcls_ops *const kind_ops[PDRCLS_KIND_COUNT] = {
	[PDRCLS_ORACLE] = &pdrcls_oracle_ops, [PDRCLS_LL] = &pdrcls_ll_ops,
	[PDRCLS_LL_FULLSCAN] = &pdrcls_llfull_ops, [PDRCLS_TSS] = &pdrcls_tss_ops,
	[PDRCLS_PSTSS] = &pdrcls_pstss_ops, [PDRCLS_PS] = &pdrcls_ps_ops,
};

void *pc_alloc(struct pdrcls *cls, size_t size)
{
	void *p = calloc(1, size ? size : 1);
	if (p)
		cls->bytes += size;
	return p;
}

void *pc_alloc_aligned(struct pdrcls *cls, size_t size)
{
	size_t sz = (size + 63) & ~(size_t)63; /* aligned_alloc wants a multiple of the alignment */
	void *p = aligned_alloc(64, sz);
	if (p) {
		memset(p, 0, sz);
		cls->bytes += size;
	}
	return p;
}

void *pc_realloc(struct pdrcls *cls, void *p, size_t old, size_t size)
{
	unsigned char *q = realloc(p, size ? size : 1);
	if (!q)
		return NULL;
	if (size > old)
		memset(q + old, 0, size - old);
	cls->bytes += size;
	cls->bytes -= old;
	return q;
}

void pc_free(struct pdrcls *cls, void *p, size_t size)
{
	if (!p)
		return;
	free(p);
	cls->bytes -= size;
}

struct pdrcls *pdrcls_create(int kind)
{
	if (kind < 0 || kind >= PDRCLS_KIND_COUNT)
		return NULL;
	struct pdrcls *cls = calloc(1, sizeof(*cls));
	if (!cls)
		return NULL;
	cls->kind = kind;
	cls->ops = kind_ops[kind];
	cls->bytes = sizeof(*cls);
	if (idmap_init(cls, &cls->ids)) {
		free(cls);
		return NULL;
	}
	if (cls->ops->init(cls)) {
		idmap_fini(cls, &cls->ids);
		free(cls);
		return NULL;
	}
	return cls;
}

void pdrcls_destroy(struct pdrcls *cls)
{
	if (!cls)
		return;
	for (size_t i = 0; i < cls->ids.cap; i++)
		if (cls->ids.keys[i] != PDR_ID_NONE)
			cls->ops->remove(cls, cls->ids.vals[i]);
	for (size_t i = 0; i < cls->ids.cap; i++)
		if (cls->ids.keys[i] != PDR_ID_NONE)
			pc_free(cls, cls->ids.vals[i], sizeof(struct pdr_entry));
	cls->ops->fini(cls);
	idmap_fini(cls, &cls->ids);
	free(cls);
}

int pdrcls_kind(const struct pdrcls *cls) { return cls ? cls->kind : PDRCLS_EINVAL; }

static void fill_entry(struct pdr_entry *e, const struct pdr_rule *r)
{
	e->rule = *r;
	e->rank = pdr_rank(r->precedence, r->pdr_id);
	e->cookie = r->cookie;
	e->ncdims = 0;
	e->heap_pos = -1;
	for (int d = 0; d < PDR_DIMS; d++) {
		bool any = r->lo[d] == 0 && r->hi[d] >= pdr_dim_max(d);
		e->nlo[d] = r->lo[d];
		e->nhi[d] = any ? UINT32_MAX : r->hi[d];
		if (!any) {
			e->cdim[e->ncdims] = (uint8_t)d;
			e->c[e->ncdims].lo = r->lo[d];
			e->c[e->ncdims].span = r->hi[d] - r->lo[d];
			e->ncdims++;
		}
	}
}

int pdrcls_insert(struct pdrcls *cls, const struct pdr_rule *rule)
{
	if (!cls || !rule || rule->pdr_id == PDR_ID_NONE)
		return PDRCLS_EINVAL;
	for (int d = 0; d < PDR_DIMS; d++)
		if (rule->lo[d] > rule->hi[d])
			return PDRCLS_EINVAL;
	if (idmap_get(&cls->ids, rule->pdr_id))
		return PDRCLS_EEXIST;
	struct pdr_entry *e = pc_alloc_aligned(cls, sizeof(*e));
	if (!e)
		return PDRCLS_ENOMEM;
	fill_entry(e, rule);
	int rc = idmap_put(cls, &cls->ids, e);
	if (rc == 0) {
		rc = cls->ops->insert(cls, e);
		if (rc)
			idmap_del(&cls->ids, rule->pdr_id);
	}
	if (rc)
		pc_free(cls, e, sizeof(*e));
	return rc;
}

int pdrcls_insert_batch(struct pdrcls *cls, const struct pdr_rule *rules, size_t n)
{
	if (!cls || (!rules && n))
		return PDRCLS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int rc = pdrcls_insert(cls, &rules[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int pdrcls_delete(struct pdrcls *cls, uint32_t pdr_id)
{
	if (!cls)
		return PDRCLS_EINVAL;
	struct pdr_entry *e = idmap_get(&cls->ids, pdr_id);
	if (!e || pdr_id == PDR_ID_NONE)
		return PDRCLS_ENOENT;
	cls->ops->remove(cls, e);
	idmap_del(&cls->ids, pdr_id);
	pc_free(cls, e, sizeof(*e));
	return 0;
}

int pdrcls_get(const struct pdrcls *cls, uint32_t pdr_id, struct pdr_rule *out)
{
	if (!cls || !out)
		return PDRCLS_EINVAL;
	const struct pdr_entry *e = pdr_id == PDR_ID_NONE ? NULL : idmap_get(&cls->ids, pdr_id);
	if (!e)
		return PDRCLS_ENOENT;
	*out = e->rule;
	return 0;
}

int pdrcls_list(const struct pdrcls *cls, struct pdr_rule *out, size_t cap)
{
	if (!cls || (!out && cap))
		return PDRCLS_EINVAL;
	size_t k = 0;
	for (size_t i = 0; i < cls->ids.cap && k < cap; i++)
		if (cls->ids.keys[i] != PDR_ID_NONE)
			out[k++] = cls->ids.vals[i]->rule;
	return (int)cls->ids.count;
}

struct pdrcls *pdrcls_clone(const struct pdrcls *cls, int kind)
{
	if (!cls)
		return NULL;
	struct pdrcls *c = pdrcls_create(kind < 0 ? cls->kind : kind);
	if (!c)
		return NULL;
	for (size_t i = 0; i < cls->ids.cap; i++)
		if (cls->ids.keys[i] != PDR_ID_NONE && pdrcls_insert(c, &cls->ids.vals[i]->rule)) {
			pdrcls_destroy(c);
			return NULL;
		}
	return c;
}

int pdrcls_classify_counted(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *out_ids,
			    uint64_t *out_cookies, uint64_t *probes_acc)
{
	if (!cls || (n && (!keys || !out_ids)))
		return PDRCLS_EINVAL;
	uint64_t probes = 0;
	int hits = cls->ops->classify(cls, keys, n, out_ids, out_cookies, &probes);
	/* one relaxed add per batch keeps counters cheap and race-free for concurrent readers */
	atomic_fetch_add_explicit(&cls->probes, probes, memory_order_relaxed);
	atomic_fetch_add_explicit(&cls->lookups, n, memory_order_relaxed);
	*probes_acc += probes;
	return hits;
}

int pdrcls_classify_batch(struct pdrcls *cls, const struct pdr_key *keys, size_t n,
			  uint32_t *out_ids, uint64_t *out_cookies)
{
	uint64_t probes = 0;
	return pdrcls_classify_counted(cls, keys, n, out_ids, out_cookies, &probes);
}

int pdrcls_stats(const struct pdrcls *cls, struct pdrcls_stats *out)
{
	if (!cls || !out)
		return PDRCLS_EINVAL;
	out->rules = cls->ids.count;
	out->tables = cls->ops->tables(cls);
	out->probes = atomic_load_explicit(&cls->probes, memory_order_relaxed);
	out->lookups = atomic_load_explicit(&cls->lookups, memory_order_relaxed);
	out->bytes = cls->bytes;
	return 0;
}

void pdrcls_reset_probes(struct pdrcls *cls)
{
	if (!cls)
		return;
	atomic_store_explicit(&cls->probes, 0, memory_order_relaxed);
	atomic_store_explicit(&cls->lookups, 0, memory_order_relaxed);
}
