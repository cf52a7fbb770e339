/* AF_XDP for N3 and N6: an XDP program (bpf/upf_xsk.bpf.c) steers GTP-U to an AF_XDP socket
 * whose frames land in a UMEM we own, so uplink packets skip the kernel's IP/UDP receive path
 * and socket queue. With upf_dp_set_xsk_tx(), a second AF_XDP socket on N6 shares that UMEM:
 * a decapsulated uplink packet leaves from the very frame it arrived in (an Ethernet header is
 * written over the end of the GTP-U header, the descriptor points there), and downlink GTP-U is
 * built in a free frame and sent on the N3 socket's TX ring. Frames cycle RX -> TX -> completion
 * ring -> free list (LIFO, so the hot frames are reused) -> fill ring. Otherwise transmit stays
 * on the sockets of io.c (N3 UDP, N6 raw / AF_PACKET). The program is attached with a BPF link:
 * it goes away when the data path closes or the process dies, and never outlives us on the
 * interface. */
#include "dp_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define XSK_FRAMES 4096
#define XSK_FRAME 2048
#define XSK_RING 2048
/* Frames kept on the fill ring for RX; the rest wait on the LIFO free list (for TX copies and
 * so that the frames in use stay few and cache-warm). */
#define XSK_FILL_TARGET 1024
#define XSK_PEERS 256
#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9 /* Linux 6.17: frames one copy-mode sendto() may send (default 32) */
#endif

struct dp_xsk {
	struct xsk_umem *umem;
	struct xsk_socket *sock, *sock6;
	struct xsk_ring_prod fill, tx3, fill6, tx6;
	struct xsk_ring_cons comp, rx, comp6;
	void *area;
	struct bpf_object *obj;
	int link_fd;
	int mode; /* UPF_IO_XDP_NATIVE or UPF_IO_XDP_GENERIC */
	int tx_bits; /* UPF_XSK_TX_* in effect */
	int l2fwd;   /* floor measurement: N3 frames go straight to N6 */
	uint64_t *free; /* frame base addresses owned by user space (LIFO) */
	uint32_t nfree, in_fill;
	uint32_t pending3, pending6; /* submitted, not yet kicked */
	uint8_t mac3[6], mac6[6];
	uint32_t ip3; /* N3 source address for downlink GTP-U, host order */
	char ifname3[IF_NAMESIZE];
	struct peer_mac { uint32_t ip; uint8_t mac[6]; } peers[XSK_PEERS]; /* gNB MACs learned from N3 RX */
};

static int fail(struct upf_dp *dp, const char *what, int err)
{
	snprintf(dp->last_error, sizeof(dp->last_error), "%s: %s", what, strerror(err < 0 ? -err : err));
	return UPF_ESYS;
}

void dp_xsk_close(struct upf_dp *dp)
{
	struct dp_xsk *x = dp->xsk;
	if (!x)
		return;
	if (x->sock6)
		xsk_socket__delete(x->sock6);
	if (x->sock)
		xsk_socket__delete(x->sock);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->link_fd >= 0)
		close(x->link_fd);
	if (x->obj)
		bpf_object__close(x->obj);
	if (x->area)
		munmap(x->area, (size_t)XSK_FRAMES * XSK_FRAME);
	free(x->free);
	free(x);
	dp->xsk = NULL;
}

