/* Usage Reporting Rules: volume and duration measurement, thresholds and quotas (TS 29.244
 * 5.2.2), the list of URRs the periodic tick checks, and the data-path clock. */
#include "dp_internal.h"

#include <stdlib.h>
#include <string.h>

/* Duration not yet added to the counters: from where the measurement stands to now, but
 * not past the last packet + the Inactivity Detection Time when one is set. */
static uint64_t open_end(const struct urr_slot *u, uint64_t now)
{
	if (u->cfg.inactivity_ns && u->c.last_ns + u->cfg.inactivity_ns < now)
		return u->c.last_ns + u->cfg.inactivity_ns;
	return now;
}

static uint64_t open_ns(const struct urr_slot *u, uint64_t now)
{
	if (!u->c.last_ns)
		return 0; /* measurement starts with the first packet */
	uint64_t end = open_end(u, now);
	return end > u->measured_ns ? end - u->measured_ns : 0;
}

/* Moves the open duration into the counters. */
static void settle(struct urr_slot *u, uint64_t now)
{
	uint64_t add = open_ns(u, now);
	u->c.duration_ns += add;
	u->c.total_duration_ns += add;
	u->quota_ns += add;
	u->measured_ns += add;
}

/* Reports the period's counts; a threshold report restarts the period. */
static void report(struct upf_dp *dp, struct urr_slot *u, uint32_t trigger)
{
	struct upf_event ev = { .type = UPF_EV_USAGE, .id = u->cfg.urr_id, .seid = u->cfg.seid, .counts = u->c };
	ev.counts.trigger = trigger;
	dp_push_event(dp, &ev);
	struct upf_urr_counts *c = &u->c;
	c->ul_bytes = c->dl_bytes = c->ul_pkts = c->dl_pkts = c->duration_ns = 0;
	c->first_ns = 0;
}

/* Threshold and quota checks after the counters moved; returns events raised. */
static int check(struct upf_dp *dp, struct urr_slot *u)
{
	const struct upf_urr *cfg = &u->cfg;
	struct upf_urr_counts *c = &u->c;
	uint32_t quota = 0, thresh = 0;
	if (!c->quota_exhausted) {
		if (cfg->volume_quota && u->quota_bytes >= cfg->volume_quota)
			quota |= UPF_TRIG_VOLQU;
		if (cfg->time_quota_ns && u->quota_ns >= cfg->time_quota_ns)
			quota |= UPF_TRIG_TIMQU;
	}
	if (cfg->volume_threshold && c->ul_bytes + c->dl_bytes >= cfg->volume_threshold)
		thresh |= UPF_TRIG_VOLTH;
	if (cfg->time_threshold_ns && c->duration_ns >= cfg->time_threshold_ns)
		thresh |= UPF_TRIG_TIMTH;
	if (!(quota | thresh))
		return 0;
	if (quota)
		c->quota_exhausted = 1;
	report(dp, u, quota | thresh);
	return 1;
}

int dp_urr_count(struct upf_dp *dp, struct urr_slot *u, int dl, uint32_t bytes, uint64_t now)
{
	struct upf_urr_counts *c = &u->c;
	if (c->quota_exhausted)
		return UPF_DROP_QUOTA;
	settle(u, now);
	c->last_ns = now;
	if (u->measured_ns < now)
		u->measured_ns = now; /* an idle gap beyond the inactivity time is not measured */
	if (!c->first_ns)
		c->first_ns = now;
	if (dl) {
		c->dl_bytes += bytes;
		c->dl_pkts++;
		c->total_dl_bytes += bytes;
	} else {
		c->ul_bytes += bytes;
		c->ul_pkts++;
		c->total_ul_bytes += bytes;
	}
	u->quota_bytes += bytes;
	check(dp, u);
	return 0;
}

