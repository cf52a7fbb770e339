// SPDX-License-Identifier: GPL-2.0
/* Benchmark helper for the UPF data path: on the data-network end of the N6 veth, drop every
 * IPv4 packet in XDP. With veth, the receiver's stack work runs in the sender's context (the
 * UPF thread), so this shows the UPF's cost without the data network's UDP receive path. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int upf_dn_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(0x0800))
		return XDP_PASS; /* ARP keeps working */
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