static int attach(struct upf_dp *dp, struct dp_xsk *x, int ifindex, const char *bpf_obj, int mode)
{
	x->obj = bpf_object__open_file(bpf_obj, NULL);
	if (!x->obj) {
		x->obj = NULL;
		return fail(dp, "open XDP object", errno);
	}
	int e = bpf_object__load(x->obj);
	if (e)
		return fail(dp, "load XDP object", e);
	struct bpf_program *prog = bpf_object__find_program_by_name(x->obj, "upf_xsk_redirect");
	struct bpf_map *port = bpf_object__find_map_by_name(x->obj, "upf_xsk_port");
	if (!prog || !port)
		return fail(dp, "XDP object lacks upf_xsk_redirect/upf_xsk_port", ENOENT);
	uint32_t zero = 0, p = dp->n3_port;
	if (bpf_map_update_elem(bpf_map__fd(port), &zero, &p, 0))
		return fail(dp, "set N3 port in XDP map", errno);
	/* native (driver) XDP first; generic (skb) when the driver has none or mode asks for it */
	static const uint32_t flags[2] = { XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	for (int i = mode == UPF_IO_XDP_GENERIC ? 1 : 0; i < (mode == UPF_IO_XDP_NATIVE ? 1 : 2); i++) {
		LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags[i]);
		x->link_fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &o);
		if (x->link_fd >= 0) {
			x->mode = i == 0 ? UPF_IO_XDP_NATIVE : UPF_IO_XDP_GENERIC;
			return 0;
		}
	}
	return fail(dp, "attach XDP program", errno);
}

static int open_xsk(struct upf_dp *dp, const char *ifname, const char *bpf_obj, int mode)
{
	struct dp_xsk *x = calloc(1, sizeof(*x));
	if (!x)
		return UPF_ENOMEM;
	x->link_fd = -1;
	dp->xsk = x;
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return fail(dp, "N3 interface", errno);
	snprintf(x->ifname3, sizeof(x->ifname3), "%s", ifname);
	x->area = mmap(NULL, (size_t)XSK_FRAMES * XSK_FRAME, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return fail(dp, "UMEM mmap", errno);
	}
	x->free = malloc(XSK_FRAMES * sizeof(*x->free));
	if (!x->free)
		return UPF_ENOMEM;
	struct xsk_umem_config uc = { .fill_size = XSK_RING, .comp_size = XSK_RING, .frame_size = XSK_FRAME,
				      .frame_headroom = 0, .flags = 0 };
	int e = xsk_umem__create(&x->umem, x->area, (uint64_t)XSK_FRAMES * XSK_FRAME, &x->fill, &x->comp, &uc);
	if (e)
		return fail(dp, "xsk_umem__create", e);
	int rc = attach(dp, x, ifindex, bpf_obj, mode);
	if (rc)
		return rc;
	struct xsk_socket_config sc = { .rx_size = XSK_RING, .tx_size = XSK_RING, .bind_flags = XDP_USE_NEED_WAKEUP,
					.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD };
	e = xsk_socket__create(&x->sock, ifname, 0, x->umem, &x->rx, &x->tx3, &sc);
	if (e)
		return fail(dp, "xsk_socket__create", e);
	struct bpf_map *xsks = bpf_object__find_map_by_name(x->obj, "upf_xsks");
	if (!xsks)
		return fail(dp, "XDP object lacks upf_xsks", ENOENT);
	e = xsk_socket__update_xskmap(x->sock, bpf_map__fd(xsks));
	if (e)
		return fail(dp, "add socket to XSKMAP", e);
	int budget = 256;
	setsockopt(xsk_socket__fd(x->sock), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget)); /* older kernels: 32 */
	for (uint32_t i = 0; i < XSK_FRAMES; i++)
		x->free[i] = (uint64_t)(XSK_FRAMES - 1 - i) * XSK_FRAME;
	x->nfree = XSK_FRAMES;
	dp_xsk_service(dp);
	return 0;
}

int upf_dp_open_xsk(struct upf_dp *dp, const char *netns, const char *n3_ifname, const char *bpf_obj, int mode)
{
	if (!dp || !n3_ifname || !bpf_obj || (mode != UPF_IO_XDP && mode != UPF_IO_XDP_NATIVE && mode != UPF_IO_XDP_GENERIC))
		return UPF_EINVAL;
	if (dp->n3_fd < 0)
		return UPF_ENOENT; /* upf_dp_open() first: its N3 socket sends */
	if (atomic_load(&dp->running) || dp->xsk)
		return UPF_EBUSY;
	libbpf_set_print(NULL); /* errors come back through upf_dp_last_error() */
	int self = -1;
	int rc = dp_netns_enter(dp, netns, &self);
	if (rc == 0)
		rc = open_xsk(dp, n3_ifname, bpf_obj, mode);
	int back = dp_netns_leave(dp, self);
	if (rc == 0)
		rc = back;
	if (rc)
		dp_xsk_close(dp);
	return rc;
}

