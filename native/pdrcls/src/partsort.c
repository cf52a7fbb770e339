/* PartitionSort (Yingchareonthawornchai et al., IEEE/ACM ToN 2018), written from the paper.
 *
 * A partition is a *sortable* rule set for a field order (a list of dimensions): at every
 * level of a multi-dimensional interval tree (MITree), the intervals of rules that share the
 * same intervals on the earlier fields are either equal or disjoint, so a key follows at
 * most one path and each level is one search in a balanced sorted index of intervals
 * (here a two-level blocked sorted array keyed by lo, see struct ps_node).
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
 * are checked by the full match at the leaf (they never affect the path).
 *
 * Lookup cost (issue #7): an item is one cache line holding its child node (no pointer to
 * chase to reach the next level's block), its best rule and the best rank below it. Most
 * packets match a low-priority rule, so they visit every partition whose best rank is
 * better; the subtree best rank lets such a visit stop at its first item instead of
 * walking down to a rule that cannot win. */
#include "internal.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h> /* part of x86-64: no extra compiler flags */
#endif

#define LEAF_MAX 8 /* rules sharing all indexed intervals; more go to another partition */

#define BLK_MAX 64 /* entries per block of a node's sorted interval index */


/* One block of a node's index: `n` disjoint intervals sorted by lo, stored as three
 * parallel arrays (lo[cap], hi[cap], it[cap]) in one allocation so that a binary search
 * touches only the compact lo[] array. */
struct ps_blk {
	uint32_t n, cap;
	uint32_t data[]; /* lo[cap] hi[cap] then it[cap] (8-byte aligned: cap is even or 1 -> padded) */
};

/* The intervals of one tree level below one parent: a two-level blocked sorted array.
 * first[i] = lo of block i's first entry. Lookup = binary search in first[] then in one
 * block (a few cache lines, unlike a pointer-chasing tree); insert/delete shift at most
 * BLK_MAX entries plus the small block directory. */
struct ps_node {
	uint32_t count, nblk, capblk;
	/* a node whose directory never grew past one block (most of them) keeps it inline
	 * (capblk <= 1), so a lookup reads the block pointer from the node's own cache line.
	 * No self-pointers: a node can be moved by copying it (it is embedded in its item). */
	uint32_t first1;
	struct ps_blk **blk; /* capblk > 1: blk[capblk] then first[capblk] in one allocation */
	struct ps_blk *blk1; /* the first block, always (mirrored by node_sync when capblk > 1) */
};

/* One interval of a level. The next level's node is embedded (sub.nblk == 0: this item
 * holds rules), and the best rule is mirrored in r0: a lookup reads one cache line per
 * level instead of chasing item -> node -> block pointers. */
struct ps_item {
	struct ps_node sub;
	struct pdr_entry **rules; /* sorted by rank; identical on all indexed dimensions */
	struct pdr_entry *r0;     /* rules[0] when n > 0 */
	/* best rank of every rule below: a lookup that already holds a better match (from an
	 * earlier partition) stops here instead of descending or reading the rule */
	uint64_t minr;
	uint32_t n, cap;
};
_Static_assert(sizeof(struct ps_item) == 64, "an item is one cache line");

static inline bool has_sub(const struct ps_item *it) { return it->sub.nblk != 0; }
static inline size_t dir_bytes(uint32_t cap) { return (size_t)cap * (sizeof(struct ps_blk *) + sizeof(uint32_t)); }
static inline uint32_t *dir_first(const struct ps_node *nd) { return (uint32_t *)(nd->blk + nd->capblk); }
static inline uint32_t *node_first(struct ps_node *nd) { return nd->capblk > 1 ? dir_first(nd) : &nd->first1; }
static inline struct ps_blk *const *node_blks(const struct ps_node *nd)
{
	return nd->capblk > 1 ? nd->blk : &nd->blk1;
}

struct partition {
	uint8_t depth;
	uint8_t order[PDR_DIMS]; /* field order: dimension searched at each level */
	struct ps_node root;
	struct rankheap heap;
	size_t pos;
};

