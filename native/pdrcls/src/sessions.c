/* Session front end: TEID -> session and UE IPv4 -> session open-addressing tables in front
 * of one classifier per session, safe for lock-free readers.
 *
 * Publication: table slots and session->cls are atomic pointers. A writer (serialised by
 * `wlock`) never modifies anything a reader may be looking at: rule changes go to a clone
 * that replaces the old classifier with one store; removed sessions leave a tombstone;
 * growing a table builds a new one and swaps the table pointer. What is unlinked is
 * "retired" with the epoch after the swap and freed once every reader is either outside a
 * lookup or entered it after that epoch (then it cannot hold the old pointer). */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TOMB ((struct sess *)(uintptr_t)1)

struct sess {
	uint64_t seid;
	uint32_t teid, ue_ip4;
	_Atomic(struct pdrcls *) cls;
};

enum tkey { BY_TEID, BY_UE, BY_SEID };

struct stable {
	size_t cap, used; /* used = live + tombstones; cap is a power of two */
	enum tkey by;
	_Atomic(struct sess *) slot[];
};

enum rtype { R_CLS, R_SESS, R_TABLE };

struct retired {
	void *ptr;
	enum rtype type;
	uint64_t epoch;
	struct retired *next;
};

struct reader {
	_Atomic uint64_t active; /* 0 = outside a lookup, else the epoch seen on entry */
	_Atomic int used;
	/* written only by the owning reader (relaxed stores), summed by pdrsess_stats() */
	_Atomic uint64_t probes, lookups, no_session;
	char pad[64 - 4 * sizeof(uint64_t) - sizeof(int)]; /* one cache line per reader */
};

struct pdrsess {
	int kind;
	pthread_mutex_t wlock;
	_Atomic(struct stable *) tab[3];
	_Atomic uint64_t epoch;
	size_t count;
	struct retired *retired;
	struct reader readers[PDRSESS_MAX_READERS];
};

static inline uint64_t key_of(const struct sess *x, enum tkey by)
{
	return by == BY_TEID ? x->teid : by == BY_UE ? x->ue_ip4 : x->seid;
}

static inline size_t home(uint64_t k, size_t cap)
{
	k ^= k >> 31;
	k *= 0x9E3779B97F4A7C15ull;
	return (size_t)(k >> 17) & (cap - 1);
}

static struct stable *table_new(size_t cap, enum tkey by)
{
	struct stable *t = calloc(1, sizeof(*t) + cap * sizeof(t->slot[0]));
	if (t) {
		t->cap = cap;
		t->by = by;
	}
	return t;
}

static struct sess *table_find(const struct stable *t, uint64_t k)
{
	for (size_t i = home(k, t->cap), n = 0; n < t->cap; i = (i + 1) & (t->cap - 1), n++) {
		struct sess *x = atomic_load_explicit(&t->slot[i], memory_order_acquire);
		if (!x)
			return NULL;
		if (x != TOMB && key_of(x, t->by) == k)
			return x;
	}
	return NULL;
}

/* Writer only: t has room (see table_reserve). */
static void table_put(struct stable *t, struct sess *x)
{
	size_t i = home(key_of(x, t->by), t->cap);
	while (atomic_load_explicit(&t->slot[i], memory_order_relaxed) != NULL)
		i = (i + 1) & (t->cap - 1);
	t->used++;
	atomic_store_explicit(&t->slot[i], x, memory_order_release);
}

static void table_tomb(struct stable *t, struct sess *x)
{
	size_t i = home(key_of(x, t->by), t->cap);
	while (atomic_load_explicit(&t->slot[i], memory_order_relaxed) != x)
		i = (i + 1) & (t->cap - 1);
	atomic_store_explicit(&t->slot[i], TOMB, memory_order_release);
}

static void retire(struct pdrsess *s, void *ptr, enum rtype type);