int upf_dp_io_mode(const struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	return dp->xsk ? dp->xsk->mode : dp->n3_fd >= 0 ? UPF_IO_SOCKET : UPF_ENOENT;
}

int dp_xsk_fd(const struct upf_dp *dp) { return dp->xsk ? xsk_socket__fd(dp->xsk->sock) : -1; }

/* Takes up to max received frames: pk[i] points at the UDP payload (GTP-U) with the sender's
 * address, addrs[i] remembers the frame for dp_xsk_done(). */
int dp_xsk_rx(struct upf_dp *dp, struct pkt *pk, uint64_t *addrs, int max)
{
	struct dp_xsk *x = dp->xsk;
	uint32_t idx;
	int n = (int)xsk_ring_cons__peek(&x->rx, (uint32_t)max, &idx);
	for (int i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx + (uint32_t)i);
		const uint8_t *f = xsk_umem__get_data(x->area, d->addr);
		addrs[i] = xsk_umem__extract_addr(d->addr);
		uint32_t len = d->len;
		pk[i] = (struct pkt){ .data = f, .len = 0 }; /* len 0 = malformed for dp_parse_n3 */
		/* the program only redirects IPv4/UDP to our port; lengths are still checked */
		if (len < 14 + 20 + 8)
			continue;
		const uint8_t *ip = f + 14;
		uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4, tot = (uint32_t)ip[2] << 8 | ip[3];
		if (ihl < 20 || tot > len - 14 || tot < ihl + 8)
			continue;
		const uint8_t *udp = ip + ihl;
		uint32_t ulen = (uint32_t)udp[4] << 8 | udp[5];
		if (ulen < 8 || ulen > tot - ihl)
			continue;
		pk[i].data = udp + 8;
		pk[i].len = ulen - 8;
		pk[i].src_ip4 = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
		pk[i].src_port = (uint16_t)(udp[0] << 8 | udp[1]);
		/* the gNB's MAC for downlink GTP-U sent through the N3 TX ring */
		struct peer_mac *pm = &x->peers[pk[i].src_ip4 % XSK_PEERS];
		if (pm->ip != pk[i].src_ip4 || memcmp(pm->mac, f + 6, 6) != 0) {
			pm->ip = pk[i].src_ip4;
			memcpy(pm->mac, f + 6, 6);
		}
	}
	x->in_fill -= (uint32_t)n;
	return n;
}

/* Gives n frames back: releases them from the RX ring; frames not taken by a TX ring go back
 * to the free list (dp_xsk_service() moves them on to the fill ring). */
void dp_xsk_done(struct upf_dp *dp, const uint64_t *addrs, int n)
{
	struct dp_xsk *x = dp->xsk;
	xsk_ring_cons__release(&x->rx, (uint32_t)n);
	for (int i = 0; i < n; i++)
		if (addrs[i] != DP_XSK_TAKEN)
			x->free[x->nfree++] = addrs[i] & ~(uint64_t)(XSK_FRAME - 1);
}

static void reap(struct dp_xsk *x, struct xsk_ring_cons *comp)
{
	uint32_t idx, n = xsk_ring_cons__peek(comp, XSK_RING, &idx);
	for (uint32_t i = 0; i < n; i++)
		x->free[x->nfree++] = *xsk_ring_cons__comp_addr(comp, idx + i) & ~(uint64_t)(XSK_FRAME - 1);
	if (n)
		xsk_ring_cons__release(comp, n);
}

/* Copy mode sends only inside sendto(): kick when a ring has new descriptors and the kernel
 * asks for it (XDP_USE_NEED_WAKEUP; in copy mode it always asks). One call per batch. */
