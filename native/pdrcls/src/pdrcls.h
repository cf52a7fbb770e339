/* pdrcls: Packet Detection Rule (PDR) classifiers for the UPF, and the session front end.
 *
 * One rule shape for every classifier: PDR_DIMS dimensions, each an inclusive range [lo, hi]
 * of 32-bit values. A prefix a.b.c.d/len is the range [net, net | host-mask]; an exact value v
 * is [v, v]; "any" is [0, pdr_dim_max(d)]. A key (one packet) is one 32-bit value per
 * dimension. A rule matches a key when lo[d] <= key[d] <= hi[d] for every d.
 *
 * Priority (3GPP TS 29.244 Precedence): the matching rule with the LOWEST precedence value
 * wins; ties go to the LOWER pdr_id. pdr_rank() encodes both into one 64-bit number where
 * lower is better; every classifier uses it and nothing else to compare rules.
 *
 * Thread safety: a struct pdrcls is single-writer; pdrcls_classify_batch() on one classifier
 * may run concurrently from many threads only while no writer touches it. For updates under
 * concurrent lookups use the session front end (struct pdrsess), which applies every change
 * to a shadow copy and publishes it with one atomic pointer swap plus an epoch grace period.
 *
 * Error convention: functions returning int return 0 (or a count) on success and a negative
 * PDRCLS_E* code on failure; pdrcls_strerror() names the code.
 */
#ifndef FASTPATH_PDRCLS_H
#define FASTPATH_PDRCLS_H
#include <stddef.h>
#include <stdint.h>

#define PDRCLS_ABI_VERSION 1
#define PDR_DIMS 20

/* Dimension layout of a key and of a rule. Which PFCP IE fills which dimension is the
 * control plane's job (libs/pdrcls documents the mapping used by apps/upf); the classifier
 * only sees numbers. Unused dimensions are "any" in rules and 0 in keys. */
enum pdr_dim {
	PDR_DIM_SRC_IP4 = 0,    /* IPv4 source address (SDF filter "from")             max 2^32-1 */
	PDR_DIM_DST_IP4 = 1,    /* IPv4 destination address (SDF filter "to")          max 2^32-1 */
	PDR_DIM_SRC_PORT = 2,   /* L4 source port                                      max 65535  */
	PDR_DIM_DST_PORT = 3,   /* L4 destination port                                 max 65535  */
	PDR_DIM_PROTO = 4,      /* IP protocol / next header                           max 255    */
	PDR_DIM_TOS = 5,        /* IPv4 TOS / IPv6 traffic class (ToS Traffic Class IE) max 255   */
	PDR_DIM_SRC_IFACE = 6,  /* PFCP Source Interface: 0 access, 1 core, 2 SGi-LAN, 3 CP max 15 */
	PDR_DIM_TEID = 7,       /* GTP-U TEID of the packet (F-TEID), 0 for N6 traffic max 2^32-1 */
	PDR_DIM_QFI = 8,        /* QoS Flow Identifier from the PDU session container  max 63     */
	PDR_DIM_APP_ID = 9,     /* Application ID (numeric id assigned by the CP)      max 2^32-1 */
	PDR_DIM_UE_IP4 = 10,    /* UE IPv4 address (UE IP Address IE)                  max 2^32-1 */
	PDR_DIM_SPI = 11,       /* IPsec Security Parameter Index                      max 2^32-1 */
	PDR_DIM_FLOW_LABEL = 12,/* IPv6 flow label                                     max 2^20-1 */
	PDR_DIM_NET_INST = 13,  /* Network Instance (numeric id assigned by the CP)    max 2^32-1 */
	PDR_DIM_ETHERTYPE = 14, /* Ethernet PDU session: EtherType                     max 65535  */
	PDR_DIM_VLAN = 15,      /* Ethernet PDU session: C-TAG VID                     max 4095   */
	PDR_DIM_EXTRA0 = 16,    /* 16..19: extra exact-match fields, meaning set by the CP        */
	PDR_DIM_EXTRA1 = 17,    /*         (max 2^32-1). The dissertation's PDR files put their */
	PDR_DIM_EXTRA2 = 18,    /*         extra byte fields in dims 5..19 (see libs/pdrcls).    */
	PDR_DIM_EXTRA3 = 19,
};