/* Makes room for one more entry: rebuilds (bigger, or just without tombstones) and swaps. */
static int table_reserve(struct pdrsess *s, int which)
{
	struct stable *t = atomic_load_explicit(&s->tab[which], memory_order_relaxed);
	if ((t->used + 1) * 2 <= t->cap)
		return 0;
	size_t live = 0;
	for (size_t i = 0; i < t->cap; i++) {
		struct sess *x = atomic_load_explicit(&t->slot[i], memory_order_relaxed);
		live += x && x != TOMB;
	}
	size_t cap = t->cap;
	while ((live + 1) * 4 > cap) /* after a rebuild the table is at most 1/4 full */
		cap *= 2;
	struct stable *nt = table_new(cap, t->by);
	if (!nt)
		return PDRCLS_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct sess *x = atomic_load_explicit(&t->slot[i], memory_order_relaxed);
		if (x && x != TOMB)
			table_put(nt, x);
	}
	atomic_store(&s->tab[which], nt);
	retire(s, t, R_TABLE);
	return 0;
}

static void free_retired(struct retired *r)
{
	if (r->type == R_CLS)
		pdrcls_destroy(r->ptr);
	else
		free(r->ptr);
	free(r);
}

static void retire(struct pdrsess *s, void *ptr, enum rtype type)
{
	struct retired *r = malloc(sizeof(*r));
	uint64_t e = atomic_fetch_add(&s->epoch, 1) + 1; /* after the unlinking store */
	if (!r) {
		/* cannot queue it: wait for every reader to leave, then free now */
		for (int i = 0; i < PDRSESS_MAX_READERS; i++)
			while (1) {
				uint64_t a = atomic_load(&s->readers[i].active);
				if (a == 0 || a >= e)
					break;
			}
		struct retired tmp = { ptr, type, e, NULL };
		if (type == R_CLS)
			pdrcls_destroy(tmp.ptr);
		else
			free(tmp.ptr);
		return;
	}
	r->ptr = ptr;
	r->type = type;
	r->epoch = e;
	r->next = s->retired;
	s->retired = r;
}

static int reclaim_locked(struct pdrsess *s)
{
	uint64_t oldest = UINT64_MAX;
	for (int i = 0; i < PDRSESS_MAX_READERS; i++) {
		uint64_t a = atomic_load(&s->readers[i].active);
		if (a && a < oldest)
			oldest = a;
	}
	int waiting = 0;
	for (struct retired **pp = &s->retired; *pp;) {
		struct retired *r = *pp;
		if (r->epoch <= oldest) {
			*pp = r->next;
			free_retired(r);
		} else {
			pp = &r->next;
			waiting++;
		}
	}
	return waiting;
}

int pdrsess_reclaim(struct pdrsess *s)
{
	if (!s)
		return PDRCLS_EINVAL;
	pthread_mutex_lock(&s->wlock);
	int w = reclaim_locked(s);
	pthread_mutex_unlock(&s->wlock);
	return w;
}

uint64_t pdrsess_epoch(const struct pdrsess *s)
{
	return s ? atomic_load(&((struct pdrsess *)s)->epoch) : 0;
}

struct pdrsess *pdrsess_create(int kind, uint32_t expected_sessions)
{
	if (kind < 0 || kind >= PDRCLS_KIND_COUNT)
		return NULL;
	struct pdrsess *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	size_t cap = 16;
	while (cap < (size_t)expected_sessions * 4)
		cap *= 2;
	s->kind = kind;
	atomic_init(&s->epoch, 1);
	pthread_mutex_init(&s->wlock, NULL);
	for (int i = 0; i < 3; i++) {
		struct stable *t = table_new(cap, (enum tkey)i);
		if (!t) {
			for (int j = 0; j < i; j++)
				free(atomic_load(&s->tab[j]));
			pthread_mutex_destroy(&s->wlock);
			free(s);
			return NULL;
		}
		atomic_init(&s->tab[i], t);
	}
	return s;
}

void pdrsess_destroy(struct pdrsess *s)
{
	if (!s)
		return;
	struct stable *bys = atomic_load(&s->tab[BY_SEID]);
	for (size_t i = 0; i < bys->cap; i++) {
		struct sess *x = atomic_load(&bys->slot[i]);
		if (x && x != TOMB) {
			pdrcls_destroy(atomic_load(&x->cls));
			free(x);
		}
	}
	for (int i = 0; i < 3; i++)
		free(atomic_load(&s->tab[i]));
	while (s->retired) {
		struct retired *r = s->retired;
		s->retired = r->next;
		free_retired(r);
	}
	pthread_mutex_destroy(&s->wlock);
	free(s);
}

