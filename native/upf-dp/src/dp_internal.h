/* Internal state of the data path, shared by tables.c, parse.c, pipeline.c and io.c. */
#ifndef FASTPATH_UPF_DP_INTERNAL_H
#define FASTPATH_UPF_DP_INTERNAL_H
#include "upf_dp.h"

#include <pthread.h>
#include <stdatomic.h>

#define EVENT_RING 4096 /* pending control-plane events; more are counted in events_lost */

struct far_slot {
	struct upf_far cfg;
	uint8_t used;
	uint8_t notified; /* DL data event sent for the current buffering episode */
	uint16_t nbuf;
	int32_t buf_head, buf_tail; /* FIFO of pool entries, -1 = empty */
};

struct qer_slot {
	struct upf_qer cfg;
	uint8_t used;
	int64_t tokens_mb[2]; /* token bucket per direction (0 = UL, 1 = DL), in milli-bytes */
	uint64_t last_ns[2];
};

struct urr_slot {
	struct upf_urr cfg;
	uint8_t used;
	uint8_t timed;           /* listed in dp->timed */
	uint64_t quota_bytes;    /* used against cfg.volume_quota since it was set */
	uint64_t quota_ns;       /* used against cfg.time_quota_ns */
	uint64_t measured_ns;    /* data-path time up to which duration was counted */
	struct upf_urr_counts c;
};

struct bufpkt {
	int32_t next;
	uint16_t len;
	uint8_t data[UPF_DP_MAX_PKT];
};

/* A packet after parsing: where its IP packet starts, its key, and its fate. */
struct pkt {
	const uint8_t *data; /* as received: GTP-U message (N3) or IPv4 packet (N6) */
	uint32_t len;
	uint32_t inner_off;  /* offset of the IPv4 packet inside data */
	uint32_t src_ip4;    /* sender of the UDP datagram (N3), host order */
	uint16_t src_port;
	int16_t verdict;     /* -1 = classify, >= 0 = drop reason, or one of the V_ values below */
};
#define V_ECHO 100 /* GTP-U Echo Request: answer it */

struct txd {
	int16_t pkt;   /* index of the received packet it came from in the batch, -1 = none */
	uint8_t iface;
	uint8_t hdr_len;
	uint8_t hdr[20];
	const uint8_t *data;
	uint32_t len;
	uint32_t dst_ip4; /* host order */
	uint16_t dst_port;
};

enum out_mode { OUT_SOCKETS, OUT_CAPTURE, OUT_DISCARD };

/* fast.c: one slot of the session fast path (one cache line). */
#define FAST_CHECKS 3
struct fast_ent {
	_Atomic uint32_t seq; /* odd while being written */
	uint32_t key;         /* TEID (uplink table) or UE IPv4 (downlink); 0 = empty, ~0 = deleted */
	uint64_t seid;
	uint64_t cookie;
	uint32_t pdr_id;
	uint8_t nchk;         /* range checks on other dimensions */
	uint8_t dim[FAST_CHECKS];
	uint32_t lo[FAST_CHECKS], hi[FAST_CHECKS];
} __attribute__((aligned(64)));
struct shadow;
struct fast_tab;

struct upf_dp {
	uint64_t serial; /* unique per data path in this process */
	struct pdrsess *sess;
	uint32_t max_slots, default_buffer;

	pthread_mutex_t tables_lock; /* FAR/QER/URR slots, buffer pool, events */
	struct far_slot *fars;
	struct qer_slot *qers;
	struct urr_slot *urrs;
	int32_t *timed;            /* URR slots with a time threshold or quota (checked by the tick) */
	uint32_t n_timed, cap_timed;
	_Atomic uint64_t fixed_now; /* upf_dp_clock_set(); 0 = CLOCK_MONOTONIC */
	int32_t far_hint, qer_hint, urr_hint; /* where the next free-slot search starts */
	struct bufpkt *pool;
	uint32_t pool_size;
	int32_t pool_free;              /* free list */
	int32_t flush_head, flush_tail; /* packets released by a FAR update, to re-run downlink */
	struct upf_event *events;
	uint32_t ev_head, ev_count;

	/* counters written by the packet path under tables_lock or by one thread */
	struct upf_dp_stats st;

	int n3_fd, n6_rx_fd, n6_tx_fd, n6_ifindex;
	struct dp_xsk *xsk; /* AF_XDP N3 receive (xsk.c), NULL = recvmmsg */
	uint8_t n6_mac[6];  /* next hop for N6 output through n6_rx_fd ... */
	_Atomic int n6_mac_set; /* ... when set; else the raw IPv4 socket */
	uint16_t n3_port;
	pthread_t thread;
	atomic_int running;
	int thread_started;
	char last_error[160];

	/* fast.c: [0] uplink by TEID, [1] downlink by UE IPv4 */
	_Atomic(struct fast_tab *) fast[2];
	uint32_t fast_entries;
	atomic_int fast_on;
	pthread_mutex_t fast_lock; /* writers of fast[] and shadows */
	struct shadow *shadows;
	uint32_t shadow_cap, shadow_count;

