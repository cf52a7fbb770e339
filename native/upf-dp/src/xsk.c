/* AF_XDP receive path for N3: an XDP program (bpf/upf_xsk.bpf.c) steers GTP-U to an AF_XDP
 * socket whose frames land in a UMEM we own, so uplink packets skip the kernel's IP/UDP
 * receive path and socket queue. Transmit stays on the sockets of io.c (N3 UDP, N6 raw). The
 * program is attached with a BPF link: it goes away when the data path closes or the process
 * dies, and never outlives us on the interface. */
#include "dp_internal.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xdp/xsk.h>

#define XSK_FRAMES 4096
#define XSK_FRAME 2048

struct dp_xsk {
	struct xsk_umem *umem;
	struct xsk_socket *sock;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
	struct bpf_object *obj;
	int link_fd;
	int mode; /* UPF_IO_XDP_NATIVE or UPF_IO_XDP_GENERIC */
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
	x->area = mmap(NULL, (size_t)XSK_FRAMES * XSK_FRAME, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return fail(dp, "UMEM mmap", errno);
	}
	struct xsk_umem_config uc = { .fill_size = XSK_FRAMES, .comp_size = 64, .frame_size = XSK_FRAME,
				      .frame_headroom = 0, .flags = 0 };
	int e = xsk_umem__create(&x->umem, x->area, (uint64_t)XSK_FRAMES * XSK_FRAME, &x->fill, &x->comp, &uc);
	if (e)
		return fail(dp, "xsk_umem__create", e);
	int rc = attach(dp, x, ifindex, bpf_obj, mode);
	if (rc)
		return rc;
	struct xsk_socket_config sc = { .rx_size = XSK_FRAMES / 2, .tx_size = 0,
					.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD };
	e = xsk_socket__create(&x->sock, ifname, 0, x->umem, &x->rx, NULL, &sc);
	if (e)
		return fail(dp, "xsk_socket__create", e);
	struct bpf_map *xsks = bpf_object__find_map_by_name(x->obj, "upf_xsks");
	if (!xsks)
		return fail(dp, "XDP object lacks upf_xsks", ENOENT);
	e = xsk_socket__update_xskmap(x->sock, bpf_map__fd(xsks));
	if (e)
		return fail(dp, "add socket to XSKMAP", e);
	uint32_t idx;
	if (xsk_ring_prod__reserve(&x->fill, XSK_FRAMES, &idx) != XSK_FRAMES)
		return fail(dp, "fill ring", ENOSPC);
	for (uint32_t i = 0; i < XSK_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = (uint64_t)i * XSK_FRAME;
	xsk_ring_prod__submit(&x->fill, XSK_FRAMES);
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
	}
	return n;
}

/* Gives n frames back: releases them from the RX ring and refills the fill ring. */
void dp_xsk_done(struct upf_dp *dp, const uint64_t *addrs, int n)
{
	struct dp_xsk *x = dp->xsk;
	uint32_t idx;
	xsk_ring_cons__release(&x->rx, (uint32_t)n);
	/* the fill ring has room for every frame, so this reservation cannot come up short */
	while (xsk_ring_prod__reserve(&x->fill, (uint32_t)n, &idx) != (uint32_t)n)
		;
	for (int i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + (uint32_t)i) = addrs[i];
	xsk_ring_prod__submit(&x->fill, (uint32_t)n);
}
