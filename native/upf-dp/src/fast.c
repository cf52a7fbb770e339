/* Session fast path: one cache line per lookup for sessions whose rules need no classifier.
 *
 * At 100K sessions the pdrcls front end costs several cache misses per packet (TEID/UE hash,
 * session, its classifier, the classifier's nodes) and writes its per-classifier counters on
 * every lookup (dirty lines; after a fork(), a copy-on-write fault per session page). Most
 * sessions have one uplink PDR (match the TEID, decapsulate) and one downlink PDR (match the UE
 * address); for those, the answer per direction is fixed: this table maps TEID (uplink) / UE
 * IPv4 (downlink) straight to (SEID, PDR id, cookie), plus up to FAST_CHECKS range checks for
 * the few other dimensions the PDR names (e.g. a QFI). The data path prefetches a batch's
 * slots, reads them without writing, and sends whatever misses, fails a check, or races with an
 * update to pdrsess as before — so the answer is always the classifier's.
 *
 * Eligible direction of a session: exactly one of its rules can match that direction (its
 * SRC_IFACE range holds the direction's interface), the rule's TEID / UE range holds the
 * session's TEID / UE address, and at most FAST_CHECKS other dimensions are not "any".
 *
 * Concurrency: one writer at a time (fast_lock; the control plane), one seqcount per slot;
 * readers retry nothing: an odd or changed count sends the packet to pdrsess. Entries are
 * written after pdrsess_apply() and removed before pdrsess_remove(), so a reader sees the old
 * or the new rule set of a session, never a mix. */
#include "dp_internal.h"

#include <stdlib.h>
#include <string.h>

#define FAST_PROBES 16
#define FAST_TOMB 0xffffffffu /* a deleted key (keys 0 and ~0 never get an entry) */

struct fast_tab {
	uint32_t mask, used; /* used: live + deleted slots (growth trigger) */
	struct fast_tab *older; /* replaced tables, freed with the data path (readers may hold them) */
	uint8_t pad[48];
	struct fast_ent e[];
};

struct shadow {
	uint64_t seid; /* 0 = empty */
	uint32_t teid, ue;
	uint32_t n, cap;
	struct pdr_rule *rules;
};

static inline uint32_t hash32(uint32_t k)
{
	k ^= k >> 16;
	k *= 0x7feb352dU;
	k ^= k >> 15;
	k *= 0x846ca68bU;
	k ^= k >> 16;
	return k;
}

static inline uint64_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static struct fast_tab *tab_new(uint32_t cap)
{
	struct fast_tab *t = aligned_alloc(64, sizeof(*t) + (size_t)cap * sizeof(struct fast_ent));
	if (t) {
		memset(t, 0, sizeof(*t) + (size_t)cap * sizeof(struct fast_ent));
		t->mask = cap - 1;
	}
	return t;
}

int dp_fast_init(struct upf_dp *dp, uint32_t expected_sessions)
{
	uint32_t cap = 1024;
	while (cap < 2 * expected_sessions && cap < (1u << 24))
		cap <<= 1;
	dp->fast_on = 1;
	pthread_mutex_init(&dp->fast_lock, NULL);
	for (int d = 0; d < 2; d++) {
		struct fast_tab *t = tab_new(cap);
		if (!t)
			return UPF_ENOMEM;
		atomic_store(&dp->fast[d], t);
	}
	dp->shadow_cap = 1024;
	dp->shadows = calloc(dp->shadow_cap, sizeof(struct shadow));
	return dp->shadows ? 0 : UPF_ENOMEM;
}

void dp_fast_free(struct upf_dp *dp)
{
	for (int d = 0; d < 2; d++) {
		struct fast_tab *t = atomic_load(&dp->fast[d]);
		while (t) {
			struct fast_tab *o = t->older;
			free(t);
			t = o;
		}
	}
	if (dp->shadows)
		for (uint32_t i = 0; i < dp->shadow_cap; i++)
			free(dp->shadows[i].rules);
	free(dp->shadows);
	pthread_mutex_destroy(&dp->fast_lock);
}

/* ---- shadow copies of each session's rules (writer side only) ---- */

static struct shadow *shadow_slot(struct upf_dp *dp, uint64_t seid, int create);