struct ps {
	struct partition **p;
	uint64_t *best; /* best[i] = partition p[i]'s best rank: the early-exit test reads one array */
	size_t n, cap;
};

/* ---- blocked sorted interval index ---- */

static inline size_t blk_bytes(uint32_t cap)
{
	size_t lohi = (size_t)cap * 2 * sizeof(uint32_t);
	lohi = (lohi + 7) & ~(size_t)7;
	return sizeof(struct ps_blk) + lohi + (size_t)cap * sizeof(struct ps_item *);
}
static inline uint32_t *blk_lo(const struct ps_blk *b) { return (uint32_t *)b->data; }
static inline uint32_t *blk_hi(const struct ps_blk *b) { return (uint32_t *)b->data + b->cap; }
static inline struct ps_item **blk_it(const struct ps_blk *b)
{
	size_t lohi = ((size_t)b->cap * 2 * sizeof(uint32_t) + 7) & ~(size_t)7;
	return (struct ps_item **)((char *)b->data + lohi);
}

struct ps_pos {
	uint32_t b, i; /* block, index in block */
};

/* Position of the entry with the largest lo <= x; false when every lo > x (or empty). */
/* Index of the largest a[i] <= x among a[0..n) (n >= 1), or 0 when every a[i] > x (the
 * caller checks a[0]). The compare feeds a conditional move, not a branch: its outcome is
 * data-dependent, so a branchy search mispredicts about half of its steps. (A fixed
 * unrolled step sequence was tried: fewer mispredicts, but more instructions, no gain.) */
static inline uint32_t pred_idx(const uint32_t *a, uint32_t n, uint32_t x)
{
	uint32_t i = 0;
	while (n > 1) {
		uint32_t half = n / 2;
		i = a[i + half] <= x ? i + half : i;
		n -= half;
	}
	return i;
}

/* pred_idx for a block of n <= 4 entries (most nodes below the root): one 4-lane compare
 * instead of a loop whose trip count changes from node to node and mispredicts. (Four
 * compares for n <= 16 were tried too: fewer mispredicts, more instructions, no gain.) Reading 4
 * lanes is safe: a block's lo[] is followed by hi[] and it[] (blk_bytes). lo[] is sorted,
 * so the lanes with lo <= x form a prefix; the table maps that prefix to its last index. */
static inline uint32_t pred_idx4(const uint32_t *a, uint32_t n, uint32_t x)
{
#ifndef __SSE2__
	return pred_idx(a, n, x);
#else
	static const uint8_t last_of_prefix[16] = { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3 };
	const __m128i bias = _mm_set1_epi32(INT32_MIN); /* unsigned order via signed compare */
	__m128i v = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)a), bias);
	__m128i gt = _mm_cmpgt_epi32(v, _mm_set1_epi32((int32_t)(x ^ 0x80000000u)));
	unsigned le = ~(unsigned)_mm_movemask_ps(_mm_castsi128_ps(gt)) & ((1u << n) - 1);
	return last_of_prefix[le];
#endif
}

/* Lookup-only form of node_find: nodes on a lookup path are never empty, blk1 is the first
 * block whatever the directory size, and lo <= x <= hi is one unsigned compare (also false
 * when every lo > x, as then i = 0 and x - lo[0] wraps around). */
static inline const struct ps_item *node_lookup(const struct ps_node *nd, uint32_t x)
{
	const struct ps_blk *b = nd->blk1;
	if (nd->nblk > 1)
		b = nd->blk[pred_idx(dir_first(nd), nd->nblk, x)];
	const uint32_t *lo = blk_lo(b);
	uint32_t i = b->n <= 4 ? pred_idx4(lo, b->n, x) : pred_idx(lo, b->n, x);
	return x - lo[i] <= blk_hi(b)[i] - lo[i] ? blk_it(b)[i] : NULL;
}

