/* upf-dp: the UPF user-plane data path.
 *
 * N3 (GTP-U over UDP, port 2152) and N6 (plain IPv4 on a veth) are read in batches, each packet
 * becomes a struct pdr_key, the pdrcls session front end (TEID -> session uplink, UE IPv4 ->
 * session downlink) finds the winning PDR, and the rule's cookie names the FAR / QER / URR
 * slots to apply: forward (decap to N6, encap to N3), drop, buffer (bounded, with a
 * notification event for the control plane), token-bucket MBR and gate, volume counters with
 * a threshold event.
 *
 * Threads: upf_dp_start() runs the loop on its own thread. The control plane (TypeScript via
 * koffi) changes rules with pdrsess (lock-free for the reader) and FAR/QER/URR slots under
 * `tables_lock`, which the data path takes once per batch. Without a thread, upf_dp_inject()
 * runs the same pipeline on caller-supplied packets and captures what would be sent (tests,
 * pipeline benchmark).
 *
 * Errors: negative UPF_E* codes (which reuse the pdrcls values where they mean the same).
 */
#ifndef FASTPATH_UPF_DP_H
#define FASTPATH_UPF_DP_H
#include <stddef.h>
#include <stdint.h>

#include "pdrcls.h"

#define UPF_DP_ABI_VERSION 3
#define UPF_DP_BATCH 64
#define UPF_DP_MAX_PKT 2048

#define UPF_EINVAL PDRCLS_EINVAL
#define UPF_EEXIST PDRCLS_EEXIST
#define UPF_ENOENT PDRCLS_ENOENT
#define UPF_ENOMEM PDRCLS_ENOMEM
#define UPF_ENOSPC PDRCLS_ENOSPC
#define UPF_ESYS (-5)   /* a system call failed; errno text via upf_dp_last_error() */
#define UPF_EBUSY (-16) /* the data path thread is already running / must be stopped first */

/* The PDR cookie: which FAR / QER / URR slots a matching packet uses.
 * bits 0..21 FAR slot, 22..41 QER slot + 1 (0 = none), 42..61 URR slot + 1 (0 = none),
 * bit 62 = Outer Header Removal (strip GTP-U/UDP/IP before forwarding). */
#define UPF_COOKIE_OHR (1ull << 62)
#define UPF_MAX_SLOTS ((1u << 20) - 1)

/* Apply Action bits, as in PFCP (TS 29.244 8.2.26). */
#define UPF_ACT_DROP 0x01
#define UPF_ACT_FORW 0x02
#define UPF_ACT_BUFF 0x04
#define UPF_ACT_NOCP 0x08

/* Interfaces, as in PFCP Source/Destination Interface. */
#define UPF_IF_ACCESS 0
#define UPF_IF_CORE 1

struct upf_far {
	uint64_t seid;      /* owning session (reported in events) */
	uint32_t far_id;
	uint8_t action;     /* UPF_ACT_* */
	uint8_t dst_iface;  /* UPF_IF_ACCESS (encap to N3) or UPF_IF_CORE (to N6) */
	uint8_t ohc_gtpu;   /* 1 = Outer Header Creation GTP-U/UDP/IPv4 */
	uint8_t qfi;        /* QFI put in the DL PDU Session Container; 0 = no extension header */
	uint32_t teid;      /* outer header TEID */
	uint32_t peer_ip4;  /* outer header destination, host byte order */
	uint16_t peer_port; /* 0 = 2152 */
	uint16_t buffer_max;/* packets kept while buffering (0 = the dp default) */
	uint32_t pdr_id;    /* PDR reported in the Downlink Data Report */
};

struct upf_qer {
	uint32_t qer_id;
	uint8_t gate_ul_closed, gate_dl_closed;
	uint16_t reserved;
	uint64_t mbr_ul_kbps, mbr_dl_kbps; /* 0 = no limit */
};

/* Usage Report Trigger bits, as PFCP encodes them in 16 bits (TS 29.244 8.2.41: octet 5 high). */
#define UPF_TRIG_VOLTH 0x0200
#define UPF_TRIG_TIMTH 0x0400
#define UPF_TRIG_VOLQU 0x0001
#define UPF_TRIG_TIMQU 0x0002

