/* Map layouts shared by the SPROXY/EPROXY programs and libs/ebpf (TypeScript mirrors these
 * structs byte for byte in libs/ebpf/src/layout.ts; a test reads the BTF of the built objects
 * and checks sizes and offsets, so a change here that is not mirrored fails CI). */
#ifndef FASTPATH_BPF_H
#define FASTPATH_BPF_H

/* ---- SPROXY ---- */

/* Key of the supervisor's dead-letter socket in sp_sockets. */
#define SP_DEADLETTER_INSTANCE 0xffffffffu
#define SP_MAX_SOCKETS         8192
#define SP_MAX_ROUTE_INSTANCES 16
/* Longest run of same-target descriptors one verdict may cover (one redirect per run). */
#define SP_MAX_RUN             64

/* Who a socket (or an instance id) belongs to. */
struct sp_identity {
	__u32 instance;
	__u16 chain;
	__u16 function;
};

/* Direct function routing: (chain, sending function, topic) -> instances of the next function. */
struct sp_route_key {
	__u16 chain;
	__u16 function;
	__u16 topic;
	__u16 pad;
};

struct sp_route {
	__u32 count;  /* valid entries in instances[] */
	__u32 next;   /* round-robin cursor, advanced atomically by the program */
	__u32 instances[SP_MAX_ROUTE_INSTANCES];
};

struct sp_metric_key {
	__u16 chain;
	__u16 function;
};

/* Per-CPU counters per (chain, function). delivered/dropped/dead_lettered/control count what
 * the function sent; received counts what was delivered to it. */
struct sp_metrics {
	__u64 delivered;
	__u64 received;
	__u64 dropped;
	__u64 dead_lettered;
	__u64 control;
};

/* ---- EPROXY ---- */

#define EP_MAX_IFACES 256

/* Per-CPU counters per ingress ifindex. */
struct ep_counters {
	__u64 rx_packets;    /* seen by the program */
	__u64 rx_bytes;
	__u64 redirected;    /* sent straight to the FIB's egress interface */
	__u64 redirected_bytes;
	__u64 passed;        /* handed to the kernel stack (FIB said so, or not IPv4/IPv6) */
};

/* Per egress ifindex: how the tc program may hand packets to it. */
#define EP_EGRESS_NEIGH 0  /* bpf_redirect_neigh (any device) */
#define EP_EGRESS_PEER  1  /* bpf_redirect_peer: target is the host end of a veth, deliver into its peer */

#endif
