/* pdr_id -> stored entry: open addressing, linear probing, backward-shift deletion
 * (no tombstones, so lookups stay short after many deletes). */
#include "internal.h"

#include <string.h>

static inline size_t slot_of(uint32_t id, size_t cap)
{
	return (size_t)((id * 0x9E3779B1u) ^ (id >> 15)) & (cap - 1);
}

static int alloc_slots(struct pdrcls *cls, struct idmap *m, size_t cap)
{
	m->keys = pc_alloc(cls, cap * sizeof(*m->keys));
	m->vals = pc_alloc(cls, cap * sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		pc_free(cls, m->keys, cap * sizeof(*m->keys));
		pc_free(cls, m->vals, cap * sizeof(*m->vals));
		return PDRCLS_ENOMEM;
	}
	memset(m->keys, 0xff, cap * sizeof(*m->keys));
	m->cap = cap;
	m->count = 0;
	return 0;
}

int idmap_init(struct pdrcls *cls, struct idmap *m) { return alloc_slots(cls, m, 16); }

void idmap_fini(struct pdrcls *cls, struct idmap *m)
{
	pc_free(cls, m->keys, m->cap * sizeof(*m->keys));
	pc_free(cls, m->vals, m->cap * sizeof(*m->vals));
	memset(m, 0, sizeof(*m));
}

struct pdr_entry *idmap_get(const struct idmap *m, uint32_t id)
{
	for (size_t i = slot_of(id, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == id)
			return m->vals[i];
		if (m->keys[i] == PDR_ID_NONE)
			return NULL;
	}
}

static void place(struct idmap *m, uint32_t id, struct pdr_entry *e)
{
	size_t i = slot_of(id, m->cap);
	while (m->keys[i] != PDR_ID_NONE)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = id;
	m->vals[i] = e;
	m->count++;
}

int idmap_put(struct pdrcls *cls, struct idmap *m, struct pdr_entry *e)
{
	if ((m->count + 1) * 2 > m->cap) { /* keep load <= 1/2 */
		struct idmap old = *m;
		if (alloc_slots(cls, m, old.cap * 2)) {
			*m = old;
			return PDRCLS_ENOMEM;
		}
		for (size_t i = 0; i < old.cap; i++)
			if (old.keys[i] != PDR_ID_NONE)
				place(m, old.keys[i], old.vals[i]);
		idmap_fini(cls, &old);
	}
	place(m, e->rule.pdr_id, e);
	return 0;
}

void idmap_del(struct idmap *m, uint32_t id)
{
	size_t mask = m->cap - 1, i = slot_of(id, m->cap);
	while (m->keys[i] != id) {
		if (m->keys[i] == PDR_ID_NONE)
			return;
		i = (i + 1) & mask;
	}
	/* shift later members of the probe run back into the hole when their home allows it */
	for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		if (m->keys[j] == PDR_ID_NONE)
			break;
		size_t home = slot_of(m->keys[j], m->cap);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = PDR_ID_NONE;
	m->vals[i] = NULL;
	m->count--;
}