/* Duration measurement (TS 29.244 5.2.2.2): starts with the first packet the URR counts and
 * runs with the clock; with inactivity_ns set it stops inactivity_ns after the last packet
 * (that idle tail is counted) and resumes with the next packet.
 * Thresholds report and restart the period; quotas report once and then drop the URR's
 * packets (drop reason "quota") until the control plane sets a new quota. */
struct upf_urr {
	uint64_t seid;
	uint32_t urr_id;
	uint32_t reserved;
	uint64_t volume_threshold; /* total bytes in the period that trigger a report; 0 = none */
	uint64_t volume_quota;     /* total bytes allowed; 0 = none */
	uint64_t time_threshold_ns;/* measured duration in the period that triggers a report; 0 = none */
	uint64_t time_quota_ns;    /* measured duration allowed; 0 = none */
	uint64_t inactivity_ns;    /* Inactivity Detection Time; 0 = measure wall time since first packet */
};

/* Counters of one URR since the last report (or creation). */
struct upf_urr_counts {
	uint64_t ul_bytes, dl_bytes, ul_pkts, dl_pkts;
	uint64_t total_ul_bytes, total_dl_bytes; /* since creation, never reset */
	uint64_t duration_ns;       /* measured duration in this period */
	uint64_t total_duration_ns; /* since creation */
	uint64_t first_ns;          /* data-path clock of the period's first packet (0 = none yet) */
	uint64_t last_ns;           /* data-path clock of the last counted packet (0 = none yet) */
	uint32_t trigger;           /* UPF_TRIG_* bits of the report (events only) */
	uint32_t quota_exhausted;   /* 1 after a quota report, until the quota is set again */
};

enum upf_event_type {
	UPF_EV_DL_DATA = 1, /* first packet buffered for a FAR with BUFF|NOCP: send a Downlink Data Report */
	UPF_EV_USAGE = 2,   /* a URR reached a volume/time threshold or quota (counts.trigger says which) */
};

struct upf_event {
	uint32_t type;
	uint32_t id;        /* PDR id (DL_DATA) or URR id (USAGE) */
	uint64_t seid;
	struct upf_urr_counts counts; /* USAGE only */
};

enum upf_drop {
	UPF_DROP_MALFORMED = 0, UPF_DROP_NOT_GPDU, UPF_DROP_NO_SESSION, UPF_DROP_NO_PDR, UPF_DROP_FAR,
	UPF_DROP_GATE, UPF_DROP_MBR, UPF_DROP_BUFFER_FULL, UPF_DROP_NO_ROUTE, UPF_DROP_TX_ERROR, UPF_DROP_QUOTA,
	UPF_DROP_COUNT,
};

struct upf_dp_stats {
	uint64_t rx_n3, rx_n6, tx_n3, tx_n6;
	uint64_t buffered, flushed, echo_replies, events_lost, batches, lookups;
	uint64_t dp_cpu_ns;            /* CPU time of the data path thread (0 when not running) */
	uint64_t drops[UPF_DROP_COUNT];
	uint64_t probes;               /* classifier work units (pdrsess_stats: rules compared, tuples
	                                * probed or partitions searched, by classifier kind) */
	uint32_t classifier_kind;      /* enum pdrcls_kind */
	uint32_t reserved;
};

struct upf_dp;

int upf_dp_abi_version(void);
const char *upf_dp_strerror(int err);
/* Short name of a drop reason ("malformed", "no-session", ...); NULL when unknown. */
const char *upf_dp_drop_name(int reason);
/* Text of the last UPF_ESYS failure on this data path. */
const char *upf_dp_last_error(const struct upf_dp *dp);
uint64_t upf_dp_cookie(uint32_t far_slot, int32_t qer_slot, int32_t urr_slot, int ohr);

/* kind: pdrcls classifier kind per session. max_slots bounds FAR, QER and URR slots each;
 * buffer_pool: packets that can be buffered in total; default_buffer: per-FAR limit. */
struct upf_dp *upf_dp_create(int kind, uint32_t expected_sessions, uint32_t max_slots,
			     uint32_t buffer_pool, uint32_t default_buffer);
void upf_dp_destroy(struct upf_dp *dp);