static int shadow_grow(struct upf_dp *dp)
{
	struct shadow *old = dp->shadows;
	uint32_t oc = dp->shadow_cap;
	dp->shadows = calloc((size_t)oc * 2, sizeof(struct shadow));
	if (!dp->shadows) {
		dp->shadows = old;
		return UPF_ENOMEM;
	}
	dp->shadow_cap = oc * 2;
	dp->shadow_count = 0;
	for (uint32_t i = 0; i < oc; i++)
		if (old[i].seid)
			*shadow_slot(dp, old[i].seid, 1) = old[i];
	free(old);
	return 0;
}

/* Linear probing with backward-shift deletion (no tombstones). */
static struct shadow *shadow_slot(struct upf_dp *dp, uint64_t seid, int create)
{
	uint32_t m = dp->shadow_cap - 1;
	for (uint32_t i = (uint32_t)hash64(seid) & m;; i = (i + 1) & m) {
		struct shadow *s = &dp->shadows[i];
		if (s->seid == seid)
			return s;
		if (!s->seid) {
			if (!create)
				return NULL;
			s->seid = seid;
			dp->shadow_count++;
			return s;
		}
	}
}

static void shadow_delete(struct upf_dp *dp, struct shadow *s)
{
	uint32_t m = dp->shadow_cap - 1, i = (uint32_t)(s - dp->shadows);
	free(s->rules);
	memset(s, 0, sizeof(*s));
	dp->shadow_count--;
	for (uint32_t j = (i + 1) & m; dp->shadows[j].seid; j = (j + 1) & m) {
		uint32_t h = (uint32_t)hash64(dp->shadows[j].seid) & m;
		/* move j back to the hole at i when its home is not in (i, j] */
		if (((j - h) & m) >= ((j - i) & m)) {
			dp->shadows[i] = dp->shadows[j];
			memset(&dp->shadows[j], 0, sizeof(dp->shadows[j]));
			i = j;
		}
	}
}

/* ---- the lookup tables ---- */

static struct fast_ent *fast_find_slot(struct upf_dp *dp, int dir, uint32_t key, int for_insert)
{
	struct fast_tab *t = atomic_load_explicit(&dp->fast[dir], memory_order_relaxed);
	uint32_t h = hash32(key) & t->mask;
	struct fast_ent *free_slot = NULL;
	for (uint32_t p = 0; p < FAST_PROBES; p++) {
		struct fast_ent *e = &t->e[(h + p) & t->mask];
		if (e->key == key)
			return e;
		if ((e->key == 0 || e->key == FAST_TOMB) && !free_slot)
			free_slot = e;
		if (e->key == 0)
			break;
	}
	return for_insert ? free_slot : NULL;
}

