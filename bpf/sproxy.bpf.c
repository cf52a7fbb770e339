// SPDX-License-Identifier: GPL-2.0
/* SPROXY: routes 16-byte descriptors between function sockets with SK_MSG.
 *
 * Every socket in sp_sockets runs sproxy_msg on sendmsg. One verdict covers one descriptor
 * (bpf_msg_apply_bytes) or a run of descriptors to the same target, so a coalesced write from
 * Node carrying many descriptors is routed descriptor by descriptor.
 *
 *  1. sender identity comes from socket storage (sp_sender), written by the proxy manager at
 *     registration; it vanishes with the socket.
 *  2. security domain: the sender's chain and the target's chain must equal the descriptor's
 *     chain; otherwise the descriptor goes SK_PASS to the manager's peer of the sender's TCP
 *     pair (never reaching a function) and counts as dropped. SK_DROP is not used: it fails
 *     sendmsg with EACCES and Node destroys the sender's socket.
 *  3. FP_DESC_FLAG_ROUTE: the target is resolved from sp_routes (chain, sender function,
 *     topic) with an atomic round-robin cursor.
 *  4. delivered descriptors reach the target's receive queue (BPF_F_INGRESS) with the instance
 *     field rewritten to the *sender's* instance, so the receiver knows whom to answer or
 *     credit; a target that is unknown or gone goes, unchanged, to the dead-letter socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <fastpath/descriptor.h>
#include "fastpath_bpf.h"

#define BPF_F_INGRESS_FLAG 1 /* BPF_F_INGRESS is an enum in vmlinux.h on some kernels only */

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, SP_MAX_SOCKETS);
	__type(key, __u32);   /* instance id */
	__type(value, __u64); /* socket (fd on update, cookie on lookup) */
} sp_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sp_identity);
} sp_sender SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SP_MAX_SOCKETS);
	__type(key, __u32);
	__type(value, struct sp_identity);
} sp_instances SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sp_route_key);
	__type(value, struct sp_route);
} sp_routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sp_metric_key);
	__type(value, struct sp_metrics);
} sp_metrics SEC(".maps");

_Static_assert(sizeof(struct fp_descriptor) == FP_DESCRIPTOR_SIZE, "descriptor layout differs under BPF");

static __always_inline struct sp_metrics *metrics_of(__u16 chain, __u16 function)
{
	struct sp_metric_key k = { .chain = chain, .function = function };
	struct sp_metrics *m = bpf_map_lookup_elem(&sp_metrics, &k);

	if (!m) {
		struct sp_metrics zero = {};

		bpf_map_update_elem(&sp_metrics, &k, &zero, BPF_NOEXIST);
		m = bpf_map_lookup_elem(&sp_metrics, &k);
	}
	return m;
}

/* Resolves a ROUTE descriptor's target; 0 when no route exists (0 is never a registered id). */
static __always_inline __u32 route_target(const struct sp_identity *from, __u16 topic)
{
	struct sp_route_key k = { .chain = from->chain, .function = from->function, .topic = topic };
	struct sp_route *r = bpf_map_lookup_elem(&sp_routes, &k);
	__u32 n, idx;

	if (!r)
		return 0;
	n = r->count;
	if (n == 0 || n > SP_MAX_ROUTE_INSTANCES)
		return 0;
	idx = __sync_fetch_and_add(&r->next, 1) % n;
	/* idx < n <= 16 already; hide that from clang so the mask the verifier needs survives. */
	barrier_var(idx);
	idx &= SP_MAX_ROUTE_INSTANCES - 1;
	return r->instances[idx];
}

SEC("sk_msg")
int sproxy_msg(struct sk_msg_md *msg)
{
	struct fp_descriptor *d, *e;
	struct sp_identity *from, *to;
	struct sp_metrics *m;
	__u32 target, run = 1;
	__u16 chain, flags;
	void *data, *end;

	if (msg->size < FP_DESCRIPTOR_SIZE) {
		/* A partial descriptor (a short write after EAGAIN): wait for the rest. */
		bpf_msg_cork_bytes(msg, FP_DESCRIPTOR_SIZE);
		return SK_PASS;
	}
	data = msg->data;
	end = msg->data_end;
	if (data + FP_DESCRIPTOR_SIZE > end) {
		/* The descriptor straddles two scatterlist pages: make it linear. */
		if (bpf_msg_pull_data(msg, 0, FP_DESCRIPTOR_SIZE, 0))
			return SK_PASS;
		data = msg->data;
		end = msg->data_end;
		if (data + FP_DESCRIPTOR_SIZE > end)
			return SK_PASS;
	}
	d = data;
	chain = d->chain;
	flags = d->flags;
	target = d->instance;

	if (!msg->sk)
		return SK_PASS;
	from = bpf_sk_storage_get(&sp_sender, msg->sk, 0, 0);
	if (!from || from->chain != chain) {
		bpf_msg_apply_bytes(msg, FP_DESCRIPTOR_SIZE);
		m = metrics_of(from ? from->chain : 0, from ? from->function : 0);
		if (m)
			m->dropped++;
		return SK_PASS; /* to the manager's peer socket, not to any function */
	}

	if (flags & FP_DESC_FLAG_ROUTE)
		target = route_target(from, fp_desc_topic(flags));
	m = metrics_of(from->chain, from->function);

	to = bpf_map_lookup_elem(&sp_instances, &target);
	if (to && to->chain != chain) {
		bpf_msg_apply_bytes(msg, FP_DESCRIPTOR_SIZE);
		if (m)
			m->dropped++;
		return SK_PASS;
	}
	/* The redirect helper only records the target; it fails when the key has no socket. */
	if (!to || bpf_msg_redirect_hash(msg, &sp_sockets, &target, BPF_F_INGRESS_FLAG) != SK_PASS) {
		/* One descriptor at a time to the dead-letter socket, target field kept (the
		 * resolved one for ROUTE descriptors) so the supervisor sees where it was going. */
		d->instance = target;
		bpf_msg_apply_bytes(msg, FP_DESCRIPTOR_SIZE);
		if (m)
			m->dead_lettered++;
		target = SP_DEADLETTER_INSTANCE;
		bpf_msg_redirect_hash(msg, &sp_sockets, &target, BPF_F_INGRESS_FLAG);
		/* Without a dead-letter socket this passes to the manager's peer: still not a drop. */
		return SK_PASS;
	}

	/* Delivered: tell the receiver who sent it, and take the following descriptors that go
	 * to the same place into this verdict (one redirect per run). ROUTE descriptors are
	 * never grouped: each one takes its own round-robin turn. */
	d->instance = from->instance;
	if (!(flags & FP_DESC_FLAG_ROUTE)) {
		e = d + 1;
		for (int i = 1; i < SP_MAX_RUN; i++, e++) {
			if ((void *)(e + 1) > end)
				break;
			if (e->instance != target || e->chain != chain || e->flags != flags)
				break;
			e->instance = from->instance;
			run++;
		}
	}
	bpf_msg_apply_bytes(msg, run * FP_DESCRIPTOR_SIZE);
	if (m) {
		if (flags & FP_DESC_FLAG_CONTROL)
			m->control += run;
		else
			m->delivered += run;
	}
	if (!(flags & FP_DESC_FLAG_CONTROL)) {
		struct sp_metrics *rm = metrics_of(to->chain, to->function);

		if (rm)
			rm->received += run;
	}
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
