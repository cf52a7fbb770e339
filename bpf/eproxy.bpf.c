// SPDX-License-Identifier: GPL-2.0
/* EPROXY: forwards IPv4 packets between interfaces by a FIB lookup, skipping the host's IP
 * forward path (and so iptables FORWARD), and counts packets/bytes per ingress interface.
 *
 *  eproxy_xdp         XDP on the receive side of a host veth or NIC: XDP_REDIRECT through
 *                     ep_xdp_tx, a devmap holding only the egress devices that accept XDP
 *                     frames (a veth needs XDP or GRO on its peer); anything else -> stack.
 *  eproxy_tc_ingress  tc clsact ingress on the host-side veth of a pod, i.e. the pod's egress:
 *                     bpf_redirect_peer into a veth peer's netns, bpf_redirect_neigh when the
 *                     FIB has no neighbour yet, bpf_redirect otherwise.
 * Packets the FIB cannot forward (local, unreachable, blackhole, TTL ending, fragmentation
 * needed, not IPv4) go to the kernel stack unchanged, which then handles them as before. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fastpath_bpf.h"

#define ETH_P_IP_ 0x0800
#define AF_INET_  2
#define ETH_ALEN_ 6
#define TC_ACT_OK_ 0 /* linux/pkt_cls.h, not in vmlinux.h */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EP_MAX_IFACES);
	__type(key, __u32); /* ingress ifindex */
	__type(value, struct ep_counters);
} ep_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, EP_MAX_IFACES);
	__type(key, __u32);   /* egress ifindex */
	__type(value, __u32); /* same ifindex */
} ep_xdp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EP_MAX_IFACES);
	__type(key, __u32);   /* egress ifindex */
	__type(value, __u32); /* EP_EGRESS_* */
} ep_tc_egress SEC(".maps");

static __always_inline struct ep_counters *counters_of(__u32 ifindex)
{
	struct ep_counters *c = bpf_map_lookup_elem(&ep_counters, &ifindex);

	if (!c) {
		struct ep_counters zero = {};

		bpf_map_update_elem(&ep_counters, &ifindex, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&ep_counters, &ifindex);
	}
	return c;
}

/* RFC 1624 incremental checksum update for a TTL decrement. */
static __always_inline void ip_decrease_ttl(struct iphdr *iph)
{
	__u32 check = (__u32)iph->check;

	check += (__u32)bpf_htons(0x0100);
	iph->check = (__sum16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

static __always_inline void fill_fib(struct bpf_fib_lookup *p, const struct iphdr *iph, __u32 ifindex)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->family = AF_INET_;
	p->tos = iph->tos;
	p->l4_protocol = iph->protocol;
	p->tot_len = bpf_ntohs(iph->tot_len);
	p->ipv4_src = iph->saddr;
	p->ipv4_dst = iph->daddr;
	p->ifindex = ifindex;
}

static __always_inline void set_macs(struct ethhdr *eth, const struct bpf_fib_lookup *p)
{
	__builtin_memcpy(eth->h_dest, p->dmac, ETH_ALEN_);
	__builtin_memcpy(eth->h_source, p->smac, ETH_ALEN_);
}

SEC("xdp")
int eproxy_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup p;
	struct ep_counters *c;
	struct iphdr *iph;
	__u64 len = end - data;
	long rc;

	c = counters_of(ctx->ingress_ifindex);
	if (c) {
		c->rx_packets++;
		c->rx_bytes += len;
	}
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_))
		goto pass;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end || iph->ttl <= 1)
		goto pass;
	fill_fib(&p, iph, ctx->ingress_ifindex);
	rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || !bpf_map_lookup_elem(&ep_xdp_tx, &p.ifindex))
		goto pass;
	ip_decrease_ttl(iph);
	set_macs(eth, &p);
	if (c) {
		c->redirected++;
		c->redirected_bytes += len;
	}
	return bpf_redirect_map(&ep_xdp_tx, p.ifindex, XDP_PASS);
pass:
	if (c)
		c->passed++;
	return XDP_PASS;
}

SEC("tc")
int eproxy_tc_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct bpf_fib_lookup p;
	struct ep_counters *c;
	struct iphdr *iph;
	__u32 *mode;
	long rc;

	c = counters_of(skb->ingress_ifindex);
	if (c) {
		c->rx_packets++;
		c->rx_bytes += skb->len;
	}
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_))
		goto pass;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > end || iph->ttl <= 1)
		goto pass;
	fill_fib(&p, iph, skb->ingress_ifindex);
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* Routable, but the neighbour is not resolved yet: let the kernel resolve it. */
		ip_decrease_ttl(iph);
		if (c) {
			c->redirected++;
			c->redirected_bytes += skb->len;
		}
		return bpf_redirect_neigh(p.ifindex, 0, 0, 0);
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		goto pass;
	ip_decrease_ttl(iph);
	set_macs(eth, &p);
	if (c) {
		c->redirected++;
		c->redirected_bytes += skb->len;
	}
	mode = bpf_map_lookup_elem(&ep_tc_egress, &p.ifindex);
	if (mode && *mode == EP_EGRESS_PEER)
		return bpf_redirect_peer(p.ifindex, 0);
	return bpf_redirect(p.ifindex, 0);
pass:
	if (c)
		c->passed++;
	return TC_ACT_OK_;
}

char LICENSE[] SEC("license") = "GPL";
