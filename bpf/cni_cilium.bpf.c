// SPDX-License-Identifier: GPL-2.0
/* Cilium-style pod datapath for apps/cni-bench (tc clsact programs).
 *
 *  from_container  (ingress of the host-side pod veth): route the pod's packet in eBPF.
 *  from_overlay    (ingress of the collect_md VXLAN device): deliver decapsulated packets.
 *  from_netdev     (ingress of the host's wire device, native routing): deliver to pods.
 *
 *  - destination is a local endpoint (its IPv4 address is in cni_endpoints, which holds the
 *      host veth's ifindex and both MACs, like Cilium's endpoint map): rewrite the MACs and
 *      bpf_redirect_peer() straight into the destination pod's netns, skipping the host
 *      stack, netfilter and the bridge. One hash lookup, no FIB lookup: the first version
 *      asked bpf_fib_lookup for local pods too, and perf showed ~70% of the program's CPU
 *      in fib_table_lookup under it;
 * Remote destinations use the host's FIB (bpf_fib_lookup), as Cilium's "BPF host routing" does:
 *  - next hop is the VXLAN device (cni_config.vxlan_ifindex): set the tunnel key
 *      (remote = FIB gateway, VNI from config) and bpf_redirect() to the device;
 *  - anything else routed: bpf_redirect_neigh() to the FIB's egress device, letting the
 *      kernel resolve the neighbour (native routing between hosts);
 *  - not IPv4, not routable (e.g. Service IPs before kube-proxy DNAT) or TTL <= 1:
 *      TC_ACT_OK, i.e. the normal stack handles it.
 * Maps are pinned per lab run by bpftool (the loader fills them), so several runs coexist. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define ETH_P_IP 0x0800
#define AF_INET 2
#define ETH_ALEN 6

struct cni_config {
	__u32 vxlan_ifindex; /* 0: no overlay on this host */
	__u32 vni;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cni_config);
} cni_config SEC(".maps");

/* A local pod: where to redirect and which MACs its frames carry. */
struct cni_endpoint {
	__u32 ifindex;            /* host-side veth; its peer is the pod's interface */
	__u8 pod_mac[ETH_ALEN];   /* destination MAC of frames delivered to the pod */
	__u8 host_mac[ETH_ALEN];  /* source MAC: the host side (the pod's gateway) */
};

/* Pod IPv4 address (network order) -> endpoint; filled by the loader per pod. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct cni_endpoint);
} cni_endpoints SEC(".maps");

/* Per-CPU counters by decision, so tests can prove which path packets took. */
enum { CNT_PEER, CNT_TUNNEL, CNT_NEIGH, CNT_PASS, CNT_MAX };
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cni_stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *c = bpf_map_lookup_elem(&cni_stats, &what);

	if (c)
		*c += 1;
}

/* Forwarding: decrement TTL with an incremental checksum update (RFC 1624). */
static __always_inline void ttl_dec(struct __sk_buff *skb, struct iphdr *ip)
{
	__u16 old = *(__u16 *)&ip->ttl;
	__u16 now;

	ip->ttl--;
	now = *(__u16 *)&ip->ttl;
	bpf_l3_csum_replace(skb, sizeof(struct ethhdr) + offsetof(struct iphdr, check), old, now, 2);
}

static __always_inline int route(struct __sk_buff *skb, int from_container)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct bpf_fib_lookup fib = {};
	__u32 zero = 0;
	struct cni_config *cfg;
	struct cni_endpoint *ep;
	long rc;

	if ((void *)(ip + 1) > data_end)
		goto pass;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		goto pass;
	/* A forwarded packet must not loop forever; let the stack send the ICMP error. */
	if (ip->ttl <= 1)
		goto pass;
	ep = bpf_map_lookup_elem(&cni_endpoints, &ip->daddr);
	if (ep) {
		ttl_dec(skb, ip);
		/* The checksum helper may have moved the packet: re-validate before writing. */
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		eth = data;
		if ((void *)(eth + 1) > data_end)
			return TC_ACT_SHOT;
		__builtin_memcpy(eth->h_dest, ep->pod_mac, ETH_ALEN);
		__builtin_memcpy(eth->h_source, ep->host_mac, ETH_ALEN);
		count(CNT_PEER);
		return bpf_redirect_peer(ep->ifindex, 0);
	}
	if (!from_container)
		goto pass; /* from the wire/overlay to a non-endpoint: the host's business */
	cfg = bpf_map_lookup_elem(&cni_config, &zero);
	if (!cfg)
		goto pass;

	fib.family = AF_INET;
	fib.tos = ip->tos;
	fib.l4_protocol = ip->protocol;
	fib.tot_len = 0; /* no MTU check: GSO super-packets are segmented later, as in the stack */
	fib.ipv4_src = ip->saddr;
	fib.ipv4_dst = ip->daddr;
	fib.ifindex = skb->ingress_ifindex;

	/* NO_NEIGH still fills ifindex and the gateway, which is all the tunnel and
	 * redirect_neigh need (the kernel resolves the neighbour). */
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		goto pass;
	ttl_dec(skb, ip);

	if (cfg->vxlan_ifindex && fib.ifindex == cfg->vxlan_ifindex) {
		struct bpf_tunnel_key key = {};

		key.remote_ipv4 = bpf_ntohl(fib.ipv4_dst); /* FIB gateway = remote host, host order */
		key.tunnel_id = cfg->vni;
		key.tunnel_ttl = 64;
		if (bpf_skb_set_tunnel_key(skb, &key, sizeof(key), BPF_F_ZERO_CSUM_TX) < 0)
			return TC_ACT_SHOT;
		count(CNT_TUNNEL);
		return bpf_redirect(cfg->vxlan_ifindex, 0);
	}

	{
		struct bpf_redir_neigh nh = { .nh_family = AF_INET, .ipv4_nh = fib.ipv4_dst };

		count(CNT_NEIGH);
		return bpf_redirect_neigh(fib.ifindex, &nh, sizeof(nh), 0);
	}

pass:
	count(CNT_PASS);
	return TC_ACT_OK;
}

SEC("tc")
int from_container(struct __sk_buff *skb)
{
	return route(skb, 1);
}

SEC("tc")
int from_overlay(struct __sk_buff *skb)
{
	return route(skb, 0);
}

SEC("tc")
int from_netdev(struct __sk_buff *skb)
{
	return route(skb, 0);
}

char LICENSE[] SEC("license") = "GPL";
