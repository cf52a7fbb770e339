/* C unit test of the data path pipeline without sockets (inject -> capture), under ASan+UBSan. */
#include "upf_dp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

#define UE 0x0a3c0001u   /* 10.60.0.1 */
#define DN 0xc0a80602u   /* 192.168.6.2 */
#define GNB 0xc0a80302u  /* 192.168.3.2 */
#define TEID_UL 0x100u
#define TEID_DL 0x200u

static size_t ipv4_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, size_t payload)
{
	size_t len = 28 + payload;
	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = 17;
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	b[24] = (uint8_t)((8 + payload) >> 8);
	b[25] = (uint8_t)(8 + payload);
	return len;
}

/* GTP-U G-PDU with a UL PDU Session Container (QFI 9) around an IPv4/UDP packet. */
static size_t gpdu(uint8_t *b, uint32_t teid, uint32_t src, uint32_t dst, uint16_t dport)
{
	size_t n = ipv4_udp(b + 16, src, dst, 40000, dport, 40);
	uint8_t h[16] = { 0x34, 255, (uint8_t)((n + 8) >> 8), (uint8_t)(n + 8), (uint8_t)(teid >> 24), (uint8_t)(teid >> 16),
			  (uint8_t)(teid >> 8), (uint8_t)teid, 0, 0, 0, 0x85, 1, 0x10, 9, 0 };
	memcpy(b, h, 16);
	return n + 16;
}

static struct pdr_rule rule(uint32_t id, uint32_t prec, int uplink, uint64_t cookie)
{
	struct pdr_rule r;
	pdr_rule_init_any(&r);
	r.pdr_id = id;
	r.precedence = prec;
	r.cookie = cookie;
	r.lo[PDR_DIM_SRC_IFACE] = r.hi[PDR_DIM_SRC_IFACE] = uplink ? UPF_IF_ACCESS : UPF_IF_CORE;
	if (uplink)
		r.lo[PDR_DIM_TEID] = r.hi[PDR_DIM_TEID] = TEID_UL;
	r.lo[PDR_DIM_UE_IP4] = r.hi[PDR_DIM_UE_IP4] = UE;
	return r;
}

static uint8_t cap[1 << 16];

/* Returns number of captured records and the first one's iface/len/payload. */
static int captured(struct upf_dp *dp, int *iface, int *len, const uint8_t **data)
{
	int n = upf_dp_capture(dp, cap, sizeof(cap));
	CHECK(n >= 0);
	int recs = 0;
	for (int off = 0; off < n; recs++) {
		int l = cap[off + 2] | cap[off + 3] << 8;
		if (recs == 0) {
			*iface = cap[off];
			*len = l;
			*data = cap + off + 12;
		}
		off += 12 + l;
	}
	return recs;
}


/* The session fast path answers exactly what the classifier answers: same output with it on
 * and off, entries only for single-PDR directions, gone with the session; shadow growth and
 * deletion under churn. Plus the AF_XDP TX entry points without AF_XDP. */