/* One PDR. lo[d] <= hi[d] for every d, or insert fails with PDRCLS_EINVAL. */
struct pdr_rule {
	uint32_t lo[PDR_DIMS];
	uint32_t hi[PDR_DIMS];
	uint32_t precedence; /* lower value = higher priority (TS 29.244 Precedence IE) */
	uint32_t pdr_id;     /* unique within one classifier; PDR_ID_NONE is reserved */
	uint64_t cookie;     /* opaque to the classifier (the data path keeps FAR/QER/URR refs here) */
};

/* One packet's header values, indexed by enum pdr_dim. */
struct pdr_key {
	uint32_t v[PDR_DIMS];
};

#define PDR_ID_NONE UINT32_MAX /* classify result when no rule matches */

/* Error codes (negative returns). */
#define PDRCLS_EINVAL (-22) /* bad argument: NULL, unknown kind, lo > hi, PDR_ID_NONE as id */
#define PDRCLS_EEXIST (-17) /* a rule (or session) with this id already exists */
#define PDRCLS_ENOENT (-2)  /* no rule (or session) with this id */
#define PDRCLS_ENOMEM (-12) /* allocation failed; the structure is unchanged */
#define PDRCLS_ENOSPC (-28) /* a fixed-size table (session readers) is full */

/* Classifier kinds. All return the same answer for the same rules and key. */
enum pdrcls_kind {
	PDRCLS_ORACLE = 0,      /* brute force over an unsorted array; reference for tests */
	PDRCLS_LL = 1,          /* rank-sorted array, first match wins (3GPP linked-list semantics) */
	PDRCLS_LL_FULLSCAN = 2, /* "dissertation-compatible": same array, always scans every rule and
	                          * keeps the best (what the dissertation's PDR-LL timed) */
	PDRCLS_TSS = 3,         /* Tuple Space Search: one hash table per tuple of per-dim prefix
	                          * lengths; probes every tuple */
	PDRCLS_PSTSS = 4,       /* Priority-sorted TSS: tuples in order of their best rank, stops
	                          * once the best match beats the next tuple's best rank */
	PDRCLS_PS = 5,          /* PartitionSort: sortable partitions, each a multi-dimensional
	                          * interval tree, searched in order of best rank with early exit */
	PDRCLS_KIND_COUNT = 6,
};

struct pdrcls;

/* Counters and sizes. probes = work units examined by classify calls since create or
 * pdrcls_reset_probes(): rules compared (ORACLE, LL*), tuple hash tables probed (TSS,
 * PSTSS), partitions searched (PS). */
struct pdrcls_stats {
	uint64_t rules;   /* installed rules */
	uint64_t tables;  /* sub-tables: 1 (ORACLE/LL*), tuples (TSS/PSTSS), partitions (PS) */
	uint64_t probes;  /* see above */
	uint64_t lookups; /* keys classified */
	uint64_t bytes;   /* heap bytes owned by the classifier, including rule copies */
};

int pdrcls_abi_version(void);
const char *pdrcls_strerror(int err);
/* Short stable name: "oracle", "ll", "ll-fullscan", "tss", "pstss", "ps"; NULL when unknown. */
const char *pdrcls_kind_name(int kind);