static inline bool node_pred(const struct ps_node *nd, uint32_t x, struct ps_pos *pos)
{
	uint32_t nb = nd->nblk, a = 0;
	if (nb == 0)
		return false;
	const struct ps_blk *b;
	if (nb > 1) { /* most nodes have one block: skip the directory and its cache miss */
		a = pred_idx(dir_first(nd), nb, x);
		b = nd->blk[a];
	} else {
		b = node_blks(nd)[0];
	}
	const uint32_t *lo = blk_lo(b);
	uint32_t i = pred_idx(lo, b->n, x);
	if (x < lo[i])
		return false;
	pos->b = a;
	pos->i = i;
	return true;
}

/* The item whose interval contains x, or NULL. */
static inline struct ps_item *node_find(const struct ps_node *nd, uint32_t x)
{
	struct ps_pos p;
	if (!node_pred(nd, x, &p))
		return NULL;
	const struct ps_blk *b = node_blks(nd)[p.b];
	return blk_hi(b)[p.i] >= x ? blk_it(b)[p.i] : NULL;
}

static struct ps_blk *blk_new(struct pdrcls *cls, uint32_t cap)
{
	struct ps_blk *b = pc_alloc(cls, blk_bytes(cap));
	if (b)
		b->cap = cap;
	return b;
}

/* Copies entries [from, from+n) of src into dst at `at` (dst has room). */
static void blk_copy(struct ps_blk *dst, uint32_t at, const struct ps_blk *src, uint32_t from, uint32_t n)
{
	memcpy(blk_lo(dst) + at, blk_lo(src) + from, n * sizeof(uint32_t));
	memcpy(blk_hi(dst) + at, blk_hi(src) + from, n * sizeof(uint32_t));
	memcpy(blk_it(dst) + at, blk_it(src) + from, n * sizeof(struct ps_item *));
}

static void node_sync(struct ps_node *nd)
{
	if (nd->capblk > 1)
		nd->blk1 = nd->nblk ? nd->blk[0] : NULL;
}

static int dir_insert(struct pdrcls *cls, struct ps_node *nd, uint32_t at, struct ps_blk *b)
{
	if (nd->capblk == 0)
		nd->capblk = 1;
	if (nd->nblk == nd->capblk) {
		uint32_t nc = nd->capblk * 2;
		struct ps_blk **bl = pc_alloc(cls, dir_bytes(nc));
		if (!bl)
			return PDRCLS_ENOMEM;
		uint32_t *f = (uint32_t *)(bl + nc);
		memcpy(f, node_first(nd), nd->nblk * sizeof(*f));
		memcpy(bl, node_blks(nd), nd->nblk * sizeof(*bl));
		if (nd->capblk > 1)
			pc_free(cls, nd->blk, dir_bytes(nd->capblk));
		nd->blk = bl;
		nd->capblk = nc;
	}
	uint32_t *first = node_first(nd);
	struct ps_blk **blk = (struct ps_blk **)node_blks(nd);
	memmove(&first[at + 1], &first[at], (nd->nblk - at) * sizeof(*first));
	memmove(&blk[at + 1], &blk[at], (nd->nblk - at) * sizeof(*blk));
	first[at] = blk_lo(b)[0];
	blk[at] = b;
	nd->nblk++;
	node_sync(nd);
	return 0;
}

