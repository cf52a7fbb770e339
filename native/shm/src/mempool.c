/* Mempool: fixed-size objects, lock-free MPMC free list (Treiber stack with a tagged head),
 * generation + refcount + owner per object. */
#include "shm_internal.h"

#include <stdlib.h>
#include <string.h>

#define TAG_ONE (1ull << 32)

static inline struct fp_obj_hdr *obj_hdr(const struct fp_mempool *mp, uint32_t idx)
{
	return (struct fp_obj_hdr *)(mp->objs + (uint64_t)idx * mp->sh->stride);
}

static inline uint64_t payload_off(const struct fp_mempool *mp, uint32_t idx)
{
	return mp->sh->objs_off + (uint64_t)idx * mp->sh->stride + sizeof(struct fp_obj_hdr);
}

static inline uint64_t meta_gen(uint64_t m) { return m & FP_META_GEN_MASK; }
static inline uint32_t meta_ref(uint64_t m) { return (uint32_t)((m >> FP_META_REF_SHIFT) & FP_META_REF_MAX); }

/* Index of the object whose payload is at `object`'s offset, or -1. */
static int64_t obj_index(const struct fp_mempool *mp, uint64_t object)
{
	uint64_t off = fp_desc_offset(object), rel;
	const struct fp_mempool_shared *sh = mp->sh;
	if (off < sh->objs_off + sizeof(struct fp_obj_hdr))
		return -1;
	rel = off - sh->objs_off - sizeof(struct fp_obj_hdr);
	if (rel % sh->stride || rel / sh->stride >= sh->count)
		return -1;
	return (int64_t)(rel / sh->stride);
}

/* Classifies a failed reference: freed since (generation moved one on) vs anything older. */
static int reject(struct fp_mempool *mp, uint64_t m, uint32_t gen)
{
	if (!(m & FP_META_ALLOC) && meta_gen(m) == ((gen + 1) & FP_META_GEN_MASK)) {
		atomic_fetch_add_explicit(&mp->sh->double_frees, 1, memory_order_relaxed);
		return FP_E_DOUBLE_FREE;
	}
	atomic_fetch_add_explicit(&mp->sh->stale, 1, memory_order_relaxed);
	return FP_E_STALE;
}

/* Pushes the chain first..last (already linked through ->next) onto the free list. */
static void push_chain(struct fp_mempool *mp, uint32_t first, uint32_t last, uint32_t n)
{
	struct fp_mempool_shared *sh = mp->sh;
	struct fp_obj_hdr *lh = obj_hdr(mp, last);
	uint64_t head = atomic_load_explicit(&sh->head, memory_order_relaxed), nh;
	do {
		atomic_store_explicit(&lh->next, (uint32_t)head, memory_order_relaxed);
		nh = ((head & ~0xffffffffull) + TAG_ONE) | (uint64_t)(first + 1);
	} while (!atomic_compare_exchange_weak_explicit(&sh->head, &head, nh, memory_order_release, memory_order_relaxed));
	atomic_fetch_add_explicit(&sh->free_count, n, memory_order_relaxed);
}

/* Pops n objects in one CAS. The walk reads ->next of nodes that may be popped concurrently;
 * that is harmless (all in the mapping, atomics) because the tagged CAS fails if anything
 * changed the list since `head` was read. */
static int pop_n(struct fp_mempool *mp, uint32_t n, uint32_t *idx)
{
	struct fp_mempool_shared *sh = mp->sh;
	uint64_t head = atomic_load_explicit(&sh->head, memory_order_acquire), nh;
	for (;;) {
		uint32_t cur = (uint32_t)head, i;
		for (i = 0; i < n && cur; i++) {
			if (cur > sh->count)
				break; /* torn read of a changing list; the CAS below will fail */
			idx[i] = cur - 1;
			cur = atomic_load_explicit(&obj_hdr(mp, cur - 1)->next, memory_order_relaxed);
		}
		if (i < n) {
			uint64_t again = atomic_load_explicit(&sh->head, memory_order_acquire);
			if (again == head)
				return FP_E_EXHAUSTED;
			head = again;
			continue;
		}
		nh = ((head & ~0xffffffffull) + TAG_ONE) | cur;
		if (atomic_compare_exchange_weak_explicit(&sh->head, &head, nh, memory_order_acquire, memory_order_acquire)) {
			atomic_fetch_sub_explicit(&sh->free_count, n, memory_order_relaxed);
			return 0;
		}
	}
}