/* The one priority rule: lower rank wins. rank = precedence << 32 | pdr_id. */
static inline uint64_t pdr_rank(uint32_t precedence, uint32_t pdr_id)
{
	return ((uint64_t)precedence << 32) | pdr_id;
}
/* Exported form of the same rule: 1 when (prec_a, id_a) beats (prec_b, id_b), else 0. */
int pdr_rule_better(uint32_t prec_a, uint32_t id_a, uint32_t prec_b, uint32_t id_b);
/* Largest meaningful value of a dimension (the "any" range is [0, max]); 0 for d >= PDR_DIMS. */
uint32_t pdr_dim_max(int dim);
/* 1 when rule matches key, 0 otherwise (NULL -> 0). */
int pdr_rule_matches(const struct pdr_rule *rule, const struct pdr_key *key);
/* Sets every dimension of rule to "any" ([0, pdr_dim_max(d)]), precedence/pdr_id/cookie to 0. */
void pdr_rule_init_any(struct pdr_rule *rule);

/* Creates an empty classifier; NULL on unknown kind or out of memory. */
struct pdrcls *pdrcls_create(int kind);
void pdrcls_destroy(struct pdrcls *cls);
int pdrcls_kind(const struct pdrcls *cls);
/* Copies the rule in. PDRCLS_EEXIST when pdr_id is installed, PDRCLS_EINVAL on a bad rule. */
int pdrcls_insert(struct pdrcls *cls, const struct pdr_rule *rule);
/* Inserts n rules; stops at the first failure and returns its code (earlier ones stay). */
int pdrcls_insert_batch(struct pdrcls *cls, const struct pdr_rule *rules, size_t n);
/* Removes the rule with this id; PDRCLS_ENOENT when absent. */
int pdrcls_delete(struct pdrcls *cls, uint32_t pdr_id);
/* Copies the installed rule with this id into *out; PDRCLS_ENOENT when absent. */
int pdrcls_get(const struct pdrcls *cls, uint32_t pdr_id, struct pdr_rule *out);
/* Copies up to cap installed rules (any order) into out; returns how many are installed. */
int pdrcls_list(const struct pdrcls *cls, struct pdr_rule *out, size_t cap);
/* A new classifier of `kind` holding the same rules (kind -1 = same kind); NULL on failure. */
struct pdrcls *pdrcls_clone(const struct pdrcls *cls, int kind);

/* Classifies n keys. out_ids[i] = pdr_id of the best matching rule or PDR_ID_NONE;
 * out_cookies (may be NULL) gets that rule's cookie or 0. No allocation. Returns the number
 * of keys that matched, or PDRCLS_EINVAL. */
int pdrcls_classify_batch(struct pdrcls *cls, const struct pdr_key *keys, size_t n,
			  uint32_t *out_ids, uint64_t *out_cookies);
int pdrcls_stats(const struct pdrcls *cls, struct pdrcls_stats *out);
void pdrcls_reset_probes(struct pdrcls *cls);

/* ---- Benchmark helpers: timing happens in C so the binding's call cost is not measured. ---- */

/* Runs `reps` passes of pdrcls_classify_batch over all n keys (in batches of `batch` keys,
 * 0 = 64) and writes each pass's thread CPU time in ns to ns_out[rep]. Returns the number
 * of keys matched in the last pass, or a negative error. */
int pdrcls_bench_classify(struct pdrcls *cls, const struct pdr_key *keys, size_t n, size_t batch,
			  uint32_t reps, uint64_t *ns_out);
/* Replays an update trace: ops[i] = (op, id) with op 'I' (insert rules[id]) or 'D'
 * (delete id); rules is indexed by id. Each op is timed alone with CLOCK_MONOTONIC and the
 * timer's own median cost subtracted; ns_out[i] receives it. Returns 0, or the first failing
 * op's error (ns_out is then valid up to that op). */
int pdrcls_bench_updates(struct pdrcls *cls, const struct pdr_rule *rules, size_t nrules,
			 const uint32_t *op_codes, const uint32_t *op_ids, size_t nops, uint32_t *ns_out);

