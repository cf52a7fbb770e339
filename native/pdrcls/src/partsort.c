/* PartitionSort (Yingchareonthawornchai et al., IEEE/ACM ToN 2018), written from the paper.
 *
 * A partition is a *sortable* rule set for a field order (a list of dimensions): at every
 * level of a multi-dimensional interval tree (MITree), the intervals of rules that share the
 * same intervals on the earlier fields are either equal or disjoint, so a key follows at
 * most one path and each level is one search in a balanced tree (a treap keyed by lo).
 *
 * Online insert tries partitions in order of best rank and takes the first where the rule
 * keeps the set sortable; otherwise it opens a new partition whose field order is the rule's
 * constraining dimensions. Delete follows the rule's own intervals. Lookup visits
 * partitions in best-rank order and stops as soon as the best match beats the next
 * partition's best rank.
 *
 * Two space/time savings over a textbook MITree: a subtree holding rules that are identical
 * on every indexed field is stored as a rank-sorted rule list right at the item where they
 * first diverge from other rules (path compression), and dimensions outside the field order
 * are checked by the full match at the leaf (they never affect the path). */
#include "internal.h"

#include <string.h>

#define LEAF_MAX 8 /* rules sharing all indexed intervals; more go to another partition */

struct ps_node;

struct ps_item {
	uint32_t lo, hi; /* interval on this level's dimension; disjoint from its siblings */
	uint32_t prio;   /* treap heap priority */
	struct ps_item *l, *r;
	struct ps_node *sub;      /* next level, or NULL when this item holds rules */
	struct pdr_entry **rules; /* sorted by rank; identical on all indexed dimensions */
	uint32_t n, cap;
};

struct ps_node {
	struct ps_item *root;
	uint32_t count;
};

struct partition {
	uint8_t depth;
	uint8_t order[PDR_DIMS]; /* field order: dimension searched at each level */
	struct ps_node root;
	struct rankheap heap;
	size_t pos;
};

struct ps {
	struct partition **p;
	size_t n, cap;
};

/* ---- treap of disjoint intervals keyed by lo ---- */

/* The item with the largest lo <= x (the only one that can contain x). */
static inline struct ps_item *pred(struct ps_item *t, uint32_t x)
{
	struct ps_item *best = NULL;
	while (t) {
		if (t->lo <= x) {
			best = t;
			t = t->r;
		} else {
			t = t->l;
		}
	}
	return best;
}

static struct ps_item *treap_insert(struct ps_item *t, struct ps_item *it)
{
	if (!t)
		return it;
	if (it->lo < t->lo) {
		t->l = treap_insert(t->l, it);
		if (t->l->prio > t->prio) {
			struct ps_item *l = t->l;
			t->l = l->r;
			l->r = t;
			return l;
		}
	} else {
		t->r = treap_insert(t->r, it);
		if (t->r->prio > t->prio) {
			struct ps_item *r = t->r;
			t->r = r->l;
			r->l = t;
			return r;
		}
	}
	return t;
}

static struct ps_item *treap_merge(struct ps_item *a, struct ps_item *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->r = treap_merge(a->r, b);
		return a;
	}
	b->l = treap_merge(a, b->l);
	return b;
}

static struct ps_item *treap_delete(struct ps_item *t, uint32_t lo)
{
	if (t->lo == lo)
		return treap_merge(t->l, t->r);
	if (lo < t->lo)
		t->l = treap_delete(t->l, lo);
	else
		t->r = treap_delete(t->r, lo);
	return t;
}

/* ---- allocation helpers ---- */

static struct ps_item *new_item(struct pdrcls *cls, uint32_t lo, uint32_t hi)
{
	struct ps_item *it = pc_alloc(cls, sizeof(*it));
	if (it) {
		it->lo = lo;
		it->hi = hi;
		it->prio = (uint32_t)pc_random(cls);
	}
	return it;
}

static void node_add(struct ps_node *n, struct ps_item *it)
{
	n->root = treap_insert(n->root, it);
	n->count++;
}

