/* The per-batch pipeline: parse -> classify (pdrcls session front end) -> QER -> URR -> FAR. */
#include "dp_internal.h"

#include <string.h>

/* Token bucket: refill at the MBR, burst of 10 ms of traffic (at least two full packets). */
static int qer_admit(struct qer_slot *q, int dl, uint32_t bytes, uint64_t now)
{
	uint64_t kbps = dl ? q->cfg.mbr_dl_kbps : q->cfg.mbr_ul_kbps;
	if (!kbps)
		return 1;
	int64_t burst_mb = (int64_t)(kbps * 1250); /* kbps * 1000/8 B/s * 10 ms, in milli-bytes */
	if (burst_mb < 3000 * 1000)
		burst_mb = 3000 * 1000;
	if (q->tokens_mb[dl] < 0) {
		q->tokens_mb[dl] = burst_mb;
	} else {
		uint64_t dt = now - q->last_ns[dl];
		if (dt > 1000000000ull)
			dt = 1000000000ull;
		q->tokens_mb[dl] += (int64_t)(dt * kbps / 8000); /* kbps/8000 milli-bytes per ns */
		if (q->tokens_mb[dl] > burst_mb)
			q->tokens_mb[dl] = burst_mb;
	}
	q->last_ns[dl] = now;
	if (q->tokens_mb[dl] < (int64_t)bytes * 1000)
		return 0;
	q->tokens_mb[dl] -= (int64_t)bytes * 1000;
	return 1;
}