/* Opens the N3 UDP socket on addr:port (IPv4 text) and the N6 AF_PACKET socket on ifname
 * plus a raw IPv4 socket for N6 output, inside network namespace `netns` (a path such as
 * /var/run/netns/x; NULL or "" = the caller's). Only the calling thread switches, and back. */
int upf_dp_open(struct upf_dp *dp, const char *netns, const char *n3_addr, uint16_t n3_port,
		const char *n6_ifname);
/* N3 receive I/O (upf_dp_io_mode). */
#define UPF_IO_SOCKET 0      /* recvmmsg on the N3 UDP socket (the fallback) */
#define UPF_IO_XDP 1         /* request: AF_XDP, native XDP if the driver has it, else generic */
#define UPF_IO_XDP_NATIVE 2  /* AF_XDP with the program in the driver (veth: native XDP, copy mode) */
#define UPF_IO_XDP_GENERIC 3 /* AF_XDP with generic (skb) XDP */

/* After upf_dp_open(): receive N3 through an AF_XDP socket on n3_ifname (queue 0). bpf_obj is
 * dist/bpf/upf_xsk.bpf.o; it is attached with a BPF link (detached on destroy or process
 * exit) and steers only IPv4/UDP to the N3 port; the rest goes to the kernel as before.
 * mode: UPF_IO_XDP, UPF_IO_XDP_NATIVE or UPF_IO_XDP_GENERIC. Sending stays on the sockets. */
int upf_dp_open_xsk(struct upf_dp *dp, const char *netns, const char *n3_ifname, const char *bpf_obj, int mode);
/* After upf_dp_open(): send N6 packets through the N6 AF_PACKET socket with PACKET_QDISC_BYPASS
 * to this next-hop MAC (6 bytes) instead of the raw IPv4 socket (which routes and resolves the
 * neighbour per packet). For a directly attached data network / gateway. NULL = raw socket again.
 * Setting a MAC while the thread runs is refused (UPF_EBUSY): the thread reads it unlocked. */
int upf_dp_set_n6_nexthop(struct upf_dp *dp, const uint8_t *mac);
/* AF_XDP transmit (after upf_dp_open_xsk(); bits of `which`):
 *  UPF_XSK_TX_N6: uplink leaves through an AF_XDP socket on n6_ifname that shares the N3 UMEM:
 *    the decapsulated packet is sent from the frame it arrived in (no copy in user space; the
 *    kernel copies once into an skb, veth has no zero-copy). Needs upf_dp_set_n6_nexthop()
 *    first (the Ethernet destination; there is no neighbour lookup).
 *  UPF_XSK_TX_N3: downlink GTP-U is built in a UMEM frame and sent on the N3 socket's TX ring,
 *    to the MAC the gNB's address last sent from (learned from N3 RX); until a gNB has sent
 *    uplink, and for GTP-U echo replies, the N3 UDP socket sends as before.
 * 0 = back to the sockets. UPF_ENOENT without AF_XDP N3 or without the N6 next hop. */
#define UPF_XSK_TX_N6 1
#define UPF_XSK_TX_N3 2
int upf_dp_set_xsk_tx(struct upf_dp *dp, const char *netns, const char *n6_ifname, int which);
/* UPF_XSK_TX_* bits in effect. */
int upf_dp_xsk_tx(const struct upf_dp *dp);
/* Floor measurement: with on = 1 (needs UPF_XSK_TX_N6), the thread forwards every frame the N3
 * AF_XDP socket receives to the N6 TX ring unchanged but for the MACs, with no parsing or
 * classification: the cost of the I/O alone (counted as rx_n3 / tx_n6). */
int upf_dp_bench_l2fwd(struct upf_dp *dp, int on);
/* Session fast path (src/fast.c): sessions whose uplink / downlink has a single PDR that
 * names only the TEID / UE address (plus up to 3 other dimensions) are answered from one
 * prefetched cache line instead of the classifier; on by default. 0 turns it off (every key
 * goes through pdrsess; for comparison). */
