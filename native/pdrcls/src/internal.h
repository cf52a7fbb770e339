/* Shared internals of the classifiers: the stored rule (entry), the id map, the rank heap,
 * accounted allocation, and the per-kind operation table. Not part of the public API. */
#ifndef PDRCLS_INTERNAL_H
#define PDRCLS_INTERNAL_H
#include "pdrcls.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stored rule. The fields a lookup touches come first and the entry is cache-line
 * aligned, so matching a 5-dimension rule reads two lines: rank, cookie and the list of
 * constraining dimensions (cdim, with (lo, span) pairs) only. The normalised ranges
 * (nlo/nhi) turn every "any" range [0, >= dim max] into [0, UINT32_MAX] so that all
 * classifiers agree on which dimensions constrain a key. */
struct pdr_cons {
	uint32_t lo, span; /* lo <= k <= lo + span */
};

struct pdr_entry {
	uint64_t rank;   /* pdr_rank(precedence, pdr_id); the low 32 bits are the pdr_id */
	uint64_t cookie; /* copy of rule.cookie */
	uint8_t ncdims;
	uint8_t cdim[PDR_DIMS + 3];
	struct pdr_cons c[PDR_DIMS];
	int32_t heap_pos; /* index in the owning sub-table's rank heap, -1 if none */
	void *owner;      /* the tuple or partition holding the entry */
	uint32_t nlo[PDR_DIMS], nhi[PDR_DIMS];
	struct pdr_rule rule; /* as given by the caller (pdrcls_get returns it) */
} __attribute__((aligned(64)));

static inline uint32_t entry_id(const struct pdr_entry *e) { return (uint32_t)e->rank; }

/* Writes one lookup's answer (id, and cookie when asked for) and returns 1 on a hit: the
 * same epilogue for every classifier's batch loop. */
static inline int emit_result(const struct pdr_entry *best, size_t i, uint32_t *ids, uint64_t *cookies)
{
	ids[i] = best ? entry_id(best) : PDR_ID_NONE;
	if (cookies)
		cookies[i] = best ? best->cookie : 0;
	return best != NULL;
}

static inline bool entry_match(const struct pdr_entry *e, const uint32_t *k)
{
	/* unsigned wrap-around: k-lo <= span  <=>  lo <= k <= hi, one compare per dimension */
	for (unsigned i = 0; i < e->ncdims; i++)
		if (k[e->cdim[i]] - e->c[i].lo > e->c[i].span)
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

/* pdrcls_classify_batch that also adds the batch's probes to *probes_acc (session front end). */
int pdrcls_classify_counted(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *out_ids,
			    uint64_t *out_cookies, uint64_t *probes_acc);

struct pdrcls {
	int kind;
	const struct pdrcls_ops *ops;
	struct idmap ids;
	void *impl;
	size_t bytes; /* every heap byte owned, kept by pc_alloc/pc_free */
	_Atomic uint64_t probes, lookups;
};

void *pc_alloc(struct pdrcls *cls, size_t size);                  /* zeroed */
void *pc_alloc_aligned(struct pdrcls *cls, size_t size);          /* zeroed, 64-byte aligned */
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

/* PartitionSort structural invariants (sortedness, disjointness, leaf lists, heaps, order);
 * 0 when they hold. Hidden symbol: for the C unit tests only. */
int pdrcls_ps_check(const struct pdrcls *cls);

extern const struct pdrcls_ops pdrcls_oracle_ops, pdrcls_ll_ops, pdrcls_llfull_ops, pdrcls_tss_ops,
	pdrcls_pstss_ops, pdrcls_ps_ops;

#endif