static void free_item(struct pdrcls *cls, struct ps_item *it)
{
	pc_free(cls, it->rules, it->cap * sizeof(*it->rules));
	pc_free(cls, it, sizeof(*it));
}

static int rules_add(struct pdrcls *cls, struct ps_item *it, struct pdr_entry *e)
{
	if (it->n == it->cap) {
		uint32_t ncap = it->cap ? it->cap * 2 : 1;
		struct pdr_entry **a = pc_realloc(cls, it->rules, it->cap * sizeof(*a), ncap * sizeof(*a));
		if (!a)
			return PDRCLS_ENOMEM;
		it->rules = a;
		it->cap = ncap;
	}
	uint32_t i = it->n;
	while (i > 0 && it->rules[i - 1]->rank > e->rank) {
		it->rules[i] = it->rules[i - 1];
		i--;
	}
	it->rules[i] = e;
	it->n++;
	return 0;
}

/* ---- one partition ---- */

enum { FITS = 0, NO_FIT = 1 };

/* Inserts e if the partition stays sortable: returns FITS, NO_FIT (partition unchanged) or
 * PDRCLS_ENOMEM (partition unchanged). Every check happens before the single mutation. */
static int part_insert(struct pdrcls *cls, struct partition *p, struct pdr_entry *e)
{
	struct ps_node *node = &p->root;
	for (unsigned lvl = 0;; lvl++) {
		int d = p->order[lvl];
		uint32_t lo = e->nlo[d], hi = e->nhi[d];
		struct ps_item *it = pred(node->root, hi);
		if (!it || it->hi < lo) { /* disjoint from every sibling: a new branch */
			struct ps_item *ni = new_item(cls, lo, hi);
			if (!ni || rules_add(cls, ni, e)) {
				if (ni)
					free_item(cls, ni);
				return PDRCLS_ENOMEM;
			}
			node_add(node, ni);
			return FITS;
		}
		if (it->lo != lo || it->hi != hi)
			return NO_FIT; /* overlapping but unequal: not sortable here */
		if (it->sub) {
			node = it->sub;
			continue;
		}
		/* a rule list: find the first deeper level where e differs from its rules */
		const struct pdr_entry *q = it->rules[0];
		unsigned l2 = lvl + 1;
		while (l2 < p->depth && q->nlo[p->order[l2]] == e->nlo[p->order[l2]] &&
		       q->nhi[p->order[l2]] == e->nhi[p->order[l2]])
			l2++;
		if (l2 == p->depth) {
			if (it->n >= LEAF_MAX)
				return NO_FIT;
			return rules_add(cls, it, e) ? PDRCLS_ENOMEM : FITS;
		}
		int d2 = p->order[l2];
		if (e->nlo[d2] <= q->nhi[d2] && q->nlo[d2] <= e->nhi[d2])
			return NO_FIT;
		/* split: a chain of single-item nodes down to level l2, where q's list and e part */
		struct ps_node *nodes[PDR_DIMS] = { 0 };
		struct ps_item *items[PDR_DIMS + 1] = { 0 };
		unsigned cnt = l2 - lvl; /* nodes at levels lvl+1 .. l2 */
		bool ok = true;
		for (unsigned i = 0; i < cnt && ok; i++) {
			int dd = p->order[lvl + 1 + i];
			nodes[i] = pc_alloc(cls, sizeof(struct ps_node));
			items[i] = new_item(cls, q->nlo[dd], q->nhi[dd]);
			ok = nodes[i] && items[i];
		}
		struct ps_item *mine = ok ? new_item(cls, e->nlo[d2], e->nhi[d2]) : NULL;
		if (!mine || rules_add(cls, mine, e)) {
			for (unsigned i = 0; i < cnt; i++) {
				pc_free(cls, nodes[i], sizeof(struct ps_node));
				if (items[i])
					free_item(cls, items[i]);
			}
			if (mine)
				free_item(cls, mine);
			return PDRCLS_ENOMEM;
		}
		for (unsigned i = 0; i < cnt; i++) {
			node_add(nodes[i], items[i]);
			if (i + 1 < cnt)
				items[i]->sub = nodes[i + 1];
		}
		/* the last chain item takes over q's rule list; e gets its own sibling */
		struct ps_item *last = items[cnt - 1];
		last->rules = it->rules;
		last->n = it->n;
		last->cap = it->cap;
		it->rules = NULL;
		it->n = it->cap = 0;
		node_add(nodes[cnt - 1], mine);
		it->sub = nodes[0];
		return FITS;
	}
}

