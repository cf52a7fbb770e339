/* Shared internals of the classifiers: the stored rule (entry), the id map, the rank heap,
 * accounted allocation, and the per-kind operation table. Not part of the public API. */
#ifndef PDRCLS_INTERNAL_H
#define PDRCLS_INTERNAL_H
#include "pdrcls.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stored rule. The normalised ranges (nlo/nhi) turn every "any" range [0, >= dim max]
 * into [0, UINT32_MAX] so that all classifiers agree on which dimensions constrain a key;
 * `cdim/clo/cspan` list only constraining dimensions so matching skips the rest. */
struct pdr_entry {
	struct pdr_rule rule; /* as given by the caller (pdrcls_get returns it) */
	uint64_t rank;        /* pdr_rank(precedence, pdr_id) */
	uint32_t nlo[PDR_DIMS], nhi[PDR_DIMS];
	uint8_t ncdims;
	uint8_t cdim[PDR_DIMS];
	uint32_t clo[PDR_DIMS], cspan[PDR_DIMS];
	int32_t heap_pos; /* index in the owning sub-table's rank heap, -1 if none */
	void *owner;      /* the tuple or partition holding the entry */
};

static inline bool entry_match(const struct pdr_entry *e, const uint32_t *k)
{
	/* unsigned wrap-around: k-lo <= hi-lo  <=>  lo <= k <= hi, one compare per dimension */
	for (unsigned i = 0; i < e->ncdims; i++)
		if (k[e->cdim[i]] - e->clo[i] > e->cspan[i])
			return false;
	return true;
}

bool entry_dim_is_any(const struct pdr_entry *e, int d);

/* pdr_id -> entry, open addressing with linear probing and backward-shift deletion. */
struct idmap {
	uint32_t *keys; /* PDR_ID_NONE marks an empty slot */
	struct pdr_entry **vals;
	size_t cap, count; /* cap is a power of two */
};

/* Min-heap of entries by rank; each entry remembers its position (heap_pos). */
struct rankheap {
	struct pdr_entry **a;
	size_t n, cap;
};

struct pdrcls;

struct pdrcls_ops {
	int (*init)(struct pdrcls *cls);
	void (*fini)(struct pdrcls *cls);
	/* Called after the entry is in the id map; on failure the caller undoes that. */
	int (*insert)(struct pdrcls *cls, struct pdr_entry *e);
	void (*remove)(struct pdrcls *cls, struct pdr_entry *e);
	/* Classifies n keys, returns matches, adds examined work units to *probes. */
	int (*classify)(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *ids,
			uint64_t *cookies, uint64_t *probes);
	uint64_t (*tables)(const struct pdrcls *cls);
};

struct pdrcls {
	int kind;
	const struct pdrcls_ops *ops;
	struct idmap ids;
	void *impl;
	size_t bytes; /* every heap byte owned, kept by pc_alloc/pc_free */
	_Atomic uint64_t probes, lookups;
};

void *pc_alloc(struct pdrcls *cls, size_t size);                  /* zeroed */
void *pc_realloc(struct pdrcls *cls, void *p, size_t old, size_t size); /* new tail zeroed */
void pc_free(struct pdrcls *cls, void *p, size_t size);

int idmap_init(struct pdrcls *cls, struct idmap *m);
void idmap_fini(struct pdrcls *cls, struct idmap *m);
struct pdr_entry *idmap_get(const struct idmap *m, uint32_t id);
int idmap_put(struct pdrcls *cls, struct idmap *m, struct pdr_entry *e);
void idmap_del(struct idmap *m, uint32_t id);

int rankheap_push(struct pdrcls *cls, struct rankheap *h, struct pdr_entry *e);
void rankheap_remove(struct rankheap *h, struct pdr_entry *e);
void rankheap_fini(struct pdrcls *cls, struct rankheap *h);
static inline uint64_t rankheap_best(const struct rankheap *h)
{
	return h->n ? h->a[0]->rank : UINT64_MAX;
}

extern const struct pdrcls_ops pdrcls_oracle_ops, pdrcls_ll_ops, pdrcls_llfull_ops, pdrcls_tss_ops,
	pdrcls_pstss_ops, pdrcls_ps_ops;

#endif