static void kick(struct xsk_socket *s, struct xsk_ring_prod *tx, uint32_t *pending)
{
	if (!*pending)
		return;
	if (xsk_ring_prod__needs_wakeup(tx))
		sendto(xsk_socket__fd(s), NULL, 0, MSG_DONTWAIT, NULL, 0); /* EAGAIN/ENOBUFS: the next kick goes on */
	*pending = 0;
}

void dp_xsk_service(struct upf_dp *dp)
{
	struct dp_xsk *x = dp->xsk;
	if (x->sock6) {
		kick(x->sock6, &x->tx6, &x->pending6);
		reap(x, &x->comp6);
	}
	kick(x->sock, &x->tx3, &x->pending3);
	reap(x, &x->comp);
	uint32_t want = x->in_fill < XSK_FILL_TARGET ? XSK_FILL_TARGET - x->in_fill : 0, idx;
	if (want > x->nfree)
		want = x->nfree;
	if (want && xsk_ring_prod__reserve(&x->fill, want, &idx) == want) {
		for (uint32_t i = 0; i < want; i++)
			*xsk_ring_prod__fill_addr(&x->fill, idx + i) = x->free[--x->nfree];
		xsk_ring_prod__submit(&x->fill, want);
		x->in_fill += want;
	}
}

/* libxdp 1.3 has no xsk_ring_prod__cancel: un-reserve the last n entries */
static void prod_cancel(struct xsk_ring_prod *p, uint32_t n) { p->cached_prod -= n; }

static uint64_t frame_of(const struct dp_xsk *x, const uint8_t *p)
{
	const uint8_t *a = x->area;
	return p >= a && p < a + (size_t)XSK_FRAMES * XSK_FRAME ? (uint64_t)(p - a) : DP_XSK_TAKEN;
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Outer Ethernet + IPv4 + UDP for a GTP-U message of glen bytes. */
static void outer(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t src, uint32_t dst, uint16_t dport, uint32_t glen)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	uint8_t *ip = f + 14;
	uint32_t tot = 20 + 8 + glen;
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[4] = ip[5] = 0;
	ip[6] = 0x40; /* DF */
	ip[7] = 0;
	ip[8] = 64;
	ip[9] = 17;
	ip[10] = ip[11] = 0;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = ip_csum(ip);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *u = ip + 20;
	u[0] = 2152 >> 8;
	u[1] = 2152 & 0xff;
	u[2] = (uint8_t)(dport >> 8);
	u[3] = (uint8_t)dport;
	u[4] = (uint8_t)((8 + glen) >> 8);
	u[5] = (uint8_t)(8 + glen);
	u[6] = u[7] = 0; /* no UDP checksum (allowed for GTP-U over IPv4) */
}