static void fast_write(struct fast_ent *e, const struct fast_ent *v)
{
	uint32_t s = atomic_load_explicit(&e->seq, memory_order_relaxed);
	atomic_store_explicit(&e->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	e->key = v->key;
	e->nchk = v->nchk;
	e->seid = v->seid;
	e->cookie = v->cookie;
	e->pdr_id = v->pdr_id;
	memcpy(e->dim, v->dim, sizeof(e->dim));
	memcpy(e->lo, v->lo, sizeof(e->lo));
	memcpy(e->hi, v->hi, sizeof(e->hi));
	atomic_store_explicit(&e->seq, s + 2, memory_order_release);
}

static void fast_del(struct upf_dp *dp, int dir, uint32_t key)
{
	if (!key || key == FAST_TOMB)
		return;
	struct fast_ent *e = fast_find_slot(dp, dir, key, 0);
	if (!e)
		return;
	struct fast_ent v = { .key = FAST_TOMB };
	fast_write(e, &v);
	dp->fast_entries--;
}

static void fast_grow(struct upf_dp *dp, int force_dir);

/* The fast entry for one direction of a session, or none. */
static void fast_rebuild_dir(struct upf_dp *dp, const struct shadow *s, int dir)
{
	uint32_t key = dir == 0 ? s->teid : s->ue;
	int kdim = dir == 0 ? PDR_DIM_TEID : PDR_DIM_UE_IP4;
	if (!key || key == FAST_TOMB)
		return;
	const struct pdr_rule *only = NULL;
	int cands = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct pdr_rule *r = &s->rules[i];
		uint32_t iface = dir == 0 ? UPF_IF_ACCESS : UPF_IF_CORE;
		if (r->lo[PDR_DIM_SRC_IFACE] <= iface && iface <= r->hi[PDR_DIM_SRC_IFACE]) {
			cands++;
			only = r;
		}
	}
	struct fast_ent v = { .key = key };
	int ok = cands == 1 && only->lo[kdim] <= key && key <= only->hi[kdim];
	for (int d = 0; ok && d < PDR_DIMS; d++) {
		if (d == PDR_DIM_SRC_IFACE || d == kdim || (only->lo[d] == 0 && only->hi[d] >= pdr_dim_max(d)))
			continue;
		if (v.nchk == FAST_CHECKS) {
			ok = 0;
			break;
		}
		v.dim[v.nchk] = (uint8_t)d;
		v.lo[v.nchk] = only->lo[d];
		v.hi[v.nchk] = only->hi[d];
		v.nchk++;
	}
	struct fast_ent *e = fast_find_slot(dp, dir, key, ok);
	if (ok && !e) {
		fast_grow(dp, dir); /* no free slot within FAST_PROBES: a bigger table, once */
		e = fast_find_slot(dp, dir, key, ok);
	}
	if (!ok || !e) {
		if (e)
			fast_del(dp, dir, key);
		return;
	}
	v.seid = s->seid;
	v.cookie = only->cookie;
	v.pdr_id = only->pdr_id;
	if (e->key != key) {
		dp->fast_entries++;
		if (e->key == 0)
			atomic_load_explicit(&dp->fast[dir], memory_order_relaxed)->used++;
	}
	fast_write(e, &v);
}

/* Half full (counting deleted slots): a table twice as big, filled from the shadows, then
 * published with one pointer store; the old one stays allocated for readers still in it. */
static void fast_grow(struct upf_dp *dp, int force_dir)
{
	int grown = 0;
	for (int d = 0; d < 2; d++) {
		struct fast_tab *t = atomic_load_explicit(&dp->fast[d], memory_order_relaxed);
		if (t->used * 2 <= t->mask + 1 && d != force_dir)
			continue;
		uint32_t cap = t->mask + 1;
		uint32_t live = 0;
		for (uint32_t i = 0; i <= t->mask; i++)
			live += t->e[i].key != 0 && t->e[i].key != FAST_TOMB;
		while (cap < 4 * live + 1024 && cap < (1u << 26))
			cap <<= 1;
		if (d == force_dir && cap == t->mask + 1 && cap < (1u << 26))
			cap <<= 1; /* a probe run too long: spread it */
		struct fast_tab *n = tab_new(cap);
		if (!n)
			return; /* keeps the full table: more sessions take the slow path */
		for (uint32_t i = 0; i <= t->mask; i++) {
			const struct fast_ent *e = &t->e[i];
			if (e->key == 0 || e->key == FAST_TOMB)
				continue;
			uint32_t h = hash32(e->key) & n->mask;
			for (uint32_t p = 0; p < FAST_PROBES; p++) {
				struct fast_ent *x = &n->e[(h + p) & n->mask];
				if (x->key == 0) {
					memcpy((uint8_t *)x + sizeof(x->seq), (const uint8_t *)e + sizeof(e->seq), sizeof(*e) - sizeof(e->seq));
					n->used++;
					break;
				}
			}
		}
		n->older = t;
		atomic_store_explicit(&dp->fast[d], n, memory_order_release);
		grown = 1;
	}
	if (!grown)
		return;
	/* entries that found no slot within FAST_PROBES are simply not fast: recount */
	uint32_t cnt = 0;
	for (int d = 0; d < 2; d++) {
		struct fast_tab *t = atomic_load_explicit(&dp->fast[d], memory_order_relaxed);
		for (uint32_t i = 0; i <= t->mask; i++)
			cnt += t->e[i].key != 0 && t->e[i].key != FAST_TOMB;
	}
	dp->fast_entries = cnt;
}

int dp_fast_session_add(struct upf_dp *dp, uint64_t seid, uint32_t teid, uint32_t ue)
{
	pthread_mutex_lock(&dp->fast_lock);
	int rc = 0;
	if ((dp->shadow_count + 1) * 2 > dp->shadow_cap)
		rc = shadow_grow(dp);
	if (rc == 0) {
		struct shadow *s = shadow_slot(dp, seid, 1);
		s->teid = teid;
		s->ue = ue;
		s->n = 0;
	}
	pthread_mutex_unlock(&dp->fast_lock);
	return rc;
}