int fp_mempool_create(struct fp_region *r, const char *name, uint32_t obj_size, uint32_t count, struct fp_mempool **out)
{
	struct fp_mempool *mp;
	struct fp_mempool_shared *sh;
	uint64_t off, stride, hdr_len = FP_ALIGN_UP(sizeof(struct fp_mempool_shared), FP_CACHELINE), total;
	int rc;

	if (!r || !out || !fp__valid_object_name(name) || obj_size == 0 || obj_size > (1u << 30) || count == 0 ||
	    count >= 0xffffffffu)
		return FP_E_INVAL;
	*out = NULL;
	stride = sizeof(struct fp_obj_hdr) + FP_ALIGN_UP((uint64_t)obj_size, FP_CACHELINE);
	total = hdr_len + stride * count;
	if (stride * count / count != stride)
		return FP_E_INVAL;
	rc = fp_region_alloc(r, name, FP_OBJ_MEMPOOL, total, &off);
	if (rc)
		return rc;
	if (off + total > (1ull << FP_DESC_OFFSET_BITS))
		return FP_E_NOSPACE; /* payload offsets must fit the descriptor's 40 bits */
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return FP_E_SYS;
	sh = (struct fp_mempool_shared *)((uint8_t *)r->hdr + off);
	sh->obj_size = (uint32_t)FP_ALIGN_UP((uint64_t)obj_size, FP_CACHELINE);
	sh->count = count;
	sh->stride = (uint32_t)stride;
	sh->objs_off = off + hdr_len;
	mp->region = r;
	mp->sh = sh;
	mp->base = (uint8_t *)r->hdr;
	mp->objs = mp->base + sh->objs_off;
	/* free list 0 -> 1 -> ... so the first allocations are the lowest addresses */
	for (uint32_t i = 0; i < count; i++) {
		struct fp_obj_hdr *o = obj_hdr(mp, i);
		o->index = i;
		atomic_store_explicit(&o->meta, 0, memory_order_relaxed);
		atomic_store_explicit(&o->owner, 0, memory_order_relaxed);
		atomic_store_explicit(&o->next, i + 1 < count ? i + 2 : 0, memory_order_relaxed);
	}
	atomic_store_explicit(&sh->head, 1, memory_order_relaxed);
	atomic_store_explicit(&sh->free_count, count, memory_order_relaxed);
	__atomic_store_n(&sh->magic, FP_MEMPOOL_MAGIC, __ATOMIC_RELEASE);
	*out = mp;
	return 0;
}

int fp_mempool_attach(struct fp_region *r, const char *name, struct fp_mempool **out)
{
	struct fp_mempool *mp;
	struct fp_mempool_shared *sh;
	uint64_t off, size;
	int rc;
	if (!r || !out || !fp__valid_object_name(name))
		return FP_E_INVAL;
	*out = NULL;
	rc = fp__region_find(r, name, FP_OBJ_MEMPOOL, &off, &size);
	if (rc < 0)
		return rc;
	sh = (struct fp_mempool_shared *)((uint8_t *)r->hdr + off);
	if (__atomic_load_n(&sh->magic, __ATOMIC_ACQUIRE) != FP_MEMPOOL_MAGIC)
		return FP_E_NOENT; /* carved but not initialised yet */
	if (sh->objs_off + (uint64_t)sh->stride * sh->count > off + size)
		return FP_E_MAGIC;
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return FP_E_SYS;
	mp->region = r;
	mp->sh = sh;
	mp->base = (uint8_t *)r->hdr;
	mp->objs = mp->base + sh->objs_off;
	*out = mp;
	return 0;
}

void fp_mempool_close(struct fp_mempool *mp) { free(mp); }