int upf_dp_set_fastpath(struct upf_dp *dp, int on);
/* Fast-path entries (uplink + downlink directions) currently installed. */
int upf_dp_fastpath_entries(struct upf_dp *dp);
/* UPF_IO_SOCKET, UPF_IO_XDP_NATIVE or UPF_IO_XDP_GENERIC; UPF_ENOENT before upf_dp_open(). */
int upf_dp_io_mode(const struct upf_dp *dp);
/* The N3 port actually bound (useful with port 0). */
int upf_dp_n3_port(const struct upf_dp *dp);
int upf_dp_start(struct upf_dp *dp);
int upf_dp_stop(struct upf_dp *dp);

int upf_dp_session_add(struct upf_dp *dp, uint64_t seid, uint32_t teid, uint32_t ue_ip4);
int upf_dp_session_remove(struct upf_dp *dp, uint64_t seid);
int upf_dp_rules_apply(struct upf_dp *dp, uint64_t seid, const struct pdr_rule *adds, size_t n_add,
		       const uint32_t *del_ids, size_t n_del);
int upf_dp_session_count(const struct upf_dp *dp);

/* slot < 0 allocates a free slot; returns the slot or an error. Changing a FAR away from
 * BUFF releases its buffered packets back into the downlink pipeline. */
int upf_dp_far_set(struct upf_dp *dp, int32_t slot, const struct upf_far *far);
int upf_dp_far_del(struct upf_dp *dp, int32_t slot);
int upf_dp_qer_set(struct upf_dp *dp, int32_t slot, const struct upf_qer *qer);
int upf_dp_qer_del(struct upf_dp *dp, int32_t slot);
int upf_dp_urr_set(struct upf_dp *dp, int32_t slot, const struct upf_urr *urr);
int upf_dp_urr_del(struct upf_dp *dp, int32_t slot);
/* Counters of a URR; duration_ns includes the running measurement up to the data-path clock. */
int upf_dp_urr_read(struct upf_dp *dp, int32_t slot, struct upf_urr_counts *out);
/* Checks time thresholds and quotas of every URR that has one at the data-path clock and
 * raises their events; returns how many were raised. The data-path thread calls it every
 * 100 ms itself; tests call it after moving the clock. */
int upf_dp_urr_tick(struct upf_dp *dp);
/* Data-path clock: 0 = CLOCK_MONOTONIC (default); any other value freezes the clock there
 * (tests move it forward to check time measurement). Used for URR durations and QER buckets. */
int upf_dp_clock_set(struct upf_dp *dp, uint64_t now_ns);
uint64_t upf_dp_clock(const struct upf_dp *dp);
/* Packets currently buffered for a FAR slot. */
int upf_dp_far_buffered(struct upf_dp *dp, int32_t slot);

/* Moves up to cap pending events to out; returns how many. */
int upf_dp_poll_events(struct upf_dp *dp, struct upf_event *out, int cap);
int upf_dp_stats(struct upf_dp *dp, struct upf_dp_stats *out);

/* Runs the pipeline on n packets without sockets. iface UPF_IF_ACCESS: each packet is a UDP
 * payload received on N3 (GTP-U); UPF_IF_CORE: an IPv4 packet received on N6. Packets are
 * concatenated in `pkts` with lengths in `lens`. What would be sent is appended to the
 * capture buffer (see upf_dp_capture). Returns packets forwarded, or an error. */
int upf_dp_inject(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n);
/* Reads captured output: records of [u8 iface][u8 pad][u16 len][u32 dst_ip4][u16 dst_port][u16 pad][len bytes]
 * (little-endian header) into buf; returns bytes written (records are never split) and removes them. */
int upf_dp_capture(struct upf_dp *dp, uint8_t *buf, size_t cap);
/* Releases packets that FAR updates took out of buffering (the thread does this itself). */
int upf_dp_flush(struct upf_dp *dp);

/* Benchmark: runs the whole pipeline (parse, classify, FAR/QER/URR, header build, no I/O)
 * `reps` times over the packets and stores each pass's thread CPU ns in ns_out. */
int upf_dp_bench_pipeline(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens,
			  size_t n, uint32_t reps, uint64_t *ns_out);
/* Benchmark: parses the packets into keys once, then times only pdrsess_classify_batch over
 * them (batches of 64) `reps` times. Returns keys matched to a PDR in the last pass. */
int upf_dp_bench_classify(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens,
			  size_t n, uint32_t reps, uint64_t *ns_out);

#endif