void dp_fast_session_remove(struct upf_dp *dp, uint64_t seid)
{
	pthread_mutex_lock(&dp->fast_lock);
	struct shadow *s = shadow_slot(dp, seid, 0);
	if (s) {
		fast_del(dp, 0, s->teid);
		fast_del(dp, 1, s->ue);
		shadow_delete(dp, s);
	}
	pthread_mutex_unlock(&dp->fast_lock);
}

/* After a successful pdrsess_apply(): the same deletions and insertions on the shadow copy. A
 * shadow that cannot follow (out of memory) drops the session's fast entries: slow but right. */
void dp_fast_apply(struct upf_dp *dp, uint64_t seid, const struct pdr_rule *adds, size_t n_add, const uint32_t *del_ids,
		   size_t n_del)
{
	pthread_mutex_lock(&dp->fast_lock);
	struct shadow *s = shadow_slot(dp, seid, 0);
	if (!s)
		goto out;
	for (size_t k = 0; k < n_del; k++)
		for (uint32_t i = 0; i < s->n; i++)
			if (s->rules[i].pdr_id == del_ids[k]) {
				s->rules[i] = s->rules[--s->n];
				break;
			}
	if (s->n + n_add > s->cap) {
		uint32_t nc = (uint32_t)(s->n + n_add);
		struct pdr_rule *r = realloc(s->rules, (size_t)nc * sizeof(*r));
		if (!r) {
			fast_del(dp, 0, s->teid);
			fast_del(dp, 1, s->ue);
			s->teid = s->ue = 0; /* never fast again */
			goto out;
		}
		s->rules = r;
		s->cap = nc;
	}
	if (n_add)
		memcpy(s->rules + s->n, adds, n_add * sizeof(*adds));
	s->n += (uint32_t)n_add;
	fast_grow(dp, -1);
	fast_rebuild_dir(dp, s, 0);
	fast_rebuild_dir(dp, s, 1);
out:
	pthread_mutex_unlock(&dp->fast_lock);
}

const struct fast_tab *dp_fast_table(const struct upf_dp *dp, int dir)
{
	return atomic_load_explicit(&((struct upf_dp *)dp)->fast[dir], memory_order_acquire);
}

void dp_fast_prefetch(const struct fast_tab *t, uint32_t key)
{
	__builtin_prefetch(&t->e[hash32(key) & t->mask]);
}

int dp_fast_lookup(const struct fast_tab *t, int dir, const struct pdr_key *k, struct pdrsess_match *out)
{
	uint32_t key = k->v[dir == 0 ? PDR_DIM_TEID : PDR_DIM_UE_IP4];
	if (!key || key == FAST_TOMB)
		return 0;
	uint32_t h = hash32(key) & t->mask;
	for (uint32_t p = 0; p < FAST_PROBES; p++) {
		const struct fast_ent *e = &t->e[(h + p) & t->mask];
		uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire);
		uint32_t ek = e->key;
		if (ek == 0)
			return 0;
		if (ek != key)
			continue;
		struct pdrsess_match m = { e->seid, e->cookie, e->pdr_id, 0 };
		int ok = 1;
		for (int c = 0; c < e->nchk && c < FAST_CHECKS; c++) {
			uint32_t v = k->v[e->dim[c] % PDR_DIMS];
			ok &= e->lo[c] <= v && v <= e->hi[c];
		}
		atomic_thread_fence(memory_order_acquire);
		if ((s1 & 1) || atomic_load_explicit(&e->seq, memory_order_relaxed) != s1 || !ok)
			return 0;
		*out = m;
		return 1;
	}
	return 0;
}

int upf_dp_set_fastpath(struct upf_dp *dp, int on)
{
	if (!dp)
		return UPF_EINVAL;
	atomic_store(&dp->fast_on, on != 0);
	return 0;
}

int upf_dp_fastpath_entries(struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->fast_lock);
	int n = (int)dp->fast_entries;
	pthread_mutex_unlock(&dp->fast_lock);
	return n;
}
