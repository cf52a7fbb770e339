/* upf-dp-gen l2: the fast generator. Prebuilt Ethernet frames sent straight to the driver,
 * with no per-packet socket lookup, route or qdisc:
 *   upf-dp-gen l2 <mode> <ifname> <dst-mac> <sessions> <seconds> gtpu <outer-src> <outer-dst> <port> <teid-base> <ue-base> <dn-ip>
 *   upf-dp-gen l2 <mode> <ifname> <dst-mac> <sessions> <seconds> ip <dn-src> <ue-base> <dst-port>
 * mode:
 *   packet  AF_PACKET SOCK_RAW + PACKET_QDISC_BYPASS, sendmmsg of 64 frames
 *   ring    AF_PACKET TPACKET_V2 TX ring + PACKET_QDISC_BYPASS, one send() per 256 frames
 *   xsk     AF_XDP TX ring (copy mode on veth), kicked with sendto() when the ring asks
 * gtpu: G-PDUs, TEID teid-base+i, inner UDP from ue-base+i to dn-ip (68-byte inner packets).
 * ip:   68-byte IPv4/UDP packets from dn-src to ue-base+i.
 * Sessions are cycled round robin. Prints "sent <n> <seconds> errors <n> cpu_ns <process cpu ns>"
 * like the socket generator. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "gen.h"

#define L2_BATCH 64
#define RING_FRAMES 4096
#define RING_FRAME 256
#define XSK_FRAMES 512
#define XSK_FRAME 2048

static int mac_parse(const char *s, uint8_t *m)
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static int if_mac(const char *ifname, uint8_t *m)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	FILE *f = fopen(path, "r");
	char buf[32] = "";
	if (!f)
		return -1;
	int ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	return ok ? mac_parse(buf, m) : -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void ip_hdr(uint8_t *b, uint16_t total, uint32_t src, uint32_t dst)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[8] = 64;
	b[9] = 17;
	put32(b + 12, src);
	put32(b + 16, dst);
	uint16_t c = gen_csum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
}

/* One frame per session: [eth][IPv4][UDP][GTP-U 8][inner 68] or [eth][inner 68]. */
struct frames {
	uint8_t *buf;
	uint32_t len, n;
};

static int build(struct frames *fr, const uint8_t *dmac, const uint8_t *smac, int gtpu, uint32_t n, uint32_t a, uint32_t b,
		 uint16_t port, uint32_t teid_base, uint32_t ue_base, uint32_t dn)
{
	fr->len = gtpu ? 14 + 20 + 8 + 8 + 68 : 14 + 68;
	fr->n = n;
	fr->buf = calloc(n, fr->len);
	if (!fr->buf)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = fr->buf + (size_t)i * fr->len;
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[12] = 0x08;
		uint8_t *p = f + 14;
		if (gtpu) {
			ip_hdr(p, 20 + 8 + 8 + 68, a, b);
			uint8_t *u = p + 20;
			u[0] = (uint8_t)(port >> 8); /* source port = destination port, as gNBs do */
			u[1] = (uint8_t)port;
			u[2] = (uint8_t)(port >> 8);
			u[3] = (uint8_t)port;
			u[5] = 8 + 8 + 68; /* checksum 0: none */
			uint8_t *g = u + 8;
			g[0] = 0x30;
			g[1] = 255;
			g[3] = 68;
			put32(g + 4, teid_base + i);
			gen_inner(g + 8, ue_base + i, dn, 40000, 5001);
		} else {
			gen_inner(p, a, ue_base + i, 5001, port);
		}
	}
	return 0;
}

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int packet_socket(int ifindex)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, nothing is delivered to us */
	if (fd < 0)
		return -1;
	int one = 1, big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		return -1;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return -1;
	return fd;
}

static int run_packet(const struct frames *fr, int ifindex, double secs, uint64_t *sent, uint64_t *errors, double *el)
{
	int fd = packet_socket(ifindex);
	if (fd < 0)
		return -1;
	struct mmsghdr mm[L2_BATCH];
	struct iovec iov[L2_BATCH];
	uint32_t next = 0;
	double t0 = mono(), t1;
	while ((t1 = mono()) - t0 < secs) {
		for (int k = 0; k < 16; k++) {
			for (int i = 0; i < L2_BATCH; i++) {
				iov[i] = (struct iovec){ .iov_base = fr->buf + (size_t)next * fr->len, .iov_len = fr->len };
				mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
				next = next + 1 == fr->n ? 0 : next + 1;
			}
			int r = sendmmsg(fd, mm, L2_BATCH, 0);
			if (r > 0)
				*sent += (uint64_t)r;
			else
				(*errors)++;
		}
	}
	*el = t1 - t0;
	close(fd);
	return 0;
}