int upf_dp_urr_tick(struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	int raised = 0;
	pthread_mutex_lock(&dp->tables_lock);
	uint64_t now = dp_now_ns(dp);
	for (uint32_t i = 0; i < dp->n_timed; i++) {
		struct urr_slot *u = &dp->urrs[dp->timed[i]];
		if (!u->used || u->c.quota_exhausted)
			continue;
		settle(u, now);
		raised += check(dp, u);
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return raised;
}

static int timed_add(struct upf_dp *dp, int32_t slot)
{
	if (dp->urrs[slot].timed)
		return 0;
	if (dp->n_timed == dp->cap_timed) {
		uint32_t nc = dp->cap_timed ? dp->cap_timed * 2 : 64;
		int32_t *t = realloc(dp->timed, nc * sizeof(*t));
		if (!t)
			return UPF_ENOMEM;
		dp->timed = t;
		dp->cap_timed = nc;
	}
	dp->timed[dp->n_timed++] = slot;
	dp->urrs[slot].timed = 1;
	return 0;
}

static void timed_remove(struct upf_dp *dp, int32_t slot)
{
	if (!dp->urrs[slot].timed)
		return;
	for (uint32_t i = 0; i < dp->n_timed; i++)
		if (dp->timed[i] == slot) {
			dp->timed[i] = dp->timed[--dp->n_timed];
			break;
		}
	dp->urrs[slot].timed = 0;
}

int upf_dp_urr_set(struct upf_dp *dp, int32_t slot, const struct upf_urr *urr)
{
	if (!dp || !urr || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	if (slot < 0) {
		slot = find_free_urr(dp);
		if (slot >= 0) {
			struct urr_slot *u = &dp->urrs[slot];
			memset(&u->c, 0, sizeof(u->c));
			u->quota_bytes = u->quota_ns = u->measured_ns = 0;
		}
	} else if (!dp->urrs[slot].used) {
		slot = UPF_ENOENT;
	}
	if (slot >= 0) {
		struct urr_slot *u = &dp->urrs[slot];
		int timed = urr->time_threshold_ns || urr->time_quota_ns;
		if (timed && timed_add(dp, slot) < 0) {
			pthread_mutex_unlock(&dp->tables_lock);
			return UPF_ENOMEM;
		}
		if (!timed)
			timed_remove(dp, slot);
		/* a new quota (or any quota after exhaustion) starts a fresh allowance */
		if (u->c.quota_exhausted || urr->volume_quota != u->cfg.volume_quota || urr->time_quota_ns != u->cfg.time_quota_ns) {
			settle(u, dp_now_ns(dp));
			u->quota_bytes = u->quota_ns = 0;
			u->c.quota_exhausted = 0;
		}
		u->cfg = *urr;
		u->used = 1;
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return slot;
}

int upf_dp_urr_del(struct upf_dp *dp, int32_t slot)
{
	if (!dp || slot < 0 || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	int rc = dp->urrs[slot].used ? 0 : UPF_ENOENT;
	timed_remove(dp, slot);
	dp->urrs[slot].used = 0;
	pthread_mutex_unlock(&dp->tables_lock);
	return rc;
}

int upf_dp_urr_read(struct upf_dp *dp, int32_t slot, struct upf_urr_counts *out)
{
	if (!dp || !out || slot < 0 || slot >= (int32_t)dp->max_slots)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	struct urr_slot *u = &dp->urrs[slot];
	int rc = u->used ? 0 : UPF_ENOENT;
	if (rc == 0) {
		*out = u->c;
		uint64_t add = open_ns(u, dp_now_ns(dp));
		out->duration_ns += add;
		out->total_duration_ns += add;
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return rc;
}

int upf_dp_clock_set(struct upf_dp *dp, uint64_t now_ns)
{
	if (!dp)
		return UPF_EINVAL;
	atomic_store(&dp->fixed_now, now_ns);
	return 0;
}

uint64_t upf_dp_clock(const struct upf_dp *dp) { return dp ? dp_now_ns(dp) : 0; }
