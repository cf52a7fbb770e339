/* FAR / QER / URR slot tables, the bounded downlink buffer pool and the event ring.
 * Every function here runs with tables_lock held (callers in io.c and pipeline.c take it). */
#include "dp_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t dp_now_ns(const struct upf_dp *dp)
{
	uint64_t fixed = atomic_load_explicit(&dp->fixed_now, memory_order_relaxed);
	if (fixed)
		return fixed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dp_tables_init(struct upf_dp *dp, uint32_t max_slots, uint32_t pool, uint32_t default_buffer)
{
	dp->max_slots = max_slots;
	dp->default_buffer = default_buffer ? default_buffer : 16;
	dp->fars = calloc(max_slots, sizeof(*dp->fars));
	dp->qers = calloc(max_slots, sizeof(*dp->qers));
	dp->urrs = calloc(max_slots, sizeof(*dp->urrs));
	dp->events = calloc(EVENT_RING, sizeof(*dp->events));
	dp->pool_size = pool;
	dp->pool = pool ? malloc((size_t)pool * sizeof(*dp->pool)) : NULL;
	if (!dp->fars || !dp->qers || !dp->urrs || !dp->events || (pool && !dp->pool))
		return UPF_ENOMEM;
	for (uint32_t i = 0; i < pool; i++)
		dp->pool[i].next = i + 1 < pool ? (int32_t)(i + 1) : -1;
	dp->pool_free = pool ? 0 : -1;
	dp->flush_head = dp->flush_tail = -1;
	return 0;
}

void dp_tables_free(struct upf_dp *dp)
{
	free(dp->fars);
	free(dp->qers);
	free(dp->urrs);
	free(dp->timed);
	free(dp->events);
	free(dp->pool);
}

void dp_push_event(struct upf_dp *dp, const struct upf_event *ev)
{
	if (dp->ev_count == EVENT_RING) {
		dp->st.events_lost++;
		return;
	}
	dp->events[(dp->ev_head + dp->ev_count) % EVENT_RING] = *ev;
	dp->ev_count++;
}

void dp_pool_put(struct upf_dp *dp, int32_t idx)
{
	dp->pool[idx].next = dp->pool_free;
	dp->pool_free = idx;
}

int dp_buffer(struct upf_dp *dp, int32_t far, const uint8_t *p, uint32_t len)
{
	struct far_slot *f = &dp->fars[far];
	uint16_t max = f->cfg.buffer_max ? f->cfg.buffer_max : (uint16_t)dp->default_buffer;
	if (f->nbuf >= max || dp->pool_free < 0 || len > UPF_DP_MAX_PKT)
		return UPF_DROP_BUFFER_FULL;
	int32_t idx = dp->pool_free;
	struct bufpkt *b = &dp->pool[idx];
	dp->pool_free = b->next;
	b->next = -1;
	b->len = (uint16_t)len;
	memcpy(b->data, p, len);
	if (f->buf_tail >= 0)
		dp->pool[f->buf_tail].next = idx;
	else
		f->buf_head = idx;
	f->buf_tail = idx;
	f->nbuf++;
	dp->st.buffered++;
	if ((f->cfg.action & UPF_ACT_NOCP) && !f->notified) {
		struct upf_event ev = { .type = UPF_EV_DL_DATA, .id = f->cfg.pdr_id, .seid = f->cfg.seid };
		dp_push_event(dp, &ev);
		f->notified = 1;
	}
	return 0;
}

/* Moves a FAR's buffered packets to the flush queue (they re-enter the downlink pipeline). */
static void release_buffer(struct upf_dp *dp, struct far_slot *f, int drop)
{
	for (int32_t i = f->buf_head; i >= 0;) {
		int32_t next = dp->pool[i].next;
		if (drop) {
			dp_pool_put(dp, i);
			dp->st.drops[UPF_DROP_BUFFER_FULL]++;
		} else {
			dp->pool[i].next = -1;
			if (dp->flush_tail >= 0)
				dp->pool[dp->flush_tail].next = i;
			else
				dp->flush_head = i;
			dp->flush_tail = i;
		}
		i = next;
	}
	f->buf_head = f->buf_tail = -1;
	f->nbuf = 0;
	f->notified = 0;
}

int32_t dp_flush_pop(struct upf_dp *dp)
{
	int32_t i = dp->flush_head;
	if (i >= 0) {
		dp->flush_head = dp->pool[i].next;
		if (dp->flush_head < 0)
			dp->flush_tail = -1;
	}
	return i;
}

static int32_t find_free(uint8_t used_at(const void *, uint32_t), const void *tab, uint32_t n, int32_t *hint)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = ((uint32_t)*hint + k) % n;
		if (!used_at(tab, i)) {
			*hint = (int32_t)((i + 1) % n);
			return (int32_t)i;
		}
	}
	return UPF_ENOSPC;
}
static uint8_t far_used(const void *t, uint32_t i) { return ((const struct far_slot *)t)[i].used; }
static uint8_t qer_used(const void *t, uint32_t i) { return ((const struct qer_slot *)t)[i].used; }
static uint8_t urr_used(const void *t, uint32_t i) { return ((const struct urr_slot *)t)[i].used; }
int32_t find_free_urr(struct upf_dp *dp) { return find_free(urr_used, dp->urrs, dp->max_slots, &dp->urr_hint); }

