// SPDX-License-Identifier: MIT
/* The kernel floor under the Node round-trip benchmark: two C processes ping-pong one 16-byte
 * descriptor and time each round trip with CLOCK_MONOTONIC.
 *
 *   pingpong pair <tcp|unix|pipe> <iters> [warmup]   creates the channel, forks the echo side
 *   pingpong ping <fd> <iters> <target> <chain> [warmup]
 *   pingpong echo <fd>                               echoes 16-byte units until EOF
 *
 * ping/echo take inherited fds: the Node bench hands them two SPROXY function sockets, so
 * the same loop measures the SK_MSG redirect. Results: one JSON line on stdout
 * {"n":..,"p50us":..,"p99us":..,"meanUs":..}. Exit status 2 = usage, 1 = I/O error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fastpath/descriptor.h>

#define UNIT FP_DESCRIPTOR_SIZE

static int usage(void)
{
	fprintf(stderr,
		"usage: pingpong pair <tcp|unix|pipe> <iters> [warmup]\n"
		"       pingpong ping <fd> <iters> <target> <chain> [warmup]\n"
		"       pingpong echo <fd>\n");
	return 2;
}

/* Full-length read/write on a blocking fd; -1 on EOF or error. */
static int xfer(int fd, unsigned char *b, size_t n, int wr)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = wr ? write(fd, b + done, n - done) : read(fd, b + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static void blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

static int echo(int rfd, int wfd)
{
	unsigned char b[UNIT];

	blocking(rfd);
	blocking(wfd);
	while (xfer(rfd, b, UNIT, 0) == 0)
		if (xfer(wfd, b, UNIT, 1) != 0)
			return 1;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int ping(int rfd, int wfd, long iters, long warmup, uint32_t target, uint16_t chain)
{
	struct fp_descriptor d = { .instance = target, .chain = chain };
	unsigned char b[UNIT];
	double *t = malloc(sizeof(double) * (size_t)iters), sum = 0;

	if (!t)
		return 1;
	blocking(rfd);
	blocking(wfd);
	for (long i = -warmup; i < iters; i++) {
		double t0;

		d.object = (uint64_t)(i + warmup);
		memcpy(b, &d, UNIT);
		t0 = now_us();
		if (xfer(wfd, b, UNIT, 1) || xfer(rfd, b, UNIT, 0)) {
			fprintf(stderr, "pingpong: round trip %ld: %s\n", i, errno ? strerror(errno) : "EOF");
			free(t);
			return 1;
		}
		if (i >= 0)
			t[i] = now_us() - t0;
	}
	for (long i = 0; i < iters; i++)
		sum += t[i];
	qsort(t, (size_t)iters, sizeof(double), cmp_double);
	printf("{\"n\":%ld,\"p50us\":%.2f,\"p99us\":%.2f,\"meanUs\":%.2f}\n", iters, t[iters / 2],
	       t[(long)((double)iters * 0.99)], sum / (double)iters);
	free(t);
	return 0;
}

/* Two connected ends of the chosen channel: [0] for ping (read, write), [1] for echo. */
static int channel(const char *kind, int ends[2][2])
{
	if (!strcmp(kind, "pipe")) {
		int a[2], b[2];

		if (pipe(a) || pipe(b))
			return -1;
		ends[0][0] = b[0], ends[0][1] = a[1]; /* ping writes a, reads b */
		ends[1][0] = a[0], ends[1][1] = b[1];
		return 0;
	}
	if (!strcmp(kind, "unix")) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return -1;
		ends[0][0] = ends[0][1] = sv[0];
		ends[1][0] = ends[1][1] = sv[1];
		return 0;
	}
	if (!strcmp(kind, "tcp")) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(sa);
		int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c, s;

		if (l < 0 || bind(l, (struct sockaddr *)&sa, len) || listen(l, 1) ||
		    getsockname(l, (struct sockaddr *)&sa, &len))
			return -1;
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&sa, len))
			return -1;
		s = accept(l, NULL, NULL);
		close(l);
		if (s < 0)
			return -1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ends[0][0] = ends[0][1] = c;
		ends[1][0] = ends[1][1] = s;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int pair(const char *kind, long iters, long warmup)
{
	int ends[2][2], status = 0, rc;
	pid_t child;

	if (channel(kind, ends)) {
		fprintf(stderr, "pingpong: cannot set up %s: %s\n", kind, strerror(errno));
		return errno == EINVAL ? 2 : 1;
	}
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		close(ends[0][0]);
		if (ends[0][1] != ends[0][0])
			close(ends[0][1]);
		_exit(echo(ends[1][0], ends[1][1]));
	}
	close(ends[1][0]);
	if (ends[1][1] != ends[1][0])
		close(ends[1][1]);
	rc = ping(ends[0][0], ends[0][1], iters, warmup, 0, 0);
	close(ends[0][0]);
	if (ends[0][1] != ends[0][0])
		close(ends[0][1]);
	waitpid(child, &status, 0);
	return rc;
}

/* A positive count/fd from argv, or -1. */
static long arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || *end || v < 0 ? -1 : v;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "echo")) {
		long fd = arg(argv[2]);

		return fd < 0 ? usage() : echo((int)fd, (int)fd);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "pair")) {
		long iters = arg(argv[3]), warmup = argc == 5 ? arg(argv[4]) : 1000;

		return iters <= 0 || warmup < 0 ? usage() : pair(argv[2], iters, warmup);
	}
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "ping")) {
		long fd = arg(argv[2]), iters = arg(argv[3]), target = arg(argv[4]), chain = arg(argv[5]);
		long warmup = argc == 7 ? arg(argv[6]) : 1000;

		if (fd < 0 || iters <= 0 || target < 0 || target > 0xffffffffL || chain < 0 || chain > 0xffff || warmup < 0)
			return usage();
		return ping((int)fd, (int)fd, iters, warmup, (uint32_t)target, (uint16_t)chain);
	}
	return usage();
}