static uint8_t cap_on[1 << 20], cap_off[1 << 20];
static void test_fastpath(void)
{
	enum { N = 3000 };
	struct upf_dp *dp = upf_dp_create(PDRCLS_PS, 64, 2 * N + 8, 0, 0); /* tables sized for 64: grow */
	CHECK(dp && upf_dp_fastpath_entries(dp) == 0);
	CHECK(upf_dp_set_fastpath(NULL, 1) == UPF_EINVAL && upf_dp_fastpath_entries(NULL) == UPF_EINVAL);
	struct upf_far ulf = { .action = UPF_ACT_FORW, .dst_iface = UPF_IF_CORE };
	struct upf_far dlf = { .action = UPF_ACT_FORW, .dst_iface = UPF_IF_ACCESS, .ohc_gtpu = 1, .teid = TEID_DL, .peer_ip4 = GNB };
	int fu = upf_dp_far_set(dp, -1, &ulf), fdl = upf_dp_far_set(dp, -1, &dlf);
	CHECK(fu >= 0 && fdl >= 0);
	for (uint32_t i = 0; i < N; i++) {
		CHECK(upf_dp_session_add(dp, 100 + i, 0x1000 + i, UE + i) == 0);
		struct pdr_rule r[2];
		r[0] = rule(1, 10, 1, upf_dp_cookie((uint32_t)fu, -1, -1, 1));
		r[0].lo[PDR_DIM_TEID] = r[0].hi[PDR_DIM_TEID] = 0x1000 + i;
		r[0].lo[PDR_DIM_UE_IP4] = r[0].hi[PDR_DIM_UE_IP4] = UE + i;
		r[0].lo[PDR_DIM_QFI] = r[0].hi[PDR_DIM_QFI] = 9; /* a checked dimension */
		r[1] = rule(2, 10, 0, upf_dp_cookie((uint32_t)fdl, -1, -1, 0));
		r[1].lo[PDR_DIM_UE_IP4] = r[1].hi[PDR_DIM_UE_IP4] = UE + i;
		CHECK(upf_dp_rules_apply(dp, 100 + i, r, 2, NULL, 0) == 0);
	}
	CHECK(upf_dp_fastpath_entries(dp) == 2 * N);
	/* session 0 gets a second uplink PDR: its uplink leaves the fast path */
	struct pdr_rule extra = rule(3, 5, 1, upf_dp_cookie((uint32_t)fu, -1, -1, 1));
	extra.lo[PDR_DIM_TEID] = extra.hi[PDR_DIM_TEID] = 0x1000;
	extra.lo[PDR_DIM_UE_IP4] = extra.hi[PDR_DIM_UE_IP4] = UE;
	extra.lo[PDR_DIM_DST_PORT] = extra.hi[PDR_DIM_DST_PORT] = 7;
	CHECK(upf_dp_rules_apply(dp, 100, &extra, 1, NULL, 0) == 0);
	CHECK(upf_dp_fastpath_entries(dp) == 2 * N - 1);
	/* every other session removed, then every session's packets, with and without the fast path */
	for (uint32_t i = 1; i < N; i += 2)
		CHECK(upf_dp_session_remove(dp, 100 + i) == 0);
	CHECK(upf_dp_fastpath_entries(dp) == 2 * N - 1 - N);
	static uint8_t pk[N * 2 * 100];
	static uint32_t lens[N * 2];
	size_t off = 0, n = 0;
	for (uint32_t i = 0; i < N; i++) {
		lens[n] = (uint32_t)gpdu(pk + off, 0x1000 + i, UE + i, DN, i == 0 ? 7 : 5001);
		off += lens[n++];
		lens[n] = (uint32_t)gpdu(pk + off, 0x1000 + i, UE + i, DN, 5001);
		pk[off + 14] = 5; /* QFI 5: the fast check fails, pdrsess says "no PDR" */
		off += lens[n++];
	}
	struct upf_dp_stats st0, st1, st2;
	CHECK(upf_dp_stats(dp, &st0) == 0);
	int fwd_on = upf_dp_inject(dp, UPF_IF_ACCESS, pk, lens, n);
	int got_on = upf_dp_capture(dp, cap_on, sizeof(cap_on));
	CHECK(upf_dp_stats(dp, &st1) == 0);
	CHECK(upf_dp_set_fastpath(dp, 0) == 0);
	int fwd_off = upf_dp_inject(dp, UPF_IF_ACCESS, pk, lens, n);
	int got_off = upf_dp_capture(dp, cap_off, sizeof(cap_off));
	CHECK(upf_dp_stats(dp, &st2) == 0);
	CHECK(fwd_on == N / 2 && fwd_on == fwd_off && got_on == got_off && got_on > 0 && memcmp(cap_on, cap_off, (size_t)got_on) == 0);
	for (int d = 0; d < UPF_DROP_COUNT; d++)
		CHECK(st1.drops[d] - st0.drops[d] == st2.drops[d] - st1.drops[d]);
	CHECK(st1.drops[UPF_DROP_NO_SESSION] - st0.drops[UPF_DROP_NO_SESSION] == N); /* removed sessions, both packets */
	CHECK(st1.drops[UPF_DROP_NO_PDR] - st0.drops[UPF_DROP_NO_PDR] == N / 2);  /* QFI 5 */
	/* downlink the same way */
	CHECK(upf_dp_set_fastpath(dp, 1) == 0);
	off = n = 0;
	for (uint32_t i = 0; i < N; i++) {
		lens[n] = (uint32_t)ipv4_udp(pk + off, DN, UE + i, 5001, 40000, 40);
		off += lens[n++];
	}
	fwd_on = upf_dp_inject(dp, UPF_IF_CORE, pk, lens, n);
	got_on = upf_dp_capture(dp, cap_on, sizeof(cap_on));
	CHECK(upf_dp_set_fastpath(dp, 0) == 0);
	fwd_off = upf_dp_inject(dp, UPF_IF_CORE, pk, lens, n);
	got_off = upf_dp_capture(dp, cap_off, sizeof(cap_off));
	CHECK(fwd_on == N / 2 && fwd_on == fwd_off && got_on == got_off && memcmp(cap_on, cap_off, (size_t)got_on) == 0);
	/* deleting the rules takes the entries away, and re-adding brings them back */
	uint32_t ids[3] = { 1, 2, 3 };
	CHECK(upf_dp_rules_apply(dp, 100, NULL, 0, ids, 3) == 0);
	CHECK(upf_dp_fastpath_entries(dp) == N - 1 - 1);
	for (uint32_t i = 0; i < N; i += 2)
		CHECK(upf_dp_session_remove(dp, 100 + i) == 0);
	CHECK(upf_dp_fastpath_entries(dp) == 0);

	/* AF_XDP transmit needs AF_XDP receive first */
	CHECK(upf_dp_set_xsk_tx(NULL, NULL, "lo", UPF_XSK_TX_N6) == UPF_EINVAL);
	CHECK(upf_dp_set_xsk_tx(dp, NULL, "lo", 4) == UPF_EINVAL);
	CHECK(upf_dp_set_xsk_tx(dp, NULL, NULL, UPF_XSK_TX_N6) == UPF_EINVAL);
	CHECK(upf_dp_set_xsk_tx(dp, NULL, "lo", UPF_XSK_TX_N6) == UPF_ENOENT);
	CHECK(upf_dp_xsk_tx(dp) == 0 && upf_dp_xsk_tx(NULL) == UPF_EINVAL);
	CHECK(upf_dp_bench_l2fwd(dp, 1) == UPF_ENOENT && upf_dp_bench_l2fwd(dp, 0) == 0 && upf_dp_bench_l2fwd(NULL, 0) == UPF_EINVAL);
	upf_dp_destroy(dp);
}