/* Marks freshly popped objects allocated (refcount 1) and fills the references. */
static void take(struct fp_mempool *mp, uint32_t owner, const uint32_t *idx, uint64_t *objects, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct fp_obj_hdr *o = obj_hdr(mp, idx[i]);
		uint64_t gen = meta_gen(atomic_load_explicit(&o->meta, memory_order_relaxed));
		atomic_store_explicit(&o->owner, owner, memory_order_relaxed);
		atomic_store_explicit(&o->meta, FP_META_ALLOC | (1ull << FP_META_REF_SHIFT) | gen, memory_order_release);
		objects[i] = fp_desc_make_object(payload_off(mp, idx[i]), (uint32_t)gen);
	}
}

int fp_mempool_alloc(struct fp_mempool *mp, uint32_t owner, uint64_t *object)
{
	uint32_t idx;
	if (!mp || !object || owner == 0)
		return FP_E_INVAL;
	if (pop_n(mp, 1, &idx)) {
		atomic_fetch_add_explicit(&mp->sh->exhausted, 1, memory_order_relaxed);
		return FP_E_EXHAUSTED;
	}
	take(mp, owner, &idx, object, 1);
	atomic_fetch_add_explicit(&mp->sh->allocs, 1, memory_order_relaxed);
	return 0;
}

int fp_mempool_alloc_bulk(struct fp_mempool *mp, uint32_t owner, uint64_t *objects, uint32_t n)
{
	uint32_t stack_idx[256], *idx = stack_idx;
	if (!mp || (!objects && n) || owner == 0)
		return FP_E_INVAL;
	if (n == 0)
		return 0;
	if (n > mp->sh->count)
		return FP_E_EXHAUSTED;
	if (n > 256) {
		idx = malloc(sizeof(*idx) * n);
		if (!idx)
			return FP_E_SYS;
	}
	if (pop_n(mp, n, idx)) {
		if (idx != stack_idx)
			free(idx);
		atomic_fetch_add_explicit(&mp->sh->exhausted, 1, memory_order_relaxed);
		return FP_E_EXHAUSTED;
	}
	take(mp, owner, idx, objects, n);
	if (idx != stack_idx)
		free(idx);
	atomic_fetch_add_explicit(&mp->sh->allocs, n, memory_order_relaxed);
	return 0;
}

/* Drops one reference of a validated object. 1 = now free (caller pushes it), 0 = still
 * referenced, <0 = rejected. One CAS on the meta word covers generation, state and refcount,
 * so a racing free/realloc cannot be confused with ours. */
static int release(struct fp_mempool *mp, uint32_t idx, uint32_t gen)
{
	struct fp_obj_hdr *o = obj_hdr(mp, idx);
	uint64_t m = atomic_load_explicit(&o->meta, memory_order_acquire), nm;
	for (;;) {
		if (!(m & FP_META_ALLOC) || meta_gen(m) != gen || meta_ref(m) == 0)
			return reject(mp, m, gen);
		if (meta_ref(m) > 1)
			nm = m - (1ull << FP_META_REF_SHIFT);
		else
			nm = (meta_gen(m) + 1) & FP_META_GEN_MASK; /* free, next generation */
		if (atomic_compare_exchange_weak_explicit(&o->meta, &m, nm, memory_order_acq_rel, memory_order_acquire))
			return nm & FP_META_ALLOC ? 0 : 1;
	}
}

int fp_mempool_free(struct fp_mempool *mp, uint64_t object)
{
	int64_t idx;
	int rc;
	if (!mp)
		return FP_E_INVAL;
	idx = obj_index(mp, object);
	if (idx < 0)
		return FP_E_INVAL;
	rc = release(mp, (uint32_t)idx, fp_desc_generation(object));
	if (rc == 1) {
		push_chain(mp, (uint32_t)idx, (uint32_t)idx, 1);
		atomic_fetch_add_explicit(&mp->sh->frees, 1, memory_order_relaxed);
	}
	return rc;
}