static int run_ring(const struct frames *fr, int ifindex, double secs, uint64_t *sent, uint64_t *errors, double *el)
{
	int fd = packet_socket(ifindex);
	if (fd < 0)
		return -1;
	int v = TPACKET_V2;
	struct tpacket_req req = { .tp_block_size = 4096, .tp_block_nr = RING_FRAMES * RING_FRAME / 4096,
				   .tp_frame_size = RING_FRAME, .tp_frame_nr = RING_FRAMES };
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0)
		return -1;
	uint8_t *ring = mmap(NULL, (size_t)RING_FRAMES * RING_FRAME, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		return -1;
	const size_t data_off = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
	uint32_t next = 0, slot = 0;
	double t0 = mono(), t1;
	while ((t1 = mono()) - t0 < secs) {
		for (int k = 0; k < 8; k++) {
			int queued = 0;
			for (int i = 0; i < 256; i++) {
				struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)slot * RING_FRAME);
				if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
					break; /* the kernel still owns it (or reports an error we skip) */
				memcpy((uint8_t *)h + data_off, fr->buf + (size_t)next * fr->len, fr->len);
				h->tp_len = fr->len;
				__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
				next = next + 1 == fr->n ? 0 : next + 1;
				slot = slot + 1 == RING_FRAMES ? 0 : slot + 1;
				queued++;
			}
			/* blocking send(): returns when the kernel has walked every SEND_REQUEST frame */
			ssize_t r = send(fd, NULL, 0, 0);
			if (r < 0)
				(*errors)++;
			else
				*sent += (uint64_t)queued;
		}
	}
	*el = t1 - t0;
	munmap(ring, (size_t)RING_FRAMES * RING_FRAME);
	close(fd);
	return 0;
}

