// SPDX-License-Identifier: GPL-2.0
/* EPROXY: forwards IPv4 and IPv6 packets between interfaces by a FIB lookup, skipping the
 * host's IP forward path (and so netfilter: PREROUTING, FORWARD, conntrack), and counts
 * packets/bytes per ingress interface.
 *
 *  eproxy_xdp         XDP on the receive side of a host veth or NIC: XDP_REDIRECT through
 *                     ep_xdp_tx, a devmap holding only the egress devices that accept XDP
 *                     frames (a veth needs XDP or GRO on its peer); anything else -> stack.
 *  eproxy_tc_ingress  tc clsact ingress on the host-side veth of a pod, i.e. the pod's egress:
 *                     bpf_redirect_peer into a veth peer's netns, bpf_redirect_neigh when the
 *                     FIB has no neighbour yet, bpf_redirect otherwise.
 * Packets the FIB cannot forward (local, unreachable, blackhole, TTL/hop limit ending,
 * fragmentation needed, link-local or multicast IPv6, forwarding disabled on the ingress
 * device, neither IPv4 nor IPv6) go to the kernel stack unchanged, which handles them as before. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fastpath_bpf.h"

#define ETH_P_IP_   0x0800
#define ETH_P_IPV6_ 0x86DD
#define AF_INET_    2
#define AF_INET6_   10
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

/* Fills the FIB query for an IPv4 or IPv6 packet arriving on `ifindex`. Returns its L3 header,
 * or NULL when it is not a packet to forward here (other protocols, truncated, TTL/hop limit
 * that would end at this hop: the stack answers those with ICMP time exceeded). */
static __always_inline void *fib_query(struct ethhdr *eth, void *end, struct bpf_fib_lookup *p, __u32 ifindex)
{
	__builtin_memset(p, 0, sizeof(*p));
	p->ifindex = ifindex;
	if (eth->h_proto == bpf_htons(ETH_P_IP_)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > end || iph->ttl <= 1)
			return NULL;
		p->family = AF_INET_;
		p->tos = iph->tos;
		p->l4_protocol = iph->protocol;
		p->tot_len = bpf_ntohs(iph->tot_len);
		p->ipv4_src = iph->saddr;
		p->ipv4_dst = iph->daddr;
		return iph;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > end || ip6h->hop_limit <= 1)
			return NULL;
		p->family = AF_INET6_;
		p->flowinfo = *(__be32 *)ip6h & bpf_htonl(0x0FFFFFFF); /* traffic class + flow label */
		p->l4_protocol = ip6h->nexthdr;
		p->tot_len = bpf_ntohs(ip6h->payload_len) + sizeof(*ip6h);
		__builtin_memcpy(p->ipv6_src, &ip6h->saddr, sizeof(p->ipv6_src));
		__builtin_memcpy(p->ipv6_dst, &ip6h->daddr, sizeof(p->ipv6_dst));
		return ip6h;
	}
	return NULL;
}

/* One hop less: IPv4 TTL (with its checksum) or IPv6 hop limit (no header checksum). */
static __always_inline void decrease_hops(void *l3, const struct bpf_fib_lookup *p)
{
	if (p->family == AF_INET_)
		ip_decrease_ttl(l3);
	else
		((struct ipv6hdr *)l3)->hop_limit--;
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
	__u64 len = end - data;
	void *l3;
	long rc;

	c = counters_of(ctx->ingress_ifindex);
	if (c) {
		c->rx_packets++;
		c->rx_bytes += len;
	}
	if ((void *)(eth + 1) > end)
		goto pass;
	l3 = fib_query(eth, end, &p, ctx->ingress_ifindex);
	if (!l3)
		goto pass;
	rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || !bpf_map_lookup_elem(&ep_xdp_tx, &p.ifindex))
		goto pass;
	decrease_hops(l3, &p);
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
	__u32 *mode;
	void *l3;
	long rc;

	c = counters_of(skb->ingress_ifindex);
	if (c) {
		c->rx_packets++;
		c->rx_bytes += skb->len;
	}
	if ((void *)(eth + 1) > end)
		goto pass;
	l3 = fib_query(eth, end, &p, skb->ingress_ifindex);
	if (!l3)
		goto pass;
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		/* Routable, but the neighbour is not resolved yet: let the kernel resolve it. */
		decrease_hops(l3, &p);
		if (c) {
			c->redirected++;
			c->redirected_bytes += skb->len;
		}
		return bpf_redirect_neigh(p.ifindex, 0, 0, 0);
	}
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		goto pass;
	decrease_hops(l3, &p);
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
