/* Min-heap of entries by rank: gives a sub-table's best rank in O(1) and keeps it right
 * under arbitrary deletes in O(log n) (entries carry their heap position). */
#include "internal.h"

static void set(struct rankheap *h, size_t i, struct pdr_entry *e)
{
	h->a[i] = e;
	e->heap_pos = (int32_t)i;
}

static void sift_up(struct rankheap *h, size_t i)
{
	struct pdr_entry *e = h->a[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (h->a[p]->rank <= e->rank)
			break;
		set(h, i, h->a[p]);
		i = p;
	}
	set(h, i, e);
}

static void sift_down(struct rankheap *h, size_t i)
{
	struct pdr_entry *e = h->a[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1]->rank < h->a[c]->rank)
			c++;
		if (e->rank <= h->a[c]->rank)
			break;
		set(h, i, h->a[c]);
		i = c;
	}
	set(h, i, e);
}

int rankheap_push(struct pdrcls *cls, struct rankheap *h, struct pdr_entry *e)
{
	if (h->n == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 4;
		struct pdr_entry **a = pc_realloc(cls, h->a, h->cap * sizeof(*a), ncap * sizeof(*a));
		if (!a)
			return PDRCLS_ENOMEM;
		h->a = a;
		h->cap = ncap;
	}
	h->a[h->n] = e;
	e->heap_pos = (int32_t)h->n;
	h->n++;
	sift_up(h, h->n - 1);
	return 0;
}

void rankheap_remove(struct rankheap *h, struct pdr_entry *e)
{
	size_t i = (size_t)e->heap_pos;
	e->heap_pos = -1;
	h->n--;
	if (i == h->n)
		return;
	set(h, i, h->a[h->n]);
	sift_up(h, i);
	sift_down(h, i); /* whatever now sits at i (moved up or not) may need to go down */
}

void rankheap_fini(struct pdrcls *cls, struct rankheap *h)
{
	pc_free(cls, h->a, h->cap * sizeof(*h->a));
	h->a = NULL;
	h->n = h->cap = 0;
}