int upf_dp_far_set(struct upf_dp *dp, int32_t slot, const struct upf_far *far)
{
	if (!dp || !far || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	if (far->ohc_gtpu && far->peer_ip4 == 0)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	if (slot < 0) {
		slot = find_free(far_used, dp->fars, dp->max_slots, &dp->far_hint);
		if (slot < 0) {
			pthread_mutex_unlock(&dp->tables_lock);
			return slot;
		}
		dp->fars[slot].buf_head = dp->fars[slot].buf_tail = -1;
		dp->fars[slot].nbuf = 0;
		dp->fars[slot].notified = 0;
	} else if (!dp->fars[slot].used) {
		pthread_mutex_unlock(&dp->tables_lock);
		return UPF_ENOENT;
	}
	struct far_slot *f = &dp->fars[slot];
	f->cfg = *far;
	f->used = 1;
	if (!(far->action & UPF_ACT_BUFF) && f->nbuf > 0)
		release_buffer(dp, f, !(far->action & UPF_ACT_FORW));
	pthread_mutex_unlock(&dp->tables_lock);
	return slot;
}

int upf_dp_far_del(struct upf_dp *dp, int32_t slot)
{
	if (!dp || slot < 0 || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	int rc = dp->fars[slot].used ? 0 : UPF_ENOENT;
	if (rc == 0) {
		release_buffer(dp, &dp->fars[slot], 1);
		dp->fars[slot].used = 0;
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return rc;
}

int upf_dp_far_buffered(struct upf_dp *dp, int32_t slot)
{
	if (!dp || slot < 0 || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	int n = dp->fars[slot].used ? dp->fars[slot].nbuf : UPF_ENOENT;
	pthread_mutex_unlock(&dp->tables_lock);
	return n;
}

int upf_dp_qer_set(struct upf_dp *dp, int32_t slot, const struct upf_qer *qer)
{
	if (!dp || !qer || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	if (slot < 0)
		slot = find_free(qer_used, dp->qers, dp->max_slots, &dp->qer_hint);
	else if (!dp->qers[slot].used)
		slot = UPF_ENOENT;
	if (slot >= 0) {
		struct qer_slot *q = &dp->qers[slot];
		q->cfg = *qer;
		q->used = 1;
		q->tokens_mb[0] = q->tokens_mb[1] = -1; /* refilled to a full burst on first use */
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return slot;
}

int upf_dp_qer_del(struct upf_dp *dp, int32_t slot)
{
	if (!dp || slot < 0 || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	int rc = dp->qers[slot].used ? 0 : UPF_ENOENT;
	dp->qers[slot].used = 0;
	pthread_mutex_unlock(&dp->tables_lock);
	return rc;
}

int upf_dp_poll_events(struct upf_dp *dp, struct upf_event *out, int cap)
{
	if (!dp || (!out && cap > 0) || cap < 0)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	int n = 0;
	while (n < cap && dp->ev_count > 0) {
		out[n++] = dp->events[dp->ev_head];
		dp->ev_head = (dp->ev_head + 1) % EVENT_RING;
		dp->ev_count--;
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return n;
}

uint64_t upf_dp_cookie(uint32_t far_slot, int32_t qer_slot, int32_t urr_slot, int ohr)
{
	uint64_t c = far_slot & 0x3fffffu;
	if (qer_slot >= 0)
		c |= ((uint64_t)(qer_slot + 1) & 0xfffffu) << 22;
	if (urr_slot >= 0)
		c |= ((uint64_t)(urr_slot + 1) & 0xfffffu) << 42;
	if (ohr)
		c |= UPF_COOKIE_OHR;
	return c;
}