/* Adds interval [lo, hi] -> it; the caller guarantees it is disjoint from the others. */
static int node_add(struct pdrcls *cls, struct ps_node *nd, uint32_t lo, uint32_t hi, struct ps_item *it)
{
	if (nd->nblk == 0) {
		struct ps_blk *b = blk_new(cls, 1);
		if (!b)
			return PDRCLS_ENOMEM;
		b->n = 1;
		blk_lo(b)[0] = lo;
		blk_hi(b)[0] = hi;
		blk_it(b)[0] = it;
		if (dir_insert(cls, nd, 0, b)) {
			pc_free(cls, b, blk_bytes(1));
			return PDRCLS_ENOMEM;
		}
		nd->count = 1;
		return 0;
	}
	struct ps_pos p;
	uint32_t bi = node_pred(nd, lo, &p) ? p.b : 0;
	struct ps_blk *b = node_blks(nd)[bi];
	if (b->n == BLK_MAX) { /* split the full block in halves */
		struct ps_blk *r = blk_new(cls, BLK_MAX);
		if (!r)
			return PDRCLS_ENOMEM;
		uint32_t half = BLK_MAX / 2;
		blk_copy(r, 0, b, half, BLK_MAX - half);
		r->n = BLK_MAX - half;
		if (dir_insert(cls, nd, bi + 1, r)) {
			pc_free(cls, r, blk_bytes(BLK_MAX));
			return PDRCLS_ENOMEM;
		}
		b->n = half;
		if (lo >= blk_lo(r)[0]) {
			bi++;
			b = r;
		}
	} else if (b->n == b->cap) { /* grow the block (capacities 1, 2, 4 .. BLK_MAX) */
		uint32_t nc = b->cap * 2 > BLK_MAX ? BLK_MAX : b->cap * 2;
		struct ps_blk *g = blk_new(cls, nc);
		if (!g)
			return PDRCLS_ENOMEM;
		blk_copy(g, 0, b, 0, b->n);
		g->n = b->n;
		pc_free(cls, b, blk_bytes(b->cap));
		((struct ps_blk **)node_blks(nd))[bi] = b = g;
		node_sync(nd);
	}
	uint32_t i = 0;
	while (i < b->n && blk_lo(b)[i] < lo)
		i++;
	uint32_t tail = b->n - i;
	memmove(blk_lo(b) + i + 1, blk_lo(b) + i, tail * sizeof(uint32_t));
	memmove(blk_hi(b) + i + 1, blk_hi(b) + i, tail * sizeof(uint32_t));
	memmove(blk_it(b) + i + 1, blk_it(b) + i, tail * sizeof(struct ps_item *));
	blk_lo(b)[i] = lo;
	blk_hi(b)[i] = hi;
	blk_it(b)[i] = it;
	b->n++;
	node_first(nd)[bi] = blk_lo(b)[0];
	nd->count++;
	return 0;
}

/* Removes the entry whose lo is exactly `lo` (it must exist). Never allocates. */
static void node_del(struct pdrcls *cls, struct ps_node *nd, uint32_t lo)
{
	struct ps_pos p = { 0, 0 };
	node_pred(nd, lo, &p);
	struct ps_blk **blk = (struct ps_blk **)node_blks(nd);
	uint32_t *first = node_first(nd);
	struct ps_blk *b = blk[p.b];
	uint32_t tail = b->n - p.i - 1;
	memmove(blk_lo(b) + p.i, blk_lo(b) + p.i + 1, tail * sizeof(uint32_t));
	memmove(blk_hi(b) + p.i, blk_hi(b) + p.i + 1, tail * sizeof(uint32_t));
	memmove(blk_it(b) + p.i, blk_it(b) + p.i + 1, tail * sizeof(struct ps_item *));
	b->n--;
	nd->count--;
	if (b->n > 0) {
		first[p.b] = blk_lo(b)[0];
		return;
	}
	pc_free(cls, b, blk_bytes(b->cap));
	nd->nblk--;
	memmove(&first[p.b], &first[p.b + 1], (nd->nblk - p.b) * sizeof(*first));
	memmove(&blk[p.b], &blk[p.b + 1], (nd->nblk - p.b) * sizeof(*blk));
	node_sync(nd);
}

/* Frees a node's index (not the items it points to). */
static void node_fini(struct pdrcls *cls, struct ps_node *nd)
{
	for (uint32_t i = 0; i < nd->nblk; i++)
		pc_free(cls, node_blks(nd)[i], blk_bytes(node_blks(nd)[i]->cap));
	if (nd->capblk > 1)
		pc_free(cls, nd->blk, dir_bytes(nd->capblk));
	memset(nd, 0, sizeof(*nd));
}

/* The only item of a one-entry node. */
static inline struct ps_item *node_only(const struct ps_node *nd) { return blk_it(node_blks(nd)[0])[0]; }

/* ---- allocation helpers ---- */

static struct ps_item *new_item(struct pdrcls *cls)
{
	return pc_alloc_aligned(cls, sizeof(struct ps_item)); /* one cache line */
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
	it->r0 = it->rules[0];
	it->minr = it->r0->rank;
	return 0;
}