int dp_xsk_send(struct upf_dp *dp, struct txd *tx, int n, uint64_t *addrs)
{
	struct dp_xsk *x = dp->xsk;
	if (!x || !x->tx_bits || n == 0)
		return n;
	int rest = 0;
	uint64_t sent3 = 0, sent6 = 0, failed = 0;
	uint32_t i3 = 0, i6 = 0;
	/* at most n descriptors per ring: reserve once, give back what was not used */
	uint32_t r6 = (x->tx_bits & UPF_XSK_TX_N6) ? xsk_ring_prod__reserve(&x->tx6, (uint32_t)n, &i6) : 0;
	uint32_t r3 = (x->tx_bits & UPF_XSK_TX_N3) ? xsk_ring_prod__reserve(&x->tx3, (uint32_t)n, &i3) : 0;
	uint32_t u6 = 0, u3 = 0;
	for (int i = 0; i < n; i++) {
		struct txd *t = &tx[i];
		if (t->iface == UPF_IF_CORE && (x->tx_bits & UPF_XSK_TX_N6)) {
			if (u6 == r6) {
				failed++;
				continue;
			}
			uint64_t at = t->hdr_len == 0 && addrs && t->pkt >= 0 && addrs[t->pkt] != DP_XSK_TAKEN
					? frame_of(x, t->data) : DP_XSK_TAKEN;
			uint8_t *eth;
			if (at != DP_XSK_TAKEN && (at & (XSK_FRAME - 1)) >= 14) {
				/* in place: the Ethernet header goes over the end of the GTP-U header */
				addrs[t->pkt] = DP_XSK_TAKEN;
				at -= 14;
				eth = (uint8_t *)x->area + at;
			} else {
				if (!x->nfree || 14u + t->hdr_len + t->len > XSK_FRAME) {
					failed++;
					continue;
				}
				at = x->free[--x->nfree];
				eth = (uint8_t *)x->area + at;
				memcpy(eth + 14, t->hdr, t->hdr_len);
				memcpy(eth + 14 + t->hdr_len, t->data, t->len);
			}
			memcpy(eth, dp->n6_mac, 6);
			memcpy(eth + 6, x->mac6, 6);
			eth[12] = 0x08;
			eth[13] = 0x00;
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx6, i6 + u6++);
			d->addr = at;
			d->len = 14u + t->hdr_len + t->len;
			sent6++;
			continue;
		}
		const struct peer_mac *pm = &x->peers[t->dst_ip4 % XSK_PEERS];
		if (t->iface == UPF_IF_ACCESS && (x->tx_bits & UPF_XSK_TX_N3) && pm->ip == t->dst_ip4 && t->dst_ip4 &&
		    u3 < r3 && x->nfree && 42u + t->hdr_len + t->len <= XSK_FRAME) {
			uint64_t at = x->free[--x->nfree];
			uint8_t *f = (uint8_t *)x->area + at;
			outer(f, pm->mac, x->mac3, x->ip3, t->dst_ip4, t->dst_port, t->hdr_len + t->len);
			memcpy(f + 42, t->hdr, t->hdr_len);
			if (t->len)
				memcpy(f + 42 + t->hdr_len, t->data, t->len);
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx3, i3 + u3++);
			d->addr = at;
			d->len = 42u + t->hdr_len + t->len;
			sent3++;
			continue;
		}
		tx[rest++] = *t; /* unknown gNB MAC, echo reply, no free frame: the socket path */
	}
	if (r6) {
		prod_cancel(&x->tx6, r6 - u6);
		xsk_ring_prod__submit(&x->tx6, u6);
		x->pending6 += u6;
	}
	if (r3) {
		prod_cancel(&x->tx3, r3 - u3);
		xsk_ring_prod__submit(&x->tx3, u3);
		x->pending3 += u3;
	}
	if (sent3 || sent6 || failed) {
		pthread_mutex_lock(&dp->tables_lock);
		dp->st.tx_n3 += sent3;
		dp->st.tx_n6 += sent6;
		dp->st.drops[UPF_DROP_TX_ERROR] += failed;
		pthread_mutex_unlock(&dp->tables_lock);
	}
	return rest;
}

int dp_xsk_l2fwd_on(const struct upf_dp *dp) { return dp->xsk && dp->xsk->l2fwd; }

int dp_xsk_l2fwd(struct upf_dp *dp)
{
	struct dp_xsk *x = dp->xsk;
	uint32_t ri, ti, n = xsk_ring_cons__peek(&x->rx, UPF_DP_BATCH, &ri);
	if (!n)
		return 0;
	uint32_t r = xsk_ring_prod__reserve(&x->tx6, n, &ti);
	for (uint32_t i = 0; i < n; i++) {
		const struct xdp_desc *in = xsk_ring_cons__rx_desc(&x->rx, ri + i);
		if (i >= r) {
			x->free[x->nfree++] = in->addr & ~(uint64_t)(XSK_FRAME - 1);
			continue;
		}
		uint8_t *f = xsk_umem__get_data(x->area, in->addr);
		memcpy(f, dp->n6_mac, 6);
		memcpy(f + 6, x->mac6, 6);
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx6, ti + i);
		d->addr = in->addr;
		d->len = in->len;
	}
	xsk_ring_cons__release(&x->rx, n);
	x->in_fill -= n;
	if (r) {
		xsk_ring_prod__submit(&x->tx6, r);
		x->pending6 += r;
	}
	pthread_mutex_lock(&dp->tables_lock);
	dp->st.rx_n3 += n;
	dp->st.tx_n6 += r;
	dp->st.drops[UPF_DROP_TX_ERROR] += n - r;
	pthread_mutex_unlock(&dp->tables_lock);
	return (int)n;
}

