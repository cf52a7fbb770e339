/* upf-dp-gen: packet generator for the data-path benchmark.
 *   upf-dp-gen gtpu <upf-ip> <port> <sessions> <teid-base> <ue-base-ip> <dst-ip> <seconds>
 *   upf-dp-gen ip   <ue-base-ip> <sessions> <src-port> <seconds>
 *   upf-dp-gen sink <bind-ip> <port> <seconds>
 * gtpu: G-PDUs (TEID teid-base+i, inner UDP from ue-base+i to dst-ip) to the UPF's N3.
 * ip:   plain UDP datagrams to UE addresses ue-base+i (routed by the kernel through N6).
 * Inner packets are 68 bytes (IPv4 20 + UDP 8 + 40 payload). Sends with sendmmsg in batches
 * of 64 as fast as it can; prints "sent <n> <seconds> errors <n>".
 *   upf-dp-gen l2 ...  the fast generator (AF_PACKET / TPACKET ring / AF_XDP TX): bench/gen_l2.c
 * sink: the I/O baseline: only recvmmsg (batches of 64) on a UDP socket; prints
 * "recv <n> <seconds> cpu_ns <thread cpu ns>". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"

#define BATCH 64
#define PAYLOAD 40

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

uint16_t gen_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void gen_inner(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	memset(b, 0, 68);
	b[0] = 0x45;
	b[3] = 68;
	b[8] = 64;
	b[9] = 17;
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	uint16_t c = gen_csum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	b[25] = 8 + PAYLOAD;
}

static int sink(const char *ip, int port, double secs)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 8 << 20;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	static uint8_t buf[BATCH][2048];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct timespec c0, c1;
	uint64_t n = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	double t0 = now();
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	while (now() - t0 < secs) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ .iov_base = buf[i], .iov_len = sizeof(buf[i]) };
			mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int r = recvmmsg(fd, mm, BATCH, MSG_WAITFORONE, NULL);
		if (r > 0)
			n += (uint64_t)r;
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	printf("recv %llu %.3f cpu_ns %llu\n", (unsigned long long)n, now() - t0,
	       (unsigned long long)((c1.tv_sec - c0.tv_sec) * 1000000000ll + (c1.tv_nsec - c0.tv_nsec)));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "l2") == 0)
		return gen_l2(argc, argv);
	if (argc == 5 && strcmp(argv[1], "sink") == 0)
		return sink(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of bench/gen.c\n");
		return 2;
	}
	int gtpu = strcmp(argv[1], "gtpu") == 0;
	if ((gtpu && argc != 9) || (!gtpu && (strcmp(argv[1], "ip") != 0 || argc != 6))) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	uint32_t sessions, ue_base, dst = 0, teid_base = 0, upf = 0;
	uint16_t port;
	double secs;
	struct in_addr a;
	if (gtpu) {
		inet_pton(AF_INET, argv[2], &a);
		upf = ntohl(a.s_addr);
		port = (uint16_t)atoi(argv[3]);
		sessions = (uint32_t)strtoul(argv[4], NULL, 0);
		teid_base = (uint32_t)strtoul(argv[5], NULL, 0);
		inet_pton(AF_INET, argv[6], &a);
		ue_base = ntohl(a.s_addr);
		inet_pton(AF_INET, argv[7], &a);
		dst = ntohl(a.s_addr);
		secs = atof(argv[8]);
	} else {
		inet_pton(AF_INET, argv[2], &a);
		ue_base = ntohl(a.s_addr);
		sessions = (uint32_t)strtoul(argv[3], NULL, 0);
		port = (uint16_t)atoi(argv[4]);
		secs = atof(argv[5]);
	}
	if (sessions == 0)
		return 2;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	/* Prebuilt: one message per session, cycled; each message is [GTP-U 8][inner 68] or [payload 40]. */
	size_t mlen = gtpu ? 8 + 68 : PAYLOAD;
	uint8_t *msgs = calloc(sessions, mlen);
	struct sockaddr_in *to = calloc(gtpu ? 1 : sessions, sizeof(*to));
	if (!msgs || !to)
		return 1;
	for (uint32_t i = 0; i < sessions; i++) {
		uint8_t *m = msgs + (size_t)i * mlen;
		if (gtpu) {
			uint32_t teid = teid_base + i;
			m[0] = 0x30;
			m[1] = 255;
			m[3] = 68;
			m[4] = (uint8_t)(teid >> 24);
			m[5] = (uint8_t)(teid >> 16);
			m[6] = (uint8_t)(teid >> 8);
			m[7] = (uint8_t)teid;
			gen_inner(m + 8, ue_base + i, dst, 40000, 5001);
		} else {
			to[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ue_base + i) };
		}
	}
	if (gtpu)
		to[0] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(upf) };
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0, errors = 0;
	uint32_t next = 0;
	double t0 = now(), t1 = t0;
	while ((t1 = now()) - t0 < secs) {
		for (int k = 0; k < 16; k++) {
			for (int i = 0; i < BATCH; i++) {
				uint32_t s = next;
				next = next + 1 == sessions ? 0 : next + 1;
				iov[i] = (struct iovec){ .iov_base = msgs + (size_t)s * mlen, .iov_len = mlen };
				mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1, .msg_name = gtpu ? &to[0] : &to[s], .msg_namelen = sizeof(to[0]) };
			}
			int r = sendmmsg(fd, mm, BATCH, 0);
			if (r > 0)
				sent += (uint64_t)r;
			else if (errno != EINTR)
				errors++;
		}
	}
	/* CPU of this process: with no IRQ time accounting in the kernel, the receive work its
	 * sends trigger on the veth peer (softirq run on this CPU at the end of the syscall) is in it */
	struct timespec cpu;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("sent %llu %.3f errors %llu cpu_ns %llu\n", (unsigned long long)sent, t1 - t0, (unsigned long long)errors,
	       (unsigned long long)cpu.tv_sec * 1000000000ull + (unsigned long long)cpu.tv_nsec);
	return 0;
}