/* ---- one partition ---- */

enum { FITS = 0, NO_FIT = 1 };

static void free_item(struct pdrcls *cls, struct ps_item *it);

/* Frees a node, its index and every item below it. */
static void free_node(struct pdrcls *cls, struct ps_node *nd)
{
	for (uint32_t i = 0; i < nd->nblk; i++)
		for (uint32_t j = 0; j < node_blks(nd)[i]->n; j++)
			free_item(cls, blk_it(node_blks(nd)[i])[j]);
	node_fini(cls, nd);
}

static void free_item(struct pdrcls *cls, struct ps_item *it)
{
	if (has_sub(it))
		free_node(cls, &it->sub);
	pc_free(cls, it->rules, it->cap * sizeof(*it->rules));
	pc_free(cls, it, sizeof(*it));
}

static int part_insert_at(struct pdrcls *cls, struct partition *p, struct pdr_entry *e,
			  struct ps_item **path, unsigned *np);

/* Inserts e if the partition stays sortable: returns FITS, NO_FIT (partition unchanged) or
 * PDRCLS_ENOMEM (partition unchanged); then lowers the best rank of the items on e's path. */
static int part_insert(struct pdrcls *cls, struct partition *p, struct pdr_entry *e)
{
	struct ps_item *path[PDR_DIMS];
	unsigned np = 0;
	int rc = part_insert_at(cls, p, e, path, &np);
	if (rc != FITS)
		return rc;
	for (unsigned i = 0; i < np; i++)
		if (path[i]->minr > e->rank)
			path[i]->minr = e->rank;
	return FITS;
}

/* The insert proper. Every check happens before the single mutation, so NO_FIT and
 * PDRCLS_ENOMEM leave the partition unchanged. path[0..*np) = the existing items e went
 * through (the caller lowers their best rank once e is in). */