static void part_remove(struct pdrcls *cls, struct partition *p, struct pdr_entry *e)
{
	struct ps_node *nodes[PDR_DIMS];
	struct ps_item *items[PDR_DIMS];
	struct ps_node *node = &p->root;
	unsigned lvl = 0;
	for (;;) {
		struct ps_item *it = pred(node->root, e->nlo[p->order[lvl]]);
		nodes[lvl] = node;
		items[lvl] = it;
		if (!it->sub)
			break;
		node = it->sub;
		lvl++;
	}
	struct ps_item *it = items[lvl];
	uint32_t i = 0;
	while (it->rules[i] != e)
		i++;
	memmove(&it->rules[i], &it->rules[i + 1], (it->n - i - 1) * sizeof(*it->rules));
	if (--it->n > 0)
		return;
	/* the item is empty: unlink it, then any node (and its parent item) left empty */
	for (;;) {
		nodes[lvl]->root = treap_delete(nodes[lvl]->root, items[lvl]->lo);
		nodes[lvl]->count--;
		free_item(cls, items[lvl]);
		if (lvl == 0 || nodes[lvl]->count > 0)
			break;
		pc_free(cls, nodes[lvl], sizeof(struct ps_node));
		lvl--;
	}
	/* re-compress: a non-root node left with one rule-list item folds into its parent item */
	while (lvl > 0 && nodes[lvl]->count == 1 && !nodes[lvl]->root->sub) {
		struct ps_item *child = nodes[lvl]->root, *parent = items[lvl - 1];
		parent->sub = NULL;
		parent->rules = child->rules;
		parent->n = child->n;
		parent->cap = child->cap;
		child->rules = NULL;
		child->cap = 0;
		free_item(cls, child);
		pc_free(cls, nodes[lvl], sizeof(struct ps_node));
		lvl--;
	}
}

static inline const struct pdr_entry *part_find(const struct partition *p, const uint32_t *k)
{
	const struct ps_node *node = &p->root;
	for (unsigned lvl = 0;; lvl++) {
		uint32_t x = k[p->order[lvl]];
		const struct ps_item *it = pred(node->root, x);
		if (!it || it->hi < x)
			return NULL;
		if (it->sub) {
			node = it->sub;
			continue;
		}
		for (uint32_t i = 0; i < it->n; i++)
			if (entry_match(it->rules[i], k))
				return it->rules[i];
		return NULL;
	}
}

static void free_subtree(struct pdrcls *cls, struct ps_item *it)
{
	if (!it)
		return;
	free_subtree(cls, it->l);
	free_subtree(cls, it->r);
	if (it->sub) {
		free_subtree(cls, it->sub->root);
		pc_free(cls, it->sub, sizeof(struct ps_node));
	}
	free_item(cls, it);
}

/* ---- the classifier: partitions in best-rank order ---- */

static int ps_init(struct pdrcls *cls)
{
	cls->impl = pc_alloc(cls, sizeof(struct ps));
	return cls->impl ? 0 : PDRCLS_ENOMEM;
}

static void part_free(struct pdrcls *cls, struct partition *p)
{
	free_subtree(cls, p->root.root);
	rankheap_fini(cls, &p->heap);
	pc_free(cls, p, sizeof(*p));
}

static void ps_fini(struct pdrcls *cls)
{
	struct ps *ps = cls->impl;
	for (size_t i = 0; i < ps->n; i++)
		part_free(cls, ps->p[i]);
	pc_free(cls, ps->p, ps->cap * sizeof(*ps->p));
	pc_free(cls, ps, sizeof(*ps));
}

static uint64_t ps_tables(const struct pdrcls *cls) { return ((const struct ps *)cls->impl)->n; }