static int if_info(struct upf_dp *dp, int fd, const char *ifname, uint8_t *mac, uint32_t *ip4)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return fail(dp, "interface MAC", errno);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ip4) {
		*ip4 = 0;
		if (ioctl(fd, SIOCGIFADDR, &ifr) == 0)
			*ip4 = ntohl(((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr);
	}
	return 0;
}

int upf_dp_set_xsk_tx(struct upf_dp *dp, const char *netns, const char *n6_ifname, int which)
{
	if (!dp || (which & ~(UPF_XSK_TX_N6 | UPF_XSK_TX_N3)) || ((which & UPF_XSK_TX_N6) && !n6_ifname))
		return UPF_EINVAL;
	if (atomic_load(&dp->running))
		return UPF_EBUSY;
	struct dp_xsk *x = dp->xsk;
	if (!x)
		return UPF_ENOENT; /* upf_dp_open_xsk() first: the N6 socket shares its UMEM */
	if ((which & UPF_XSK_TX_N6) && !atomic_load(&dp->n6_mac_set))
		return UPF_ENOENT; /* upf_dp_set_n6_nexthop() first: AF_XDP has no neighbour lookup */
	if ((which & UPF_XSK_TX_N6) && x->sock6 == NULL) {
		int self = -1, rc = dp_netns_enter(dp, netns, &self);
		if (rc == 0) {
			struct xsk_socket_config sc = { .rx_size = 0, .tx_size = XSK_RING, .bind_flags = XDP_USE_NEED_WAKEUP,
							.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD };
			/* another device: the socket brings its own fill and completion rings */
			int e = xsk_socket__create_shared(&x->sock6, n6_ifname, 0, x->umem, NULL, &x->tx6, &x->fill6, &x->comp6, &sc);
			if (e) {
				x->sock6 = NULL;
				rc = fail(dp, "N6 xsk_socket__create_shared", e);
			} else {
				int budget = 256;
				setsockopt(xsk_socket__fd(x->sock6), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget));
				rc = if_info(dp, dp->n3_fd, n6_ifname, x->mac6, NULL);
			}
		}
		int back = dp_netns_leave(dp, self);
		if (rc == 0)
			rc = back;
		if (rc) {
			if (x->sock6)
				xsk_socket__delete(x->sock6);
			x->sock6 = NULL;
			return rc;
		}
	}
	if (which & UPF_XSK_TX_N3) {
		/* outer source: the N3 socket's bound address, else the N3 device's; the device's MAC
		 * (ioctls on the N3 socket, which lives in the data path's netns) */
		int rc = if_info(dp, dp->n3_fd, x->ifname3, x->mac3, &x->ip3);
		if (rc)
			return rc;
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		if (getsockname(dp->n3_fd, (struct sockaddr *)&a, &al) == 0 && a.sin_addr.s_addr != htonl(INADDR_ANY))
			x->ip3 = ntohl(a.sin_addr.s_addr);
		if (!x->ip3)
			return fail(dp, "N3 interface has no IPv4 address", EADDRNOTAVAIL);
	}
	x->tx_bits = which;
	return 0;
}

int upf_dp_xsk_tx(const struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	return dp->xsk ? dp->xsk->tx_bits : 0;
}

int upf_dp_bench_l2fwd(struct upf_dp *dp, int on)
{
	if (!dp)
		return UPF_EINVAL;
	if (atomic_load(&dp->running))
		return UPF_EBUSY;
	if (on && (!dp->xsk || !dp->xsk->sock6))
		return UPF_ENOENT;
	if (dp->xsk)
		dp->xsk->l2fwd = on != 0;
	return 0;
}