/* ---- Session front end ------------------------------------------------------------------ *
 * Sessions are found by uplink TEID (key dim PDR_DIM_TEID) or by downlink UE IPv4 (key dim
 * PDR_DIM_UE_IP4) in open-addressing hash tables, and each session owns one classifier.
 *
 * Writers (add/remove session, apply rule changes) are serialised by an internal mutex.
 * Rule changes are applied to a shadow clone of the session's classifier and published with
 * an atomic pointer store; the old classifier is freed only after every registered reader
 * has left the lookup it was in (epoch-based grace period). Readers never block and never
 * see a half-applied change: a pdrsess_apply() batch is visible all at once or not at all.
 * Lookups are wait-free and allocate nothing. Each reading thread registers once and passes
 * its reader slot to every lookup. */

struct pdrsess;

#define PDRSESS_MAX_READERS 64

enum pdrsess_dir {
	PDRSESS_UPLINK = 0,   /* session found by key.v[PDR_DIM_TEID] */
	PDRSESS_DOWNLINK = 1, /* session found by key.v[PDR_DIM_UE_IP4] */
};

/* One lookup result. seid = 0 and pdr_id = PDR_ID_NONE when no session was found;
 * pdr_id = PDR_ID_NONE with a seid when the session had no matching PDR. */
struct pdrsess_match {
	uint64_t seid;
	uint64_t cookie;
	uint32_t pdr_id;
	uint32_t reserved;
};

/* kind = classifier kind used for every session; expected_sessions sizes the hash tables
 * (they grow by rehash-and-swap). NULL on bad kind or out of memory. */
struct pdrsess *pdrsess_create(int kind, uint32_t expected_sessions);
/* Frees everything. No reader may be inside a lookup. */
void pdrsess_destroy(struct pdrsess *s);
/* Adds a session. teid 0 = no uplink entry, ue_ip4 0 = no downlink entry. PDRCLS_EEXIST
 * when the seid, the TEID or the UE IP is already used. */
int pdrsess_add(struct pdrsess *s, uint64_t seid, uint32_t teid, uint32_t ue_ip4);
/* Removes a session and (after the grace period) its classifier. */
int pdrsess_remove(struct pdrsess *s, uint64_t seid);
/* Atomically applies n_del deletions (by pdr_id) then n_add insertions to a session's
 * rules. All-or-nothing: on any error nothing changes and the error is returned. */
int pdrsess_apply(struct pdrsess *s, uint64_t seid, const struct pdr_rule *adds, size_t n_add,
		  const uint32_t *del_ids, size_t n_del);
/* Number of installed rules of a session, or PDRCLS_ENOENT. */
int pdrsess_rule_count(struct pdrsess *s, uint64_t seid);
/* Number of sessions. */
int pdrsess_count(const struct pdrsess *s);

/* Claims a reader slot (0..PDRSESS_MAX_READERS-1) or returns PDRCLS_ENOSPC. */
int pdrsess_reader_register(struct pdrsess *s);
void pdrsess_reader_unregister(struct pdrsess *s, int reader);
/* Looks up n keys in direction dir (enum pdrsess_dir) as reader `reader`. Returns the
 * number of keys that matched a PDR, or PDRCLS_EINVAL. */
int pdrsess_classify_batch(struct pdrsess *s, int reader, int dir, const struct pdr_key *keys,
			   size_t n, struct pdrsess_match *out);
/* Lookup counters summed over every reader slot since create. probes: as in pdrcls_stats
 * (rules compared, tuples probed or partitions searched, by the session's classifier kind). */
struct pdrsess_stats {
	uint64_t sessions;
	uint64_t lookups;    /* keys looked up */
	uint64_t no_session; /* keys whose TEID / UE IP found no session */
	uint64_t probes;     /* classifier work units over all sessions */
	uint32_t kind;       /* enum pdrcls_kind of every session's classifier */
	uint32_t reserved;
};
int pdrsess_stats(const struct pdrsess *s, struct pdrsess_stats *out);
/* Frees retired classifiers whose grace period is over; returns how many are still
 * waiting. Writers call it themselves; exposed for tests and idle loops. */
int pdrsess_reclaim(struct pdrsess *s);
/* Current publish epoch (incremented by every publish); for tests and metrics. */
uint64_t pdrsess_epoch(const struct pdrsess *s);

#endif