static void set_pos(struct ps *ps, size_t i, struct partition *p)
{
	ps->p[i] = p;
	p->pos = i;
}

static void reorder(struct ps *ps, struct partition *p)
{
	size_t i = p->pos;
	uint64_t r = rankheap_best(&p->heap);
	while (i > 0 && rankheap_best(&ps->p[i - 1]->heap) > r) {
		set_pos(ps, i, ps->p[i - 1]);
		i--;
	}
	while (i + 1 < ps->n && rankheap_best(&ps->p[i + 1]->heap) < r) {
		set_pos(ps, i, ps->p[i + 1]);
		i++;
	}
	set_pos(ps, i, p);
}

static void drop_partition(struct pdrcls *cls, struct ps *ps, struct partition *p)
{
	for (size_t i = p->pos + 1; i < ps->n; i++)
		set_pos(ps, i - 1, ps->p[i]);
	ps->n--;
	part_free(cls, p);
}

static int ps_insert(struct pdrcls *cls, struct pdr_entry *e)
{
	struct ps *ps = cls->impl;
	struct partition *p = NULL;
	for (size_t i = 0; i < ps->n && !p; i++) {
		int rc = part_insert(cls, ps->p[i], e);
		if (rc < 0)
			return rc;
		if (rc == FITS)
			p = ps->p[i];
	}
	bool fresh = false;
	if (!p) {
		if (ps->n == ps->cap) {
			size_t ncap = ps->cap ? ps->cap * 2 : 8;
			struct partition **a = pc_realloc(cls, ps->p, ps->cap * sizeof(*a), ncap * sizeof(*a));
			if (!a)
				return PDRCLS_ENOMEM;
			ps->p = a;
			ps->cap = ncap;
		}
		p = pc_alloc(cls, sizeof(*p));
		if (!p)
			return PDRCLS_ENOMEM;
		/* field order: the rule's constraining dimensions (dimension 0 if it has none) */
		for (int d = 0; d < PDR_DIMS; d++)
			if (!entry_dim_is_any(e, d))
				p->order[p->depth++] = (uint8_t)d;
		if (p->depth == 0)
			p->order[p->depth++] = 0;
		if (part_insert(cls, p, e) != FITS) {
			pc_free(cls, p, sizeof(*p));
			return PDRCLS_ENOMEM;
		}
		set_pos(ps, ps->n++, p);
		fresh = true;
	}
	if (rankheap_push(cls, &p->heap, e)) {
		part_remove(cls, p, e);
		if (fresh)
			drop_partition(cls, ps, p);
		return PDRCLS_ENOMEM;
	}
	e->owner = p;
	reorder(ps, p);
	return 0;
}

static void ps_remove(struct pdrcls *cls, struct pdr_entry *e)
{
	struct ps *ps = cls->impl;
	struct partition *p = e->owner;
	part_remove(cls, p, e);
	rankheap_remove(&p->heap, e);
	e->owner = NULL;
	if (p->heap.n == 0)
		drop_partition(cls, ps, p);
	else
		reorder(ps, p);
}

static int ps_classify(struct pdrcls *cls, const struct pdr_key *keys, size_t n, uint32_t *ids,
		       uint64_t *cookies, uint64_t *probes)
{
	const struct ps *ps = cls->impl;
	int hits = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pdr_entry *best = NULL;
		size_t j = 0;
		for (; j < ps->n; j++) {
			const struct partition *p = ps->p[j];
			if (best && best->rank < rankheap_best(&p->heap))
				break;
			const struct pdr_entry *e = part_find(p, keys[i].v);
			if (e && (!best || e->rank < best->rank))
				best = e;
		}
		*probes += j;
		ids[i] = best ? best->rule.pdr_id : PDR_ID_NONE;
		if (cookies)
			cookies[i] = best ? best->rule.cookie : 0;
		hits += best != NULL;
	}
	return hits;
}

const struct pdrcls_ops pdrcls_ps_ops = { ps_init, ps_fini, ps_insert, ps_remove, ps_classify, ps_tables };
