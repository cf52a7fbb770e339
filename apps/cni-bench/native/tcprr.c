/* tcprr: TCP request/response latency, the shape of netperf TCP_RR.
 *
 *   tcprr -s [-p port]                      server: echo every request on every connection
 *   tcprr -c host [-p port] [-d sec] [-w sec] [-z bytes] [-C conns]
 *                                           client: one connection, one outstanding request,
 *                                           prints one JSON line with the RTT distribution
 *
 * Every transaction's RTT is timed with CLOCK_MONOTONIC and kept, so the client reports
 * exact percentiles (not a histogram's), plus transactions/s. TCP_NODELAY on both ends so
 * a 1-byte request is one segment. -C opens extra idle connections first (connection-count
 * experiments without traffic). The server forks per connection: isolation, no threads. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "tcprr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: tcprr -s [-p port]\n"
			"       tcprr -c host [-p port] [-d seconds] [-w warmup-seconds] [-z bytes] [-C idle-conns]\n");
	exit(2);
}

static int full_io(int fd, char *buf, size_t n, int writing)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		die("setsockopt TCP_NODELAY");
}

static void serve_conn(int fd)
{
	/* The request size is whatever the client sends; echo byte-for-byte. */
	char buf[65536];

	nodelay(fd);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (full_io(fd, buf, (size_t)r, 1) < 0)
			break;
	}
	close(fd);
	_exit(0);
}

static _Noreturn void server(int port)
{
	int one = 1;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(ls, 4096) < 0)
		die("listen");
	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	printf("{\"listening\":%d}\n", port);
	fflush(stdout);
	for (;;) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(ls);
			serve_conn(fd);
		}
		close(fd);
	}
}

static int dial(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "tcprr: %s is not an IPv4 address\n", host);
		exit(2);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	nodelay(fd);
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *s, size_t n, double p)
{
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(rank), hi = (size_t)ceil(rank);

	return s[lo] + (s[hi] - s[lo]) * (rank - (double)lo);
}

static int client(const char *host, int port, double secs, double warm, size_t size, int idle)
{
	size_t cap = 1 << 16, n = 0;
	double *rtt = malloc(cap * sizeof(*rtt));
	char *buf = calloc(1, size);
	double start, end, sum = 0;
	int fd;

	if (!rtt || !buf)
		die("malloc");
	for (int i = 0; i < idle; i++)
		(void)dial(host, port); /* kept open until exit */
	fd = dial(host, port);
	for (double t0 = now_s(); now_s() - t0 < warm;) {
		if (full_io(fd, buf, size, 1) < 0 || full_io(fd, buf, size, 0) < 0)
			die("warm-up exchange");
	}
	start = now_s();
	end = start + secs;
	for (;;) {
		double t = now_s();

		if (t >= end)
			break;
		if (full_io(fd, buf, size, 1) < 0 || full_io(fd, buf, size, 0) < 0)
			die("exchange");
		if (n == cap) {
			cap *= 2;
			rtt = realloc(rtt, cap * sizeof(*rtt));
			if (!rtt)
				die("realloc");
		}
		rtt[n] = (now_s() - t) * 1e6;
		sum += rtt[n];
		n++;
	}
	double elapsed = now_s() - start;

	close(fd);
	if (n == 0) {
		fprintf(stderr, "tcprr: no transaction completed\n");
		return 1;
	}
	qsort(rtt, n, sizeof(*rtt), cmp_double);
	printf("{\"transactions\":%zu,\"seconds\":%.6f,\"tps\":%.3f,\"mean_us\":%.3f,\"min_us\":%.3f,"
	       "\"p50_us\":%.3f,\"p90_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f,\"max_us\":%.3f,\"size\":%zu}\n",
	       n, elapsed, (double)n / elapsed, sum / (double)n, rtt[0], pct(rtt, n, 50), pct(rtt, n, 90),
	       pct(rtt, n, 99), pct(rtt, n, 99.9), rtt[n - 1], size);
	free(rtt);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, is_server = 0, port = 12865, idle = 0;
	const char *host = NULL;
	double secs = 2, warm = 0.2;
	long size = 1;

	while ((opt = getopt(argc, argv, "sc:p:d:w:z:C:")) != -1) {
		switch (opt) {
		case 's': is_server = 1; break;
		case 'c': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'w': warm = atof(optarg); break;
		case 'z': size = atol(optarg); break;
		case 'C': idle = atoi(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || size < 1 || size > 65536 || secs <= 0 || warm < 0 || idle < 0) {
		fprintf(stderr, "tcprr: bad argument (port 1..65535, size 1..65536, seconds > 0)\n");
		return 2;
	}
	if (is_server == (host != NULL))
		usage();
	if (is_server)
		server(port);
	return client(host, port, secs, warm, (size_t)size, idle);
}