int fp_mempool_free_bulk(struct fp_mempool *mp, const uint64_t *objects, uint32_t n, int32_t *results)
{
	uint32_t first = 0, last = 0, nfree = 0;
	int accepted = 0;
	if (!mp || (!objects && n))
		return FP_E_INVAL;
	for (uint32_t i = 0; i < n; i++) {
		int64_t idx = obj_index(mp, objects[i]);
		int rc = idx < 0 ? FP_E_INVAL : release(mp, (uint32_t)idx, fp_desc_generation(objects[i]));
		if (results)
			results[i] = rc;
		if (rc < 0)
			continue;
		accepted++;
		if (rc == 1) {
			/* link into a private chain, pushed with one CAS below */
			if (nfree)
				atomic_store_explicit(&obj_hdr(mp, last)->next, (uint32_t)idx + 1, memory_order_relaxed);
			else
				first = (uint32_t)idx;
			last = (uint32_t)idx;
			nfree++;
		}
	}
	if (nfree) {
		push_chain(mp, first, last, nfree);
		atomic_fetch_add_explicit(&mp->sh->frees, nfree, memory_order_relaxed);
	}
	return accepted;
}

/* Validates a reference without changing it: 0 or FP_E_STALE/DOUBLE_FREE/INVAL (not counted). */
static int peek(const struct fp_mempool *mp, uint64_t object, struct fp_obj_hdr **out)
{
	int64_t idx;
	uint64_t m;
	uint32_t gen = fp_desc_generation(object);
	if (!mp)
		return FP_E_INVAL;
	idx = obj_index(mp, object);
	if (idx < 0)
		return FP_E_INVAL;
	*out = obj_hdr(mp, (uint32_t)idx);
	m = atomic_load_explicit(&(*out)->meta, memory_order_acquire);
	if ((m & FP_META_ALLOC) && meta_gen(m) == gen)
		return 0;
	if (!(m & FP_META_ALLOC) && meta_gen(m) == ((gen + 1) & FP_META_GEN_MASK))
		return FP_E_DOUBLE_FREE;
	return FP_E_STALE;
}

int fp_mempool_ref(struct fp_mempool *mp, uint64_t object, uint32_t n)
{
	struct fp_obj_hdr *o;
	uint64_t m;
	uint32_t gen = fp_desc_generation(object);
	int rc = peek(mp, object, &o);
	if (rc)
		return rc;
	if (n == 0)
		return 0;
	m = atomic_load_explicit(&o->meta, memory_order_acquire);
	for (;;) {
		if (!(m & FP_META_ALLOC) || meta_gen(m) != gen)
			return reject(mp, m, gen);
		if (meta_ref(m) + (uint64_t)n > FP_META_REF_MAX)
			return FP_E_INVAL;
		if (atomic_compare_exchange_weak_explicit(&o->meta, &m, m + ((uint64_t)n << FP_META_REF_SHIFT),
							  memory_order_acq_rel, memory_order_acquire))
			return 0;
	}
}

int fp_mempool_set_owner(struct fp_mempool *mp, uint64_t object, uint32_t owner)
{
	struct fp_obj_hdr *o;
	int rc;
	if (owner == 0)
		return FP_E_INVAL;
	rc = peek(mp, object, &o);
	if (rc)
		return rc;
	atomic_store_explicit(&o->owner, owner, memory_order_relaxed);
	return 0;
}

int fp_mempool_check(const struct fp_mempool *mp, uint64_t object)
{
	struct fp_obj_hdr *o;
	return peek(mp, object, &o);
}

void *fp_mempool_data(const struct fp_mempool *mp, uint64_t object)
{
	struct fp_obj_hdr *o;
	if (peek(mp, object, &o))
		return NULL;
	return (uint8_t *)(o + 1);
}

int fp_mempool_info(const struct fp_mempool *mp, uint64_t object, uint32_t *owner, uint32_t *refcnt)
{
	struct fp_obj_hdr *o;
	int rc = peek(mp, object, &o);
	if (rc)
		return rc;
	if (owner)
		*owner = atomic_load_explicit(&o->owner, memory_order_relaxed);
	if (refcnt)
		*refcnt = meta_ref(atomic_load_explicit(&o->meta, memory_order_acquire));
	return 0;
}

