// SPDX-License-Identifier: GPL-2.0
/* The smallest program of the tree: a socket filter that counts packets and bytes in a
 * per-CPU array. It proves the build (vmlinux.h, libbpf headers, the shared descriptor
 * header) and the verifier check on this kernel before the real programs arrive. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <fastpath/descriptor.h>

struct probe_counters {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_counters);
} probe_counters SEC(".maps");

_Static_assert(sizeof(struct fp_descriptor) == FP_DESCRIPTOR_SIZE, "descriptor layout differs under BPF");

SEC("socket")
int probe_count(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct probe_counters *c = bpf_map_lookup_elem(&probe_counters, &zero);

	if (c) {
		c->packets++;
		c->bytes += skb->len;
	}
	return skb->len; /* keep the whole packet */
}

char LICENSE[] SEC("license") = "GPL";