static int run_xsk(const struct frames *fr, const char *ifname, double secs, uint64_t *sent, uint64_t *errors, double *el)
{
	void *area = mmap(NULL, (size_t)XSK_FRAMES * XSK_FRAME, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -1;
	struct xsk_umem *umem;
	/* zeroed: libxdp leaves the cached indexes of a consumer ring as it finds them */
	struct xsk_ring_prod fill = { 0 }, tx = { 0 };
	struct xsk_ring_cons comp = { 0 };
	struct xsk_socket *xs;
	struct xsk_umem_config uc = { .fill_size = 64, .comp_size = XSK_FRAMES, .frame_size = XSK_FRAME };
	int e = xsk_umem__create(&umem, area, (uint64_t)XSK_FRAMES * XSK_FRAME, &fill, &comp, &uc);
	if (e) {
		errno = -e;
		return -1;
	}
	struct xsk_socket_config sc = { .rx_size = 0, .tx_size = XSK_FRAMES, .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
					.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD };
	e = xsk_socket__create(&xs, ifname, 0, umem, NULL, &tx, &sc);
	if (e) {
		errno = -e;
		return -1;
	}
	int fd = xsk_socket__fd(xs);
	/* frames never change session: frame j always carries session j mod n when n <= frames,
	 * else it is rewritten with the next session before each send */
	uint32_t *free_stack = malloc(XSK_FRAMES * sizeof(uint32_t)), nfree = XSK_FRAMES;
	if (!free_stack)
		return -1;
	for (uint32_t i = 0; i < XSK_FRAMES; i++)
		free_stack[i] = XSK_FRAMES - 1 - i;
	int static_frames = fr->n <= XSK_FRAMES && XSK_FRAMES % fr->n == 0;
	for (uint32_t i = 0; static_frames && i < XSK_FRAMES; i++)
		memcpy((uint8_t *)area + (size_t)i * XSK_FRAME, fr->buf + (size_t)(i % fr->n) * fr->len, fr->len);
	uint32_t next = 0;
	double t0 = mono(), t1;
	while ((t1 = mono()) - t0 < secs) {
		for (int k = 0; k < 16; k++) {
			uint32_t idx, done = xsk_ring_cons__peek(&comp, XSK_FRAMES, &idx);
			for (uint32_t i = 0; i < done; i++)
				free_stack[nfree++] = (uint32_t)(*xsk_ring_cons__comp_addr(&comp, idx + i) / XSK_FRAME);
			if (done)
				xsk_ring_cons__release(&comp, done);
			uint32_t want = nfree < L2_BATCH ? nfree : L2_BATCH;
			if (want && xsk_ring_prod__reserve(&tx, want, &idx) == want) {
				for (uint32_t i = 0; i < want; i++) {
					uint32_t fi = free_stack[--nfree];
					if (!static_frames) {
						memcpy((uint8_t *)area + (size_t)fi * XSK_FRAME, fr->buf + (size_t)next * fr->len, fr->len);
						next = next + 1 == fr->n ? 0 : next + 1;
					}
					struct xdp_desc *d = xsk_ring_prod__tx_desc(&tx, idx + i);
					d->addr = (uint64_t)fi * XSK_FRAME;
					d->len = fr->len;
				}
				xsk_ring_prod__submit(&tx, want);
				*sent += want;
			}
			/* copy mode sends a bounded batch per call: kick whenever the ring says so */
			if (xsk_ring_prod__needs_wakeup(&tx) && sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
			    errno != EBUSY && errno != ENOBUFS)
				(*errors)++;
		}
	}
	*el = t1 - t0;
	/* only count what the kernel completed: drain what is left in the ring first */
	for (int tries = 0; tries < 1000 && nfree < XSK_FRAMES; tries++) {
		sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		uint32_t idx, done = xsk_ring_cons__peek(&comp, XSK_FRAMES, &idx);
		nfree += done;
		if (done)
			xsk_ring_cons__release(&comp, done);
	}
	*sent -= XSK_FRAMES - nfree;
	xsk_socket__delete(xs);
	xsk_umem__delete(umem);
	munmap(area, (size_t)XSK_FRAMES * XSK_FRAME);
	free(free_stack);
	return 0;
}

int gen_l2(int argc, char **argv)
{
	/* l2 <mode> <ifname> <dst-mac> <sessions> <seconds> gtpu|ip ... */
	if (argc < 8) {
		fprintf(stderr, "usage: see the comment at the top of bench/gen_l2.c\n");
		return 2;
	}
	const char *mode = argv[2], *ifname = argv[3];
	uint8_t dmac[6], smac[6];
	uint32_t n = (uint32_t)strtoul(argv[5], NULL, 0);
	double secs = atof(argv[6]);
	int gtpu = strcmp(argv[7], "gtpu") == 0;
	int ifindex = (int)if_nametoindex(ifname);
	if (!ifindex || mac_parse(argv[4], dmac) || if_mac(ifname, smac) || n == 0 || (gtpu && argc != 14) ||
	    (!gtpu && (strcmp(argv[7], "ip") != 0 || argc != 11))) {
		fprintf(stderr, "bad arguments (interface, MAC, sessions or the gtpu/ip fields)\n");
		return 2;
	}
	struct in_addr ia;
	uint32_t a, b = 0, ue, dn = 0, teid = 0;
	uint16_t port;
	if (gtpu) {
		inet_pton(AF_INET, argv[8], &ia);
		a = ntohl(ia.s_addr);
		inet_pton(AF_INET, argv[9], &ia);
		b = ntohl(ia.s_addr);
		port = (uint16_t)atoi(argv[10]);
		teid = (uint32_t)strtoul(argv[11], NULL, 0);
		inet_pton(AF_INET, argv[12], &ia);
		ue = ntohl(ia.s_addr);
		inet_pton(AF_INET, argv[13], &ia);
		dn = ntohl(ia.s_addr);
	} else {
		inet_pton(AF_INET, argv[8], &ia);
		a = ntohl(ia.s_addr);
		inet_pton(AF_INET, argv[9], &ia);
		ue = ntohl(ia.s_addr);
		port = (uint16_t)atoi(argv[10]);
	}
	struct frames fr;
	if (build(&fr, dmac, smac, gtpu, n, a, b, port, teid, ue, dn))
		return 1;
	uint64_t sent = 0, errors = 0;
	double el = 0;
	int rc;
	if (strcmp(mode, "packet") == 0)
		rc = run_packet(&fr, ifindex, secs, &sent, &errors, &el);
	else if (strcmp(mode, "ring") == 0)
		rc = run_ring(&fr, ifindex, secs, &sent, &errors, &el);
	else if (strcmp(mode, "xsk") == 0)
		rc = run_xsk(&fr, ifname, secs, &sent, &errors, &el);
	else {
		fprintf(stderr, "mode: packet, ring or xsk\n");
		return 2;
	}
	if (rc) {
		perror(mode);
		return 1;
	}
	struct timespec cpu;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("sent %llu %.3f errors %llu cpu_ns %llu\n", (unsigned long long)sent, el, (unsigned long long)errors,
	       (unsigned long long)cpu.tv_sec * 1000000000ull + (unsigned long long)cpu.tv_nsec);
	free(fr.buf);
	return 0;
}