static int part_insert_at(struct pdrcls *cls, struct partition *p, struct pdr_entry *e,
			  struct ps_item **path, unsigned *np)
{
	struct ps_node *node = &p->root;
	for (unsigned lvl = 0;; lvl++) {
		int d = p->order[lvl];
		uint32_t lo = e->nlo[d], hi = e->nhi[d];
		struct ps_pos pos;
		bool has = node_pred(node, hi, &pos);
		const struct ps_blk *b = has ? node_blks(node)[pos.b] : NULL;
		if (!has || blk_hi(b)[pos.i] < lo) { /* disjoint from every sibling: a new branch */
			struct ps_item *ni = new_item(cls);
			if (!ni || rules_add(cls, ni, e) || node_add(cls, node, lo, hi, ni)) {
				if (ni)
					free_item(cls, ni);
				return PDRCLS_ENOMEM;
			}
			return FITS;
		}
		if (blk_lo(b)[pos.i] != lo || blk_hi(b)[pos.i] != hi)
			return NO_FIT; /* overlapping but unequal: not sortable here */
		struct ps_item *it = blk_it(b)[pos.i];
		path[(*np)++] = it;
		if (has_sub(it)) {
			node = &it->sub;
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
		/* split: a chain of single-entry nodes down to level l2, where q's list and e part.
		 * The nodes are built aside and moved into their owner items once all succeeded. */
		struct ps_node nodes[PDR_DIMS];
		struct ps_item *items[PDR_DIMS] = { 0 };
		unsigned cnt = l2 - lvl; /* nodes at levels lvl+1 .. l2 */
		memset(nodes, 0, cnt * sizeof(nodes[0]));
		struct ps_item *mine = new_item(cls);
		bool ok = mine && rules_add(cls, mine, e) == 0;
		for (unsigned i = 0; i < cnt && ok; i++) {
			int dd = p->order[lvl + 1 + i];
			items[i] = new_item(cls);
			ok = items[i] && node_add(cls, &nodes[i], q->nlo[dd], q->nhi[dd], items[i]) == 0;
		}
		ok = ok && node_add(cls, &nodes[cnt - 1], e->nlo[d2], e->nhi[d2], mine) == 0;
		if (!ok) {
			for (unsigned i = 0; i < cnt; i++) {
				node_fini(cls, &nodes[i]);
				if (items[i])
					free_item(cls, items[i]);
			}
			if (mine)
				free_item(cls, mine);
			return PDRCLS_ENOMEM;
		}
		for (unsigned i = 0; i + 1 < cnt; i++) {
			items[i]->sub = nodes[i + 1];
			items[i]->minr = it->minr < e->rank ? it->minr : e->rank; /* the list and e below */
		}
		/* the last chain item takes over q's rule list; e has its own sibling */
		struct ps_item *last = items[cnt - 1];
		last->minr = it->minr;
		last->rules = it->rules;
		last->r0 = it->r0;
		last->n = it->n;
		last->cap = it->cap;
		it->rules = NULL;
		it->r0 = NULL;
		it->n = it->cap = 0;
		it->sub = nodes[0];
		return FITS;
	}
}

/* Best rank below an item, from its own list or its children (one level). */
static uint64_t item_min(const struct ps_item *it)
{
	if (!has_sub(it))
		return it->r0->rank;
	uint64_t m = UINT64_MAX;
	for (uint32_t b = 0; b < it->sub.nblk; b++) {
		const struct ps_blk *blk = node_blks(&it->sub)[b];
		for (uint32_t i = 0; i < blk->n; i++)
			m = blk_it(blk)[i]->minr < m ? blk_it(blk)[i]->minr : m;
	}
	return m;
}

static unsigned part_remove_at(struct pdrcls *cls, struct partition *p, struct pdr_entry *e,
			       struct ps_item **items);

/* Removes e, then refreshes the best rank of the items left on its path that had e as
 * their best (bottom-up; only those can change, so a removal rarely scans a node). */
static void part_remove(struct pdrcls *cls, struct partition *p, struct pdr_entry *e)
{
	struct ps_item *path[PDR_DIMS];
	unsigned n = part_remove_at(cls, p, e, path);
	while (n-- > 0)
		if (path[n]->minr == e->rank)
			path[n]->minr = item_min(path[n]);
}

/* The removal proper; returns how many items of e's path survive (items[0..n), top down). */
static unsigned part_remove_at(struct pdrcls *cls, struct partition *p, struct pdr_entry *e,
			       struct ps_item **items)
{
	struct ps_node *nodes[PDR_DIMS];
	struct ps_node *node = &p->root;
	unsigned lvl = 0;
	for (;;) {
		struct ps_item *it = node_find(node, e->nlo[p->order[lvl]]);
		nodes[lvl] = node;
		items[lvl] = it;
		if (!has_sub(it))
			break;
		node = &it->sub;
		lvl++;
	}
	struct ps_item *it = items[lvl];
	uint32_t i = 0;
	while (it->rules[i] != e)
		i++;
	memmove(&it->rules[i], &it->rules[i + 1], (it->n - i - 1) * sizeof(*it->rules));
	if (--it->n > 0) {
		it->r0 = it->rules[0];
		return lvl + 1;
	}
	/* the item is empty: unlink it, then any node (and its parent item) left empty; a
	 * node below level 0 is embedded in items[lvl - 1], so emptying it needs no free */
	for (;;) {
		node_del(cls, nodes[lvl], e->nlo[p->order[lvl]]);
		free_item(cls, items[lvl]); /* its own node, if it had one, was emptied below */
		if (lvl == 0 || nodes[lvl]->count > 0)
			break;
		node_fini(cls, nodes[lvl]);
		lvl--;
	}
	unsigned survivors = lvl; /* items[lvl] and below are gone */
	/* re-compress: a non-root node left with one rule-list item folds into its parent item */
	while (lvl > 0 && nodes[lvl]->count == 1 && !has_sub(node_only(nodes[lvl]))) {
		struct ps_item *child = node_only(nodes[lvl]), *parent = items[lvl - 1];
		node_fini(cls, nodes[lvl]); /* parent's sub: frees the index, not the child */
		parent->rules = child->rules;
		parent->r0 = child->r0;
		parent->minr = child->minr;
		parent->n = child->n;
		parent->cap = child->cap;
		child->rules = NULL;
		child->cap = 0;
		free_item(cls, child);
		lvl--;
	}
	/* after a fold, items[lvl] (the last parent, now a leaf) is the deepest survivor */
	return lvl < survivors ? lvl + 1 : survivors;
}

/* The best rule of p matching k if its rank is below bound, else NULL. */
static inline const struct pdr_entry *part_find(const struct partition *p, const uint32_t *k, uint64_t bound)
{
	const struct ps_node *node = &p->root;
	for (unsigned lvl = 0;; lvl++) {
		const struct ps_item *it = node_lookup(node, k[p->order[lvl]]);
		if (!it || it->minr >= bound)
			return NULL;
		if (has_sub(it)) {
			node = &it->sub;
			continue;
		}
		if (entry_match(it->r0, k)) /* most lists hold one rule: no rules[] load */
			return it->r0;
		for (uint32_t i = 1; i < it->n; i++)
			if (entry_match(it->rules[i], k))
				return it->rules[i];
		return NULL;
	}
}

/* ---- the classifier: partitions in best-rank order ---- */

static int ps_init(struct pdrcls *cls)
{
	cls->impl = pc_alloc(cls, sizeof(struct ps));
	return cls->impl ? 0 : PDRCLS_ENOMEM;
}

static void part_free(struct pdrcls *cls, struct partition *p)
{
	free_node(cls, &p->root);
	rankheap_fini(cls, &p->heap);
	pc_free(cls, p, sizeof(*p));
}

static void ps_fini(struct pdrcls *cls)
{
	struct ps *ps = cls->impl;
	for (size_t i = 0; i < ps->n; i++)
		part_free(cls, ps->p[i]);
	pc_free(cls, ps->p, ps->cap * sizeof(*ps->p));
	pc_free(cls, ps->best, ps->cap * sizeof(*ps->best));
	pc_free(cls, ps, sizeof(*ps));
}

static uint64_t ps_tables(const struct pdrcls *cls) { return ((const struct ps *)cls->impl)->n; }

static void set_pos(struct ps *ps, size_t i, struct partition *p)
{
	ps->p[i] = p;
	ps->best[i] = rankheap_best(&p->heap);
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

/* Field order of a new partition: the creating rule's constraining dimensions in dimension
 * order (addresses first), or dimension 0 when it has none. Ordering narrowest-range-first
 * was tried: on the dissertation's PDR files it puts 18 identical exact-match fields ahead of
 * the addresses, so every lookup walks 18 single-entry levels (8x slower at 10+ PDRs). */
static void field_order(const struct pdr_entry *e, struct partition *p)
{
	for (int d = 0; d < PDR_DIMS; d++)
		if (!entry_dim_is_any(e, d))
			p->order[p->depth++] = (uint8_t)d;
	if (p->depth == 0)
		p->order[p->depth++] = 0;
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
			struct partition **a = pc_alloc(cls, ncap * sizeof(*a));
			uint64_t *r = pc_alloc(cls, ncap * sizeof(*r));
			if (!a || !r) {
				pc_free(cls, a, ncap * sizeof(*a));
				pc_free(cls, r, ncap * sizeof(*r));
				return PDRCLS_ENOMEM;
			}
			if (ps->n) {
				memcpy(a, ps->p, ps->n * sizeof(*a));
				memcpy(r, ps->best, ps->n * sizeof(*r));
			}
			pc_free(cls, ps->p, ps->cap * sizeof(*a));
			pc_free(cls, ps->best, ps->cap * sizeof(*r));
			ps->p = a;
			ps->best = r;
			ps->cap = ncap;
		}
		p = pc_alloc(cls, sizeof(*p));
		if (!p)
			return PDRCLS_ENOMEM;
		field_order(e, p);
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
		uint64_t best_rank = UINT64_MAX; /* no partition's best rank is above this */
		size_t j = 0;
		for (; j < ps->n && ps->best[j] < best_rank; j++) {
			const struct pdr_entry *e = part_find(ps->p[j], keys[i].v, best_rank);
			if (e && e->rank < best_rank) {
				best = e;
				best_rank = e->rank;
			}
		}
		*probes += j;
		hits += emit_result(best, i, ids, cookies);
	}
	return hits;
}

