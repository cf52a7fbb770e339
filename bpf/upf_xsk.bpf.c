// SPDX-License-Identifier: GPL-2.0
/* UPF N3 fast path: GTP-U (IPv4/UDP, destination port in upf_xsk_port, 2152 by default) goes
 * to the AF_XDP socket of the receive queue; everything else (ARP, ICMP, PFCP, ...) continues
 * to the kernel stack. Loaded and attached by native/upf-dp (src/xsk.c). */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP_BE bpf_htons(0x0800)

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} upf_xsks SEC(".maps");

/* [0] = UDP destination port to steer (host order); user space may change it before attaching. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} upf_xsk_port SEC(".maps");

SEC("xdp")
int upf_xsk_redirect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != ETH_P_IP_BE)
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		return XDP_PASS;
	/* fragments (other than a first fragment with the header) go to the stack to reassemble */
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_PASS;
	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	__u32 zero = 0, *port = bpf_map_lookup_elem(&upf_xsk_port, &zero);
	__u16 want = port && *port ? (__u16)*port : 2152;
	if (udp->dest != bpf_htons(want))
		return XDP_PASS;
	return bpf_redirect_map(&upf_xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