	uint8_t *cap_buf; /* captured output of upf_dp_inject */
	size_t cap_len, cap_size;
	pthread_mutex_t cap_lock;
};

/* tables.c */
int dp_tables_init(struct upf_dp *dp, uint32_t max_slots, uint32_t pool, uint32_t default_buffer);
void dp_tables_free(struct upf_dp *dp);
void dp_push_event(struct upf_dp *dp, const struct upf_event *ev);
/* Buffers a copy of an IPv4 packet for a FAR; returns 0 or UPF_DROP_BUFFER_FULL. */
int dp_buffer(struct upf_dp *dp, int32_t far, const uint8_t *p, uint32_t len);
/* Next released packet (caller returns it with dp_pool_put), or -1. */
int32_t dp_flush_pop(struct upf_dp *dp);
void dp_pool_put(struct upf_dp *dp, int32_t idx);
int32_t find_free_urr(struct upf_dp *dp); /* free URR slot or UPF_ENOSPC */
uint64_t dp_now_ns(const struct upf_dp *dp);
/* Adds one packet to a URR (volume, duration) and raises threshold/quota events; returns 0, or
 * UPF_DROP_QUOTA when the URR's quota is already used up. */
int dp_urr_count(struct upf_dp *dp, struct urr_slot *u, int dl, uint32_t bytes, uint64_t now);

/* parse.c: fill key and inner_off; returns -1 to classify, a drop reason, or V_ECHO. */
int dp_parse_n3(struct pkt *p, struct pdr_key *key, uint32_t *teid);
int dp_parse_n6(struct pkt *p, struct pdr_key *key);
/* GTP-U header for a G-PDU of payload_len bytes; 8 bytes, or 16 with a DL PDU Session Container. */
int dp_gtpu_header(uint8_t *h, uint32_t teid, uint32_t payload_len, uint8_t qfi);
int dp_echo_response(uint8_t *h, const uint8_t *req, uint32_t req_len);

/* pipeline.c: classifies and applies rules to n packets, filling tx[]; returns the tx count. */
int dp_process(struct upf_dp *dp, int reader, int iface, struct pkt *pkts, size_t n, struct txd *tx);

/* fast.c */
int dp_fast_init(struct upf_dp *dp, uint32_t expected_sessions);
void dp_fast_free(struct upf_dp *dp);
int dp_fast_session_add(struct upf_dp *dp, uint64_t seid, uint32_t teid, uint32_t ue);
void dp_fast_session_remove(struct upf_dp *dp, uint64_t seid);
void dp_fast_apply(struct upf_dp *dp, uint64_t seid, const struct pdr_rule *adds, size_t n_add, const uint32_t *del_ids,
		   size_t n_del);
/* The table a batch reads (load once per batch). */
const struct fast_tab *dp_fast_table(const struct upf_dp *dp, int dir);
void dp_fast_prefetch(const struct fast_tab *t, uint32_t key);
/* 1 and *out filled when the fast path answers for this key; 0 = ask pdrsess. */
int dp_fast_lookup(const struct fast_tab *t, int dir, const struct pdr_key *k, struct pdrsess_match *out);

/* io.c */
void dp_emit(struct upf_dp *dp, enum out_mode mode, struct txd *tx, int n);
/* Switches the calling thread into netns (NULL/"" = stay; *self = -1 then) and back. */
int dp_netns_enter(struct upf_dp *dp, const char *netns, int *self);
int dp_netns_leave(struct upf_dp *dp, int self);

/* xsk.c */
void dp_xsk_close(struct upf_dp *dp);
int dp_xsk_fd(const struct upf_dp *dp);
int dp_xsk_rx(struct upf_dp *dp, struct pkt *pk, uint64_t *addrs, int max);
void dp_xsk_done(struct upf_dp *dp, const uint64_t *addrs, int n);
#define DP_XSK_TAKEN UINT64_MAX /* addrs[i] after dp_xsk_send() put the frame on a TX ring */
/* Sends what it can of tx[] through the AF_XDP TX rings (N6, N3) enabled by
 * upf_dp_set_xsk_tx(); frames received by AF_XDP (addrs, may be NULL) are sent in place and
 * marked DP_XSK_TAKEN. The rest is moved to the front of tx[] for dp_emit(); returns its count. */
int dp_xsk_send(struct upf_dp *dp, struct txd *tx, int n, uint64_t *addrs);
/* Reaps completions, refills the fill ring and kicks the TX rings. */
void dp_xsk_service(struct upf_dp *dp);
/* Floor measurement (upf_dp_bench_l2fwd): N3 frames straight to the N6 TX ring. */
int dp_xsk_l2fwd(struct upf_dp *dp);
int dp_xsk_l2fwd_on(const struct upf_dp *dp);

#endif