#define SEC 1000000000ull

/* URR duration measurement, time threshold, time and volume quota on the data-path clock. */
static void test_urr_time(void)
{
	uint8_t pkt[256];
	struct upf_event ev[4];
	struct upf_urr_counts uc;
	struct upf_dp *dp = upf_dp_create(PDRCLS_PS, 4, 16, 0, 0);
	CHECK(dp && upf_dp_session_add(dp, 9, TEID_UL, UE) == 0);
	CHECK(upf_dp_clock_set(dp, 1000 * SEC) == 0 && upf_dp_clock(dp) == 1000 * SEC);
	CHECK(upf_dp_clock_set(NULL, 1) == UPF_EINVAL && upf_dp_urr_tick(NULL) == UPF_EINVAL);
	struct upf_far ul = { .seid = 9, .far_id = 1, .action = UPF_ACT_FORW, .dst_iface = UPF_IF_CORE };
	int f = upf_dp_far_set(dp, -1, &ul);
	/* threshold 10 s, inactivity 5 s, time quota 30 s */
	struct upf_urr urr = { .seid = 9, .urr_id = 3, .time_threshold_ns = 10 * SEC, .time_quota_ns = 30 * SEC, .inactivity_ns = 5 * SEC };
	int u = upf_dp_urr_set(dp, -1, &urr);
	CHECK(u >= 0);
	struct pdr_rule r = rule(1, 1, 1, upf_dp_cookie((uint32_t)f, -1, u, 1));
	CHECK(upf_dp_rules_apply(dp, 9, &r, 1, NULL, 0) == 0);
	uint32_t len = (uint32_t)gpdu(pkt, TEID_UL, UE, DN, 5001);

	/* no packet yet: no measurement, the tick raises nothing even long after */
	CHECK(upf_dp_clock_set(dp, 2000 * SEC) == 0 && upf_dp_urr_tick(dp) == 0);
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.duration_ns == 0 && uc.first_ns == 0);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1); /* starts at t=2000 */
	upf_dp_clock_set(dp, 2003 * SEC);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.duration_ns == 3 * SEC && uc.ul_pkts == 2 && uc.first_ns == 2000 * SEC);
	/* 60 s idle: only the 5 s inactivity time counts -> 8 s, below the threshold */
	upf_dp_clock_set(dp, 2063 * SEC);
	CHECK(upf_dp_urr_tick(dp) == 0);
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.duration_ns == 8 * SEC);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	/* 2 s more of traffic -> 10 s: the tick reports TIMTH and restarts the period */
	upf_dp_clock_set(dp, 2065 * SEC);
	CHECK(upf_dp_urr_tick(dp) == 1);
	CHECK(upf_dp_poll_events(dp, ev, 4) == 1 && ev[0].type == UPF_EV_USAGE && ev[0].id == 3 && ev[0].seid == 9);
	CHECK(ev[0].counts.trigger == UPF_TRIG_TIMTH && ev[0].counts.duration_ns == 10 * SEC && ev[0].counts.ul_pkts == 3);
	CHECK(ev[0].counts.ul_bytes == 3 * 68);
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.duration_ns == 0 && uc.ul_pkts == 0 && uc.total_duration_ns == 10 * SEC);
	/* a packet every 4 s: 2069 (6 s gap, only 3 s up to 2065 + 5 s inactivity counted), 2073,
	 * 2077 (11 s in the period: threshold from the packet path), 2081 (25 s in total) */
	for (int i = 1; i <= 4; i++) {
		upf_dp_clock_set(dp, (2065 + 4 * (uint64_t)i) * SEC);
		CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	}
	CHECK(upf_dp_poll_events(dp, ev, 4) == 1 && ev[0].counts.trigger == UPF_TRIG_TIMTH && ev[0].counts.duration_ns == 11 * SEC);
	upf_dp_clock_set(dp, 2085 * SEC); /* 25 s + 4 s -> 29 s total, quota 30 not reached */
	CHECK(upf_dp_urr_tick(dp) == 0);
	upf_dp_clock_set(dp, 2090 * SEC); /* measured only to 2081 + 5 s of inactivity -> 30 s: quota */
	CHECK(upf_dp_urr_tick(dp) == 1);
	CHECK(upf_dp_poll_events(dp, ev, 4) == 1 && (ev[0].counts.trigger & UPF_TRIG_TIMQU) && ev[0].counts.quota_exhausted == 1);
	/* quota used up: packets dropped with reason "quota", no more events */
	struct upf_dp_stats st;
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 0);
	CHECK(upf_dp_stats(dp, &st) == 0 && st.drops[UPF_DROP_QUOTA] == 1);
	CHECK(strcmp(upf_dp_drop_name(UPF_DROP_QUOTA), "quota") == 0);
	CHECK(upf_dp_urr_tick(dp) == 0);
	/* a new quota (volume 100 bytes, no time) reopens the URR; the 2nd packet exhausts it */
	urr.time_quota_ns = 0;
	urr.time_threshold_ns = 0;
	urr.volume_quota = 100;
	CHECK(upf_dp_urr_set(dp, u, &urr) == u);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	CHECK(upf_dp_poll_events(dp, ev, 4) == 0);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	CHECK(upf_dp_poll_events(dp, ev, 4) == 1 && ev[0].counts.trigger == UPF_TRIG_VOLQU);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 0);
	CHECK(upf_dp_urr_del(dp, u) == 0 && upf_dp_urr_tick(dp) == 0);
	upf_dp_destroy(dp);
}