int pdrsess_add(struct pdrsess *s, uint64_t seid, uint32_t teid, uint32_t ue_ip4)
{
	if (!s || seid == 0)
		return PDRCLS_EINVAL;
	int rc = 0;
	pthread_mutex_lock(&s->wlock);
	if (table_find(atomic_load(&s->tab[BY_SEID]), seid) ||
	    (teid && table_find(atomic_load(&s->tab[BY_TEID]), teid)) ||
	    (ue_ip4 && table_find(atomic_load(&s->tab[BY_UE]), ue_ip4))) {
		rc = PDRCLS_EEXIST;
		goto out;
	}
	if ((rc = table_reserve(s, BY_SEID)) || (rc = table_reserve(s, BY_TEID)) ||
	    (rc = table_reserve(s, BY_UE)))
		goto out;
	struct sess *x = calloc(1, sizeof(*x));
	struct pdrcls *c = pdrcls_create(s->kind);
	if (!x || !c) {
		free(x);
		pdrcls_destroy(c);
		rc = PDRCLS_ENOMEM;
		goto out;
	}
	x->seid = seid;
	x->teid = teid;
	x->ue_ip4 = ue_ip4;
	atomic_init(&x->cls, c);
	table_put(atomic_load(&s->tab[BY_SEID]), x);
	if (teid)
		table_put(atomic_load(&s->tab[BY_TEID]), x);
	if (ue_ip4)
		table_put(atomic_load(&s->tab[BY_UE]), x);
	s->count++;
out:
	reclaim_locked(s);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int pdrsess_remove(struct pdrsess *s, uint64_t seid)
{
	if (!s)
		return PDRCLS_EINVAL;
	int rc = 0;
	pthread_mutex_lock(&s->wlock);
	struct sess *x = table_find(atomic_load(&s->tab[BY_SEID]), seid);
	if (!x) {
		rc = PDRCLS_ENOENT;
		goto out;
	}
	table_tomb(atomic_load(&s->tab[BY_SEID]), x);
	if (x->teid)
		table_tomb(atomic_load(&s->tab[BY_TEID]), x);
	if (x->ue_ip4)
		table_tomb(atomic_load(&s->tab[BY_UE]), x);
	s->count--;
	retire(s, atomic_load(&x->cls), R_CLS);
	retire(s, x, R_SESS);
out:
	reclaim_locked(s);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int pdrsess_apply(struct pdrsess *s, uint64_t seid, const struct pdr_rule *adds, size_t n_add,
		  const uint32_t *del_ids, size_t n_del)
{
	if (!s || (n_add && !adds) || (n_del && !del_ids))
		return PDRCLS_EINVAL;
	int rc = 0;
	pthread_mutex_lock(&s->wlock);
	struct sess *x = table_find(atomic_load(&s->tab[BY_SEID]), seid);
	if (!x) {
		rc = PDRCLS_ENOENT;
		goto out;
	}
	struct pdrcls *cur = atomic_load(&x->cls);
	struct pdrcls *shadow = pdrcls_clone(cur, -1);
	if (!shadow) {
		rc = PDRCLS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_del && !rc; i++)
		rc = pdrcls_delete(shadow, del_ids[i]);
	for (size_t i = 0; i < n_add && !rc; i++)
		rc = pdrcls_insert(shadow, &adds[i]);
	if (rc) {
		pdrcls_destroy(shadow);
		goto out;
	}
	atomic_store(&x->cls, shadow); /* the whole batch becomes visible at once */
	retire(s, cur, R_CLS);
out:
	reclaim_locked(s);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int pdrsess_rule_count(struct pdrsess *s, uint64_t seid)
{
	if (!s)
		return PDRCLS_EINVAL;
	pthread_mutex_lock(&s->wlock);
	struct sess *x = table_find(atomic_load(&s->tab[BY_SEID]), seid);
	int n = x ? (int)atomic_load(&x->cls)->ids.count : PDRCLS_ENOENT;
	pthread_mutex_unlock(&s->wlock);
	return n;
}

int pdrsess_count(const struct pdrsess *s) { return s ? (int)s->count : PDRCLS_EINVAL; }

int pdrsess_reader_register(struct pdrsess *s)
{
	if (!s)
		return PDRCLS_EINVAL;
	for (int i = 0; i < PDRSESS_MAX_READERS; i++) {
		int expect = 0;
		if (atomic_compare_exchange_strong(&s->readers[i].used, &expect, 1))
			return i;
	}
	return PDRCLS_ENOSPC;
}

void pdrsess_reader_unregister(struct pdrsess *s, int reader)
{
	if (!s || reader < 0 || reader >= PDRSESS_MAX_READERS)
		return;
	atomic_store(&s->readers[reader].active, 0);
	atomic_store(&s->readers[reader].used, 0);
}

int pdrsess_classify_batch(struct pdrsess *s, int reader, int dir, const struct pdr_key *keys,
			   size_t n, struct pdrsess_match *out)
{
	if (!s || reader < 0 || reader >= PDRSESS_MAX_READERS ||
	    !atomic_load_explicit(&s->readers[reader].used, memory_order_relaxed) ||
	    (dir != PDRSESS_UPLINK && dir != PDRSESS_DOWNLINK) || (n && (!keys || !out)))
		return PDRCLS_EINVAL;
	struct reader *r = &s->readers[reader];
	/* seq_cst store then seq_cst loads: a writer that sees us outside (0) or at a newer
	 * epoch knows we will read the new pointers */
	atomic_store(&r->active, atomic_load(&s->epoch));
	const struct stable *t = atomic_load(&s->tab[dir == PDRSESS_UPLINK ? BY_TEID : BY_UE]);
	int dim = dir == PDRSESS_UPLINK ? PDR_DIM_TEID : PDR_DIM_UE_IP4;
	int hits = 0;
	uint32_t ids[64];
	uint64_t cookies[64], probes = 0, missed = 0;
	for (size_t i = 0; i < n;) {
		uint32_t k = keys[i].v[dim];
		struct sess *x = k ? table_find(t, k) : NULL;
		if (!x) {
			out[i] = (struct pdrsess_match){ 0, 0, PDR_ID_NONE, 0 };
			i++;
			missed++;
			continue;
		}
		/* classify the run of consecutive keys of this session as one batch */
		size_t j = i + 1;
		while (j < n && j - i < 64 && keys[j].v[dim] == k)
			j++;
		struct pdrcls *c = atomic_load(&x->cls);
		int h = pdrcls_classify_counted(c, keys + i, j - i, ids, cookies, &probes);
		hits += h > 0 ? h : 0;
		for (size_t m = i; m < j; m++)
			out[m] = (struct pdrsess_match){ x->seid, cookies[m - i], ids[m - i], 0 };
		i = j;
	}
	atomic_store_explicit(&r->active, 0, memory_order_release);
	/* only this thread writes its slot: load + store, no locked read-modify-write */
	atomic_store_explicit(&r->probes, atomic_load_explicit(&r->probes, memory_order_relaxed) + probes, memory_order_relaxed);
	atomic_store_explicit(&r->lookups, atomic_load_explicit(&r->lookups, memory_order_relaxed) + n, memory_order_relaxed);
	atomic_store_explicit(&r->no_session, atomic_load_explicit(&r->no_session, memory_order_relaxed) + missed, memory_order_relaxed);
	return hits;
}

int pdrsess_stats(const struct pdrsess *s, struct pdrsess_stats *out)
{
	if (!s || !out)
		return PDRCLS_EINVAL;
	memset(out, 0, sizeof(*out));
	out->sessions = s->count;
	out->kind = (uint32_t)s->kind;
	/* counters of released reader slots stay in their slot (a re-register keeps adding) */
	for (int i = 0; i < PDRSESS_MAX_READERS; i++) {
		const struct reader *r = &s->readers[i];
		out->probes += atomic_load_explicit(&r->probes, memory_order_relaxed);
		out->lookups += atomic_load_explicit(&r->lookups, memory_order_relaxed);
		out->no_session += atomic_load_explicit(&r->no_session, memory_order_relaxed);
	}
	return 0;
}