const struct pdrcls_ops pdrcls_ps_ops = { ps_init, ps_fini, ps_insert, ps_remove, ps_classify, ps_tables };

/* ---- structural self-check (tests only; hidden from the shared object's exports) ---- */

static int check_node(const struct partition *p, const struct ps_node *nd, unsigned lvl,
		      uint32_t *plo, uint32_t *phi, size_t *nrules)
{
	uint32_t count = 0;
	bool have_prev = false;
	uint32_t prev_hi = 0;
	if (nd->nblk == 0 || nd->nblk > nd->capblk || nd->blk1 != node_blks(nd)[0])
		return -1;
	for (uint32_t b = 0; b < nd->nblk; b++) {
		const struct ps_blk *blk = node_blks(nd)[b];
		if (blk->n == 0 || blk->n > blk->cap || blk->cap > BLK_MAX || node_first((struct ps_node *)nd)[b] != blk_lo(blk)[0])
			return -2;
		for (uint32_t i = 0; i < blk->n; i++, count++) {
			uint32_t lo = blk_lo(blk)[i], hi = blk_hi(blk)[i];
			if (lo > hi || (have_prev && lo <= prev_hi))
				return -3; /* sorted and pairwise disjoint: the sortable-set property */
			have_prev = true;
			prev_hi = hi;
			const struct ps_item *it = blk_it(blk)[i];
			int d = p->order[lvl];
			if ((it->n || has_sub(it)) && it->minr != item_min(it))
				return -14; /* every item checked against its children: by induction, the subtree best */
			plo[d] = lo;
			phi[d] = hi;
			if (has_sub(it)) {
				if (it->n || lvl + 1 >= p->depth)
					return -4;
				int rc = check_node(p, &it->sub, lvl + 1, plo, phi, nrules);
				if (rc)
					return rc;
				continue;
			}
			if (it->n == 0 || it->n > LEAF_MAX || it->r0 != it->rules[0])
				return -5;
			for (uint32_t r = 0; r < it->n; r++) {
				const struct pdr_entry *e = it->rules[r];
				if (e->owner != p || (r && it->rules[r - 1]->rank >= e->rank))
					return -6;
				for (unsigned l = 0; l <= lvl; l++) /* the path intervals are the rule's */
					if (e->nlo[p->order[l]] != plo[p->order[l]] || e->nhi[p->order[l]] != phi[p->order[l]])
						return -7;
				for (unsigned l = lvl + 1; l < p->depth; l++) /* list members agree below */
					if (e->nlo[p->order[l]] != it->rules[0]->nlo[p->order[l]] ||
					    e->nhi[p->order[l]] != it->rules[0]->nhi[p->order[l]])
						return -8;
			}
			*nrules += it->n;
		}
	}
	return count == nd->count ? 0 : -9;
}

__attribute__((visibility("hidden"))) int pdrcls_ps_check(const struct pdrcls *cls)
{
	if (!cls || cls->kind != PDRCLS_PS)
		return PDRCLS_EINVAL;
	const struct ps *ps = cls->impl;
	size_t total = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct partition *p = ps->p[i];
		uint32_t plo[PDR_DIMS], phi[PDR_DIMS];
		size_t n = 0;
		if (p->pos != i || (i && rankheap_best(&ps->p[i - 1]->heap) > rankheap_best(&p->heap)))
			return -10; /* partitions in best-rank order */
		int rc = check_node(p, &p->root, 0, plo, phi, &n);
		if (rc)
			return rc;
		if (n != p->heap.n || n == 0)
			return -11;
		uint64_t best = UINT64_MAX;
		for (size_t j = 0; j < p->heap.n; j++)
			best = p->heap.a[j]->rank < best ? p->heap.a[j]->rank : best;
		if (best != rankheap_best(&p->heap))
			return -12;
		total += n;
	}
	return total == cls->ids.count ? 0 : -13;
}