int main(void)
{
	uint8_t pkt[4096];
	uint32_t len;
	int iface, clen;
	const uint8_t *cd;
	struct upf_dp_stats st;
	struct upf_event ev[8];

	CHECK(upf_dp_abi_version() == UPF_DP_ABI_VERSION);
	CHECK(upf_dp_create(PDRCLS_PS, 4, 0, 0, 0) == NULL);
	CHECK(strcmp(upf_dp_drop_name(UPF_DROP_NO_SESSION), "no-session") == 0);
	CHECK(upf_dp_drop_name(99) == NULL);

	struct upf_dp *dp = upf_dp_create(PDRCLS_PS, 4, 64, 32, 4);
	CHECK(dp);
	CHECK(upf_dp_start(dp) == UPF_ENOENT); /* no sockets opened */
	/* I/O options need the sockets of upf_dp_open() first (netns tests in apps/upf/test/xsk.test.ts) */
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	CHECK(upf_dp_set_n6_nexthop(dp, mac) == UPF_ENOENT && upf_dp_set_n6_nexthop(NULL, mac) == UPF_EINVAL);
	CHECK(upf_dp_open_xsk(dp, NULL, "lo", "/nonexistent.o", UPF_IO_XDP) == UPF_ENOENT);
	CHECK(upf_dp_open_xsk(dp, NULL, "lo", "/nonexistent.o", 9) == UPF_EINVAL);
	CHECK(upf_dp_io_mode(dp) == UPF_ENOENT && upf_dp_io_mode(NULL) == UPF_EINVAL);
	CHECK(upf_dp_session_add(dp, 7, TEID_UL, UE) == 0);
	CHECK(upf_dp_session_count(dp) == 1);

	struct upf_far ul = { .seid = 7, .far_id = 1, .action = UPF_ACT_FORW, .dst_iface = UPF_IF_CORE };
	struct upf_far dl = { .seid = 7, .far_id = 2, .action = UPF_ACT_FORW, .dst_iface = UPF_IF_ACCESS, .ohc_gtpu = 1,
			      .teid = TEID_DL, .peer_ip4 = GNB, .qfi = 9, .pdr_id = 2 };
	int ful = upf_dp_far_set(dp, -1, &ul), fdl = upf_dp_far_set(dp, -1, &dl);
	CHECK(ful >= 0 && fdl >= 0 && ful != fdl);
	struct upf_far bad = dl;
	bad.peer_ip4 = 0;
	CHECK(upf_dp_far_set(dp, -1, &bad) == UPF_EINVAL);
	CHECK(upf_dp_far_set(dp, 63, &ul) == UPF_ENOENT);
	struct upf_urr urr = { .seid = 7, .urr_id = 5, .volume_threshold = 300 };
	int u = upf_dp_urr_set(dp, -1, &urr);
	CHECK(u >= 0);
	struct pdr_rule rules[2] = { rule(1, 10, 1, upf_dp_cookie((uint32_t)ful, -1, u, 1)), rule(2, 10, 0, upf_dp_cookie((uint32_t)fdl, -1, u, 0)) };
	CHECK(upf_dp_rules_apply(dp, 7, rules, 2, NULL, 0) == 0);

	/* uplink: decapsulated inner packet goes to N6 */
	len = (uint32_t)gpdu(pkt, TEID_UL, UE, DN, 5001);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	CHECK(captured(dp, &iface, &clen, &cd) == 1);
	CHECK(iface == UPF_IF_CORE && clen == 68 && memcmp(cd, pkt + 16, 68) == 0);

	/* downlink: encapsulated with the FAR's TEID and a DL PDU Session Container (QFI 9) */
	len = (uint32_t)ipv4_udp(pkt, DN, UE, 5001, 40000, 40);
	CHECK(upf_dp_inject(dp, UPF_IF_CORE, pkt, &len, 1) == 1);
	CHECK(captured(dp, &iface, &clen, &cd) == 1);
	CHECK(iface == UPF_IF_ACCESS && clen == 16 + 68);
	CHECK(cd[0] == 0x34 && cd[1] == 255 && cd[7] == (TEID_DL & 0xff) && cd[6] == (TEID_DL >> 8) && cd[11] == 0x85 && cd[14] == 9);
	CHECK(memcmp(cd + 16, pkt, 68) == 0);

	/* URR: 2 x 68 bytes counted; threshold 300 -> the 5th packet triggers a usage event */
	struct upf_urr_counts uc;
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.ul_bytes == 68 && uc.dl_bytes == 68 && uc.ul_pkts == 1);
	for (int i = 0; i < 3; i++)
		CHECK(upf_dp_inject(dp, UPF_IF_CORE, pkt, &len, 1) == 1);
	CHECK(upf_dp_poll_events(dp, ev, 8) == 1);
	CHECK(ev[0].type == UPF_EV_USAGE && ev[0].id == 5 && ev[0].seid == 7 && ev[0].counts.dl_bytes == 4 * 68);
	CHECK(upf_dp_urr_read(dp, u, &uc) == 0 && uc.dl_bytes == 0 && uc.total_dl_bytes == 4 * 68);
	captured(dp, &iface, &clen, &cd);

	/* unknown TEID, unknown UE, malformed, GTP-U type other than G-PDU */
	len = (uint32_t)gpdu(pkt, 0x999, UE, DN, 5001);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 0);
	len = (uint32_t)ipv4_udp(pkt, DN, 0x0a3c0063, 1, 2, 10);
	CHECK(upf_dp_inject(dp, UPF_IF_CORE, pkt, &len, 1) == 0);
	len = 5;
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 0);
	uint8_t em[8] = { 0x30, 254, 0, 0, 0, 0, 1, 0 };
	len = 8;
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, em, &len, 1) == 0);
	CHECK(upf_dp_stats(dp, &st) == 0);
	CHECK(st.drops[UPF_DROP_NO_SESSION] == 2 && st.drops[UPF_DROP_MALFORMED] == 1 && st.drops[UPF_DROP_NOT_GPDU] == 1);

	/* Echo Request -> Echo Response with the same sequence number and a Recovery IE */
	uint8_t echo[12] = { 0x32, 1, 0, 4, 0, 0, 0, 0, 0x12, 0x34, 0, 0 };
	len = 12;
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, echo, &len, 1) == 1);
	CHECK(captured(dp, &iface, &clen, &cd) == 1 && clen == 14 && cd[1] == 2 && cd[8] == 0x12 && cd[9] == 0x34 && cd[12] == 14);

	/* buffering: BUFF|NOCP keeps up to 4 packets and raises one DL data event */
	dl.action = UPF_ACT_BUFF | UPF_ACT_NOCP;
	CHECK(upf_dp_far_set(dp, fdl, &dl) == fdl);
	len = (uint32_t)ipv4_udp(pkt, DN, UE, 5001, 40000, 40);
	for (int i = 0; i < 6; i++)
		CHECK(upf_dp_inject(dp, UPF_IF_CORE, pkt, &len, 1) == 0);
	CHECK(upf_dp_far_buffered(dp, fdl) == 4);
	CHECK(upf_dp_poll_events(dp, ev, 8) == 1 && ev[0].type == UPF_EV_DL_DATA && ev[0].id == 2 && ev[0].seid == 7);
	CHECK(upf_dp_stats(dp, &st) == 0 && st.drops[UPF_DROP_BUFFER_FULL] == 2 && st.buffered == 4);
	/* FAR back to FORW: the 4 buffered packets go out, in order */
	dl.action = UPF_ACT_FORW;
	CHECK(upf_dp_far_set(dp, fdl, &dl) == fdl);
	CHECK(upf_dp_far_buffered(dp, fdl) == 0);
	CHECK(upf_dp_flush(dp) == 4);
	CHECK(captured(dp, &iface, &clen, &cd) == 4 && iface == UPF_IF_ACCESS);

	/* QER: closed DL gate drops; MBR 8 kbit/s admits the 3000-byte burst then drops */
	struct upf_qer q = { .qer_id = 1, .gate_dl_closed = 1 };
	int qs = upf_dp_qer_set(dp, -1, &q);
	CHECK(qs >= 0);
	rules[1].cookie = upf_dp_cookie((uint32_t)fdl, qs, -1, 0);
	uint32_t del = 2;
	CHECK(upf_dp_rules_apply(dp, 7, &rules[1], 1, &del, 1) == 0);
	CHECK(upf_dp_inject(dp, UPF_IF_CORE, pkt, &len, 1) == 0);
	q.gate_dl_closed = 0;
	q.mbr_dl_kbps = 8;
	CHECK(upf_dp_qer_set(dp, qs, &q) == qs);
	uint8_t many[100 * 68];
	uint32_t lens[100];
	for (int i = 0; i < 100; i++) {
		memcpy(many + i * 68, pkt, 68);
		lens[i] = 68;
	}
	int fw = upf_dp_inject(dp, UPF_IF_CORE, many, lens, 100);
	CHECK(fw == 3000 / 68);
	CHECK(upf_dp_stats(dp, &st) == 0 && st.drops[UPF_DROP_GATE] == 1 && st.drops[UPF_DROP_MBR] == 100 - (uint64_t)fw);
	captured(dp, &iface, &clen, &cd);

	/* a higher-priority PDR added mid-flow wins: drop FAR for UDP port 9 */
	struct upf_far dropf = { .seid = 7, .far_id = 3, .action = UPF_ACT_DROP };
	int fd = upf_dp_far_set(dp, -1, &dropf);
	struct pdr_rule r3 = rule(3, 1, 1, upf_dp_cookie((uint32_t)fd, -1, -1, 1));
	r3.lo[PDR_DIM_DST_PORT] = r3.hi[PDR_DIM_DST_PORT] = 9;
	CHECK(upf_dp_rules_apply(dp, 7, &r3, 1, NULL, 0) == 0);
	len = (uint32_t)gpdu(pkt, TEID_UL, UE, DN, 9);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 0);
	len = (uint32_t)gpdu(pkt, TEID_UL, UE, DN, 10);
	CHECK(upf_dp_inject(dp, UPF_IF_ACCESS, pkt, &len, 1) == 1);
	CHECK(upf_dp_stats(dp, &st) == 0 && st.drops[UPF_DROP_FAR] == 1);

	/* bench helper runs and forwards */
	uint64_t ns[2];
	CHECK(upf_dp_bench_pipeline(dp, UPF_IF_ACCESS, pkt, &len, 1, 2, ns) == 1);
	CHECK(upf_dp_bench_classify(dp, UPF_IF_ACCESS, pkt, &len, 1, 2, ns) == 1);
	CHECK(upf_dp_bench_classify(dp, 7, pkt, &len, 1, 2, ns) == UPF_EINVAL);

	/* teardown */
	CHECK(upf_dp_far_del(dp, fd) == 0 && upf_dp_far_del(dp, fd) == UPF_ENOENT);
	CHECK(upf_dp_qer_del(dp, qs) == 0 && upf_dp_urr_del(dp, u) == 0);
	CHECK(upf_dp_session_remove(dp, 7) == 0 && upf_dp_session_remove(dp, 7) == UPF_ENOENT);
	CHECK(upf_dp_open(dp, "/nonexistent/ns", "127.0.0.1", 0, "lo") == UPF_ESYS);
	CHECK(strstr(upf_dp_last_error(dp), "netns") != NULL);
	CHECK(upf_dp_open(dp, NULL, "not-an-ip", 0, "lo") == UPF_EINVAL);
	upf_dp_destroy(dp);

	/* a new data path (malloc may hand out the same address) gets its own reader slot */
	for (int k = 0; k < 3; k++) {
		struct upf_dp *d2 = upf_dp_create(PDRCLS_LL, 4, 8, 0, 0);
		CHECK(d2 && upf_dp_session_add(d2, 1, TEID_UL, UE) == 0);
		int f2 = upf_dp_far_set(d2, -1, &ul);
		struct pdr_rule r2 = rule(1, 1, 1, upf_dp_cookie((uint32_t)f2, -1, -1, 1));
		CHECK(upf_dp_rules_apply(d2, 1, &r2, 1, NULL, 0) == 0);
		len = (uint32_t)gpdu(pkt, TEID_UL, UE, DN, 5001);
		CHECK(upf_dp_inject(d2, UPF_IF_ACCESS, pkt, &len, 1) == 1);
		upf_dp_destroy(d2);
	}
	test_urr_time();
	test_fastpath();
	puts("pipeline_test: ok");
	return 0;
}