int fp_mempool_reclaim(struct fp_mempool *mp, uint32_t owner)
{
	int n = 0;
	if (!mp || owner == 0)
		return FP_E_INVAL;
	for (uint32_t i = 0; i < mp->sh->count; i++) {
		struct fp_obj_hdr *o = obj_hdr(mp, i);
		uint64_t m = atomic_load_explicit(&o->meta, memory_order_acquire);
		while ((m & FP_META_ALLOC) && atomic_load_explicit(&o->owner, memory_order_relaxed) == owner) {
			uint64_t nm = (meta_gen(m) + 1) & FP_META_GEN_MASK;
			if (atomic_compare_exchange_weak_explicit(&o->meta, &m, nm, memory_order_acq_rel, memory_order_acquire)) {
				push_chain(mp, i, i, 1);
				n++;
				break;
			}
		}
	}
	atomic_fetch_add_explicit(&mp->sh->reclaimed, (uint64_t)n, memory_order_relaxed);
	return n;
}

int fp_mempool_audit(struct fp_mempool *mp, int repair)
{
	struct fp_mempool_shared *sh;
	uint8_t *seen;
	uint32_t cur, steps = 0;
	int64_t listed = 0;
	int lost = 0;
	if (!mp)
		return FP_E_INVAL;
	sh = mp->sh;
	seen = calloc(sh->count, 1);
	if (!seen)
		return FP_E_SYS;
	cur = (uint32_t)atomic_load_explicit(&sh->head, memory_order_acquire);
	while (cur && cur <= sh->count && steps++ <= sh->count && !seen[cur - 1]) {
		seen[cur - 1] = 1;
		listed++;
		cur = atomic_load_explicit(&obj_hdr(mp, cur - 1)->next, memory_order_relaxed);
	}
	for (uint32_t i = 0; i < sh->count; i++) {
		uint64_t m = atomic_load_explicit(&obj_hdr(mp, i)->meta, memory_order_acquire);
		if (seen[i] || (m & FP_META_ALLOC))
			continue;
		lost++;
		if (repair)
			push_chain(mp, i, i, 1);
	}
	/* the counter may have drifted by the same interrupted operations */
	if (repair)
		atomic_store_explicit(&sh->free_count, listed + lost, memory_order_relaxed);
	free(seen);
	return lost;
}

void fp_mempool_stats(const struct fp_mempool *mp, struct fp_mempool_stats *out)
{
	const struct fp_mempool_shared *sh;
	if (!mp || !out)
		return;
	sh = mp->sh;
	memset(out, 0, sizeof(*out));
	out->count = sh->count;
	out->free = fp_mempool_free_count(mp);
	out->obj_size = sh->obj_size;
	out->allocs = atomic_load_explicit(&sh->allocs, memory_order_relaxed);
	out->frees = atomic_load_explicit(&sh->frees, memory_order_relaxed);
	out->exhausted = atomic_load_explicit(&sh->exhausted, memory_order_relaxed);
	out->double_frees = atomic_load_explicit(&sh->double_frees, memory_order_relaxed);
	out->stale = atomic_load_explicit(&sh->stale, memory_order_relaxed);
	out->reclaimed = atomic_load_explicit(&sh->reclaimed, memory_order_relaxed);
}

uint32_t fp_mempool_free_count(const struct fp_mempool *mp)
{
	int64_t v;
	if (!mp)
		return 0;
	v = atomic_load_explicit(&mp->sh->free_count, memory_order_relaxed);
	return v < 0 ? 0 : (uint32_t)v;
}
uint32_t fp_mempool_obj_size(const struct fp_mempool *mp) { return mp ? mp->sh->obj_size : 0; }
uint32_t fp_mempool_count(const struct fp_mempool *mp) { return mp ? mp->sh->count : 0; }
uint64_t fp_mempool_payload_base(const struct fp_mempool *mp) { return mp ? payload_off(mp, 0) : 0; }
uint32_t fp_mempool_stride(const struct fp_mempool *mp) { return mp ? mp->sh->stride : 0; }