int dp_process(struct upf_dp *dp, int reader, int iface, struct pkt *pkts, size_t n, struct txd *tx)
{
	struct pdr_key keys[UPF_DP_BATCH];
	struct pdrsess_match m[UPF_DP_BATCH], sm[UPF_DP_BATCH];
	uint8_t slow[UPF_DP_BATCH];
	size_t nk = 0;
	int ntx = 0;
	const int dl = iface == UPF_IF_CORE;

	for (size_t i = 0; i < n; i++) {
		uint32_t teid;
		int v = dl ? dp_parse_n6(&pkts[i], &keys[nk]) : dp_parse_n3(&pkts[i], &keys[nk], &teid);
		pkts[i].verdict = (int16_t)v;
		if (v < 0)
			nk++;
	}
	if (nk > 0 && atomic_load_explicit(&dp->fast_on, memory_order_relaxed)) {
		/* fast path first: prefetch every slot of the batch, then answer what it can and
		 * hand the rest (compacted) to pdrsess */
		const struct fast_tab *ft = dp_fast_table(dp, dl);
		for (size_t i = 0; i < nk; i++)
			dp_fast_prefetch(ft, keys[i].v[dl ? PDR_DIM_UE_IP4 : PDR_DIM_TEID]);
		size_t ns = 0;
		uint8_t fast[UPF_DP_BATCH];
		for (size_t i = 0; i < nk; i++) {
			fast[i] = (uint8_t)dp_fast_lookup(ft, dl, &keys[i], &m[i]);
			if (!fast[i]) {
				if (ns != i)
					keys[ns] = keys[i];
				slow[ns++] = (uint8_t)i;
			}
		}
		if (ns > 0) {
			int rc = pdrsess_classify_batch(dp->sess, reader, dl ? PDRSESS_DOWNLINK : PDRSESS_UPLINK, keys, ns, sm);
			if (rc < 0)
				return rc;
			for (size_t j = 0; j < ns; j++)
				m[slow[j]] = sm[j];
		}
	} else if (nk > 0) {
		int rc = pdrsess_classify_batch(dp->sess, reader, dl ? PDRSESS_DOWNLINK : PDRSESS_UPLINK, keys, nk, m);
		if (rc < 0)
			return rc;
	}
	/* the FAR slots this batch will read */
	for (size_t i = 0; i < nk; i++) {
		uint32_t far_slot = (uint32_t)(m[i].cookie & 0x3fffffu);
		if (far_slot < dp->max_slots)
			__builtin_prefetch(&dp->fars[far_slot]);
	}
	uint64_t now = dp_now_ns(dp);

	pthread_mutex_lock(&dp->tables_lock);
	dp->st.batches++;
	dp->st.lookups += nk;
	if (dl)
		dp->st.rx_n6 += n;
	else
		dp->st.rx_n3 += n;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct pkt *p = &pkts[i];
		if (p->verdict == V_ECHO) {
			struct txd *t = &tx[ntx++];
			t->pkt = (int16_t)i;
			t->iface = UPF_IF_ACCESS;
			t->hdr_len = (uint8_t)dp_echo_response(t->hdr, p->data, p->len);
			t->data = NULL;
			t->len = 0;
			t->dst_ip4 = p->src_ip4;
			t->dst_port = p->src_port;
			dp->st.echo_replies++;
			continue;
		}
		if (p->verdict >= 0) {
			dp->st.drops[p->verdict]++;
			continue;
		}
		const struct pdrsess_match *r = &m[k++];
		int drop = -1;
		if (r->seid == 0)
			drop = UPF_DROP_NO_SESSION;
		else if (r->pdr_id == PDR_ID_NONE)
			drop = UPF_DROP_NO_PDR;
		uint32_t far_slot = (uint32_t)(r->cookie & 0x3fffffu);
		uint32_t qer1 = (uint32_t)((r->cookie >> 22) & 0xfffffu);
		uint32_t urr1 = (uint32_t)((r->cookie >> 42) & 0xfffffu);
		struct far_slot *f = drop < 0 && far_slot < dp->max_slots ? &dp->fars[far_slot] : NULL;
		if (drop < 0 && (!f || !f->used || (f->cfg.action & UPF_ACT_DROP)))
			drop = UPF_DROP_FAR;
		const uint8_t *ip = p->data + p->inner_off;
		uint32_t iplen = p->len - p->inner_off;
		if (drop < 0 && qer1 && qer1 <= dp->max_slots && dp->qers[qer1 - 1].used) {
			struct qer_slot *q = &dp->qers[qer1 - 1];
			if (dl ? q->cfg.gate_dl_closed : q->cfg.gate_ul_closed)
				drop = UPF_DROP_GATE;
			else if (!(f->cfg.action & UPF_ACT_BUFF) && !qer_admit(q, dl, iplen, now))
				drop = UPF_DROP_MBR;
		}
		if (drop < 0 && (f->cfg.action & UPF_ACT_BUFF)) {
			int b = dp_buffer(dp, (int32_t)far_slot, ip, iplen);
			if (b)
				dp->st.drops[b]++;
			continue;
		}
		if (drop < 0 && !(f->cfg.action & UPF_ACT_FORW))
			drop = UPF_DROP_FAR;
		/* Forwarding to N6 needs a bare IP packet: from N3 only with Outer Header Removal. */
		if (drop < 0 && f->cfg.dst_iface == UPF_IF_CORE && !dl && !(r->cookie & UPF_COOKIE_OHR))
			drop = UPF_DROP_NO_ROUTE;
		if (drop < 0 && f->cfg.dst_iface == UPF_IF_ACCESS && !f->cfg.ohc_gtpu)
			drop = UPF_DROP_NO_ROUTE;
		if (drop < 0 && urr1 && urr1 <= dp->max_slots && dp->urrs[urr1 - 1].used && dp_urr_count(dp, &dp->urrs[urr1 - 1], dl, iplen, now))
			drop = UPF_DROP_QUOTA;
		if (drop >= 0) {
			dp->st.drops[drop]++;
			continue;
		}
		struct txd *t = &tx[ntx++];
		t->pkt = (int16_t)i;
		t->data = ip;
		t->len = iplen;
		if (f->cfg.dst_iface == UPF_IF_CORE) {
			t->iface = UPF_IF_CORE;
			t->hdr_len = 0;
			t->dst_ip4 = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
			t->dst_port = 0;
		} else {
			t->iface = UPF_IF_ACCESS;
			t->hdr_len = (uint8_t)dp_gtpu_header(t->hdr, f->cfg.teid, iplen, f->cfg.qfi);
			t->dst_ip4 = f->cfg.peer_ip4;
			t->dst_port = f->cfg.peer_port ? f->cfg.peer_port : 2152;
		}
	}
	pthread_mutex_unlock(&dp->tables_lock);
	return ntx;
}
