/* Lifecycle, sockets (N3 UDP, N6 AF_PACKET in + raw IPv4 out), the data path thread, and the
 * socket-less inject/capture path used by tests and the pipeline benchmark. */
#include "dp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int upf_dp_abi_version(void) { return UPF_DP_ABI_VERSION; }

const char *upf_dp_strerror(int err)
{
	switch (err) {
	case UPF_ESYS: return "system call failed";
	case UPF_EBUSY: return "data path thread running";
	default: return pdrcls_strerror(err);
	}
}

static const char *const drop_names[UPF_DROP_COUNT] = {
	"malformed", "not-gpdu", "no-session", "no-pdr", "far-drop", "gate-closed", "mbr", "buffer-full", "no-route", "tx-error", "quota",
};

const char *upf_dp_drop_name(int reason)
{
	return reason >= 0 && reason < UPF_DROP_COUNT ? drop_names[reason] : NULL;
}

const char *upf_dp_last_error(const struct upf_dp *dp) { return dp ? dp->last_error : ""; }

static int sys_fail(struct upf_dp *dp, const char *what)
{
	snprintf(dp->last_error, sizeof(dp->last_error), "%s: %s", what, strerror(errno));
	return UPF_ESYS;
}

struct upf_dp *upf_dp_create(int kind, uint32_t expected_sessions, uint32_t max_slots, uint32_t buffer_pool,
			     uint32_t default_buffer)
{
	if (max_slots == 0 || max_slots > UPF_MAX_SLOTS || default_buffer > 0xffff)
		return NULL;
	struct upf_dp *dp = calloc(1, sizeof(*dp));
	if (!dp)
		return NULL;
	static atomic_uint_fast64_t serials;
	dp->serial = atomic_fetch_add(&serials, 1) + 1;
	dp->n3_fd = dp->n6_rx_fd = dp->n6_tx_fd = -1;
	pthread_mutex_init(&dp->tables_lock, NULL);
	pthread_mutex_init(&dp->cap_lock, NULL);
	dp->sess = pdrsess_create(kind, expected_sessions ? expected_sessions : 16);
	if (!dp->sess || dp_tables_init(dp, max_slots, buffer_pool, default_buffer) != 0 || dp_fast_init(dp, expected_sessions) != 0) {
		upf_dp_destroy(dp);
		return NULL;
	}
	return dp;
}

void upf_dp_destroy(struct upf_dp *dp)
{
	if (!dp)
		return;
	upf_dp_stop(dp);
	dp_xsk_close(dp);
	if (dp->n3_fd >= 0)
		close(dp->n3_fd);
	if (dp->n6_rx_fd >= 0)
		close(dp->n6_rx_fd);
	if (dp->n6_tx_fd >= 0)
		close(dp->n6_tx_fd);
	if (dp->sess)
		pdrsess_destroy(dp->sess);
	dp_tables_free(dp);
	dp_fast_free(dp);
	free(dp->cap_buf);
	pthread_mutex_destroy(&dp->tables_lock);
	pthread_mutex_destroy(&dp->cap_lock);
	free(dp);
}

static int open_sockets(struct upf_dp *dp, const char *n3_addr, uint16_t n3_port, const char *n6_ifname)
{
	int big = 8 << 20;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(n3_port) };
	if (inet_pton(AF_INET, n3_addr, &a.sin_addr) != 1) {
		snprintf(dp->last_error, sizeof(dp->last_error), "bad N3 address %s", n3_addr);
		return UPF_EINVAL;
	}
	dp->n3_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dp->n3_fd < 0)
		return sys_fail(dp, "N3 socket");
	setsockopt(dp->n3_fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(dp->n3_fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (bind(dp->n3_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return sys_fail(dp, "N3 bind");
	socklen_t al = sizeof(a);
	getsockname(dp->n3_fd, (struct sockaddr *)&a, &al);
	dp->n3_port = ntohs(a.sin_port);

	dp->n6_ifindex = (int)if_nametoindex(n6_ifname);
	if (!dp->n6_ifindex)
		return sys_fail(dp, "N6 interface");
	/* AF_PACKET SOCK_DGRAM delivers the IP packet without the link header, batched with
	 * recvmmsg; our own N6 output is hidden with PACKET_IGNORE_OUTGOING. */
	dp->n6_rx_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (dp->n6_rx_fd < 0)
		return sys_fail(dp, "N6 packet socket");
	int one = 1;
	if (setsockopt(dp->n6_rx_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		return sys_fail(dp, "PACKET_IGNORE_OUTGOING");
	setsockopt(dp->n6_rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = dp->n6_ifindex };
	if (bind(dp->n6_rx_fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return sys_fail(dp, "N6 bind");
	/* Raw IPv4 (header included) for N6 output: the kernel routes and resolves the next hop. */
	dp->n6_tx_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (dp->n6_tx_fd < 0)
		return sys_fail(dp, "N6 raw socket");
	setsockopt(dp->n6_tx_fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (setsockopt(dp->n6_tx_fd, SOL_SOCKET, SO_BINDTODEVICE, n6_ifname, (socklen_t)strlen(n6_ifname)) < 0)
		return sys_fail(dp, "N6 SO_BINDTODEVICE");
	return 0;
}

int dp_netns_enter(struct upf_dp *dp, const char *netns, int *self)
{
	*self = -1;
	if (!netns || !*netns)
		return 0;
	*self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(netns, O_RDONLY | O_CLOEXEC);
	int rc = 0;
	if (*self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		rc = sys_fail(dp, "enter netns");
		if (*self >= 0)
			close(*self);
		*self = -1;
	}
	if (target >= 0)
		close(target);
	return rc;
}

int dp_netns_leave(struct upf_dp *dp, int self)
{
	if (self < 0)
		return 0;
	int rc = setns(self, CLONE_NEWNET) < 0 ? sys_fail(dp, "return from netns") : 0;
	close(self);
	return rc;
}

int upf_dp_open(struct upf_dp *dp, const char *netns, const char *n3_addr, uint16_t n3_port, const char *n6_ifname)
{
	if (!dp || !n3_addr || !n6_ifname)
		return UPF_EINVAL;
	if (atomic_load(&dp->running) || dp->n3_fd >= 0)
		return UPF_EBUSY;
	int self, rc = dp_netns_enter(dp, netns, &self);
	if (rc == 0) {
		rc = open_sockets(dp, n3_addr, n3_port, n6_ifname);
		int back = dp_netns_leave(dp, self);
		if (rc == 0)
			rc = back;
	}
	if (rc < 0) {
		int fds[3] = { dp->n3_fd, dp->n6_rx_fd, dp->n6_tx_fd };
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		dp->n3_fd = dp->n6_rx_fd = dp->n6_tx_fd = -1;
	}
	return rc;
}

int upf_dp_set_n6_nexthop(struct upf_dp *dp, const uint8_t *mac)
{
	if (!dp)
		return UPF_EINVAL;
	if (dp->n6_rx_fd < 0)
		return UPF_ENOENT;
	if (!mac) {
		atomic_store(&dp->n6_mac_set, 0);
		return 0;
	}
	if (atomic_load(&dp->running))
		return UPF_EBUSY; /* the MAC is read by the thread without a lock */
	int one = 1;
	/* straight to the driver: no qdisc for a packet we already batch */
	if (setsockopt(dp->n6_rx_fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		return sys_fail(dp, "PACKET_QDISC_BYPASS");
	memcpy(dp->n6_mac, mac, 6);
	atomic_store(&dp->n6_mac_set, 1);
	return 0;
}

int upf_dp_n3_port(const struct upf_dp *dp) { return dp && dp->n3_fd >= 0 ? dp->n3_port : UPF_ENOENT; }

/* Sends (or captures) the batch's output with one sendmmsg per socket. */
void dp_emit(struct upf_dp *dp, enum out_mode mode, struct txd *tx, int n)
{
	if (mode == OUT_DISCARD || n == 0)
		return;
	if (mode == OUT_CAPTURE) {
		pthread_mutex_lock(&dp->cap_lock);
		for (int i = 0; i < n; i++) {
			size_t len = tx[i].hdr_len + tx[i].len, need = dp->cap_len + 12 + len;
			if (need > dp->cap_size) {
				size_t ns = need * 2 + 4096;
				uint8_t *b = realloc(dp->cap_buf, ns);
				if (!b)
					break;
				dp->cap_buf = b;
				dp->cap_size = ns;
			}
			uint8_t *r = dp->cap_buf + dp->cap_len;
			r[0] = tx[i].iface;
			r[1] = 0;
			r[2] = (uint8_t)len;
			r[3] = (uint8_t)(len >> 8);
			memcpy(r + 4, &tx[i].dst_ip4, 4);
			memcpy(r + 8, &tx[i].dst_port, 2);
			r[10] = r[11] = 0;
			memcpy(r + 12, tx[i].hdr, tx[i].hdr_len);
			if (tx[i].len)
				memcpy(r + 12 + tx[i].hdr_len, tx[i].data, tx[i].len);
			dp->cap_len += 12 + len;
		}
		pthread_mutex_unlock(&dp->cap_lock);
		pthread_mutex_lock(&dp->tables_lock);
		for (int i = 0; i < n; i++) {
			if (tx[i].iface == UPF_IF_CORE)
				dp->st.tx_n6++;
			else
				dp->st.tx_n3++;
		}
		pthread_mutex_unlock(&dp->tables_lock);
		return;
	}
	struct mmsghdr mm[2][UPF_DP_BATCH * 2];
	struct iovec iov[UPF_DP_BATCH * 2][2];
	struct sockaddr_in to[UPF_DP_BATCH * 2];
	int l2 = atomic_load_explicit(&dp->n6_mac_set, memory_order_relaxed);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = dp->n6_ifindex, .sll_halen = 6 };
	memcpy(ll.sll_addr, dp->n6_mac, 6);
	int cnt[2] = { 0, 0 };
	for (int i = 0; i < n; i++) {
		int s = tx[i].iface == UPF_IF_CORE;
		struct mmsghdr *h = &mm[s][cnt[s]++];
		memset(h, 0, sizeof(*h));
		to[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(tx[i].dst_port), .sin_addr.s_addr = htonl(tx[i].dst_ip4) };
		int k = 0;
		if (tx[i].hdr_len)
			iov[i][k++] = (struct iovec){ .iov_base = tx[i].hdr, .iov_len = tx[i].hdr_len };
		if (tx[i].len)
			iov[i][k++] = (struct iovec){ .iov_base = (void *)tx[i].data, .iov_len = tx[i].len };
		h->msg_hdr.msg_iov = iov[i];
		h->msg_hdr.msg_iovlen = (size_t)k;
		if (s && l2) {
			h->msg_hdr.msg_name = &ll;
			h->msg_hdr.msg_namelen = sizeof(ll);
		} else {
			h->msg_hdr.msg_name = &to[i];
			h->msg_hdr.msg_namelen = sizeof(to[i]);
		}
	}
	int fds[2] = { dp->n3_fd, l2 ? dp->n6_rx_fd : dp->n6_tx_fd };
	uint64_t ok[2] = { 0, 0 }, failed = 0;
	for (int s = 0; s < 2; s++) {
		int done = 0;
		while (done < cnt[s]) {
			int r = sendmmsg(fds[s], mm[s] + done, (unsigned)(cnt[s] - done), 0);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				/* ENOBUFS/EAGAIN/unreachable: count the one that failed and go on. */
				failed++;
				done++;
				continue;
			}
			done += r;
			ok[s] += (uint64_t)r;
		}
	}
	/* Counters are only touched under tables_lock so upf_dp_stats() reads a consistent set. */
	pthread_mutex_lock(&dp->tables_lock);
	dp->st.tx_n3 += ok[0];
	dp->st.tx_n6 += ok[1];
	dp->st.drops[UPF_DROP_TX_ERROR] += failed;
	pthread_mutex_unlock(&dp->tables_lock);
}

/* Runs a downlink batch over packets a FAR update released from buffering. */
static int drain_flush(struct upf_dp *dp, int reader, enum out_mode mode)
{
	int32_t ids[UPF_DP_BATCH];
	struct pkt pk[UPF_DP_BATCH];
	struct txd tx[UPF_DP_BATCH];
	int total = 0;
	for (;;) {
		int n = 0;
		pthread_mutex_lock(&dp->tables_lock);
		while (n < UPF_DP_BATCH && (ids[n] = dp_flush_pop(dp)) >= 0)
			n++;
		pthread_mutex_unlock(&dp->tables_lock);
		if (n == 0)
			return total;
		for (int i = 0; i < n; i++)
			pk[i] = (struct pkt){ .data = dp->pool[ids[i]].data, .len = dp->pool[ids[i]].len };
		int ntx = dp_process(dp, reader, UPF_IF_CORE, pk, (size_t)n, tx);
		if (ntx > 0 && mode == OUT_SOCKETS && dp->xsk)
			ntx = dp_xsk_send(dp, tx, ntx, NULL);
		if (ntx > 0)
			dp_emit(dp, mode, tx, ntx);
		pthread_mutex_lock(&dp->tables_lock);
		dp->st.flushed += (uint64_t)n;
		dp->st.rx_n6 -= (uint64_t)n; /* not new receptions */
		for (int i = 0; i < n; i++)
			dp_pool_put(dp, ids[i]);
		pthread_mutex_unlock(&dp->tables_lock);
		total += n;
	}
}

static void *dp_thread(void *arg)
{
	struct upf_dp *dp = arg;
	int reader = pdrsess_reader_register(dp->sess);
	uint8_t(*rxbuf)[UPF_DP_BATCH][UPF_DP_MAX_PKT] = malloc(2 * sizeof(*rxbuf)); /* 256 KiB, too big for the stack */
	struct mmsghdr mm[UPF_DP_BATCH];
	struct iovec iov[UPF_DP_BATCH];
	struct sockaddr_in from[UPF_DP_BATCH];
	struct sockaddr_ll llfrom[UPF_DP_BATCH];
	struct pkt pk[UPF_DP_BATCH];
	struct txd tx[UPF_DP_BATCH];
	uint64_t xaddr[UPF_DP_BATCH];
	int idle = 0;
	unsigned round = 0;
	int n6_busy = 1; /* N6 returned packets last time (or poll() said it has some) */
	uint64_t next_tick = 0;

	if (reader < 0 || !rxbuf) {
		free(rxbuf);
		return NULL;
	}
	pthread_setname_np(pthread_self(), "upf-dp"); /* for perf --comm and top -H */
	while (atomic_load_explicit(&dp->running, memory_order_relaxed)) {
		int got = drain_flush(dp, reader, OUT_SOCKETS);
		uint64_t now = dp_now_ns(dp);
		if (now >= next_tick) { /* URR time thresholds and quotas fire without traffic too */
			upf_dp_urr_tick(dp);
			next_tick = now + 100000000ull;
		}
		round++;
		for (int s = 0; s < 2; s++) {
			/* With AF_XDP on N3 the RX ring costs no system call, but an empty N6 recvmmsg
			 * does: while N6 is quiet, ask it every 8th round only (and when poll() says). */
			if (s == 1 && dp->xsk && !n6_busy && (round & 7) != 0)
				continue;
			for (int i = 0; i < UPF_DP_BATCH; i++) {
				iov[i] = (struct iovec){ .iov_base = rxbuf[s][i], .iov_len = UPF_DP_MAX_PKT };
				mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1,
					.msg_name = s == 0 ? (void *)&from[i] : (void *)&llfrom[i],
					.msg_namelen = s == 0 ? sizeof(from[i]) : sizeof(llfrom[i]) };
			}
			if (s == 0 && dp->xsk) {
				if (dp_xsk_l2fwd_on(dp)) {
					got += dp_xsk_l2fwd(dp);
					dp_xsk_service(dp);
					continue;
				}
				/* AF_XDP: frames stay in the UMEM until the batch has been sent; those
				 * put on a TX ring come back through the completion ring */
				int n = dp_xsk_rx(dp, pk, xaddr, UPF_DP_BATCH);
				if (n > 0) {
					int ntx = dp_process(dp, reader, UPF_IF_ACCESS, pk, (size_t)n, tx);
					if (ntx > 0)
						ntx = dp_xsk_send(dp, tx, ntx, xaddr);
					if (ntx > 0)
						dp_emit(dp, OUT_SOCKETS, tx, ntx);
					dp_xsk_done(dp, xaddr, n);
					got += n;
				}
				dp_xsk_service(dp);
				continue;
			}
			int n = recvmmsg(s == 0 ? dp->n3_fd : dp->n6_rx_fd, mm, UPF_DP_BATCH, MSG_DONTWAIT, NULL);
			if (s == 1)
				n6_busy = n > 0;
			if (n <= 0)
				continue;
			for (int i = 0; i < n; i++) {
				pk[i] = (struct pkt){ .data = rxbuf[s][i], .len = mm[i].msg_len };
				if (s == 0) {
					pk[i].src_ip4 = ntohl(from[i].sin_addr.s_addr);
					pk[i].src_port = ntohs(from[i].sin_port);
				}
			}
			int ntx = dp_process(dp, reader, s == 0 ? UPF_IF_ACCESS : UPF_IF_CORE, pk, (size_t)n, tx);
			if (ntx > 0 && dp->xsk)
				ntx = dp_xsk_send(dp, tx, ntx, NULL); /* copies into UMEM frames */
			if (ntx > 0)
				dp_emit(dp, OUT_SOCKETS, tx, ntx);
			got += n;
		}
		/* Busy-poll while traffic flows; sleep in poll() after a few empty rounds (empty
		 * recvmmsg calls would otherwise burn the CPU time that Mpps-per-core is divided by).
		 * With AF_XDP an empty round is a ring peek (N6 every 8th): spin longer before paying
		 * for a sleep and a wake-up. */
		if (got) {
			idle = 0;
		} else if (++idle > (dp->xsk ? 64 : 4)) {
			struct pollfd pf[3] = { { .fd = dp->n3_fd, .events = POLLIN }, { .fd = dp->n6_rx_fd, .events = POLLIN },
						{ .fd = dp_xsk_fd(dp), .events = POLLIN } };
			if (poll(pf, dp->xsk ? 3 : 2, 1) > 0) {
				n6_busy |= (pf[1].revents & POLLIN) != 0;
				idle = 0; /* woken by traffic: spin again; after a timeout, sleep again at once */
			}
		}
	}
	pdrsess_reader_unregister(dp->sess, reader);
	free(rxbuf);
	return NULL;
}

int upf_dp_start(struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	if (dp->n3_fd < 0)
		return UPF_ENOENT;
	if (atomic_load(&dp->running))
		return UPF_EBUSY;
	atomic_store(&dp->running, 1);
	int e = pthread_create(&dp->thread, NULL, dp_thread, dp);
	if (e) {
		atomic_store(&dp->running, 0);
		errno = e;
		return sys_fail(dp, "pthread_create");
	}
	dp->thread_started = 1;
	return 0;
}

int upf_dp_stop(struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	if (!dp->thread_started)
		return 0;
	atomic_store(&dp->running, 0);
	pthread_join(dp->thread, NULL);
	dp->thread_started = 0;
	return 0;
}

int upf_dp_session_add(struct upf_dp *dp, uint64_t seid, uint32_t teid, uint32_t ue_ip4)
{
	if (!dp)
		return UPF_EINVAL;
	int rc = pdrsess_add(dp->sess, seid, teid, ue_ip4);
	if (rc == 0)
		dp_fast_session_add(dp, seid, teid, ue_ip4); /* out of memory: the session is never fast */
	return rc;
}
int upf_dp_session_remove(struct upf_dp *dp, uint64_t seid)
{
	if (!dp)
		return UPF_EINVAL;
	dp_fast_session_remove(dp, seid); /* first: a reader then finds the session in pdrsess or nowhere */
	return pdrsess_remove(dp->sess, seid);
}
int upf_dp_rules_apply(struct upf_dp *dp, uint64_t seid, const struct pdr_rule *adds, size_t n_add, const uint32_t *del_ids, size_t n_del)
{
	if (!dp)
		return UPF_EINVAL;
	int rc = pdrsess_apply(dp->sess, seid, adds, n_add, del_ids, n_del);
	if (rc == 0)
		dp_fast_apply(dp, seid, adds, n_add, del_ids, n_del); /* after: the fast entry never runs ahead */
	return rc;
}
int upf_dp_session_count(const struct upf_dp *dp) { return dp ? pdrsess_count(dp->sess) : UPF_EINVAL; }

int upf_dp_stats(struct upf_dp *dp, struct upf_dp_stats *out)
{
	if (!dp || !out)
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->tables_lock);
	*out = dp->st;
	pthread_mutex_unlock(&dp->tables_lock);
	struct pdrsess_stats ss;
	pdrsess_stats(dp->sess, &ss);
	out->probes = ss.probes;
	out->classifier_kind = ss.kind;
	out->dp_cpu_ns = 0;
	if (dp->thread_started) {
		clockid_t cid;
		struct timespec ts;
		if (pthread_getcpuclockid(dp->thread, &cid) == 0 && clock_gettime(cid, &ts) == 0)
			out->dp_cpu_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	return 0;
}

/* Test/bench entry: reader slots are per calling thread, registered on first use. The data
 * path's serial number (not its address, which malloc may reuse) says whose slot we hold. */
static int caller_reader(struct upf_dp *dp)
{
	static __thread uint64_t owner;
	static __thread int slot = -1;
	if (owner != dp->serial) {
		slot = pdrsess_reader_register(dp->sess);
		owner = slot >= 0 ? dp->serial : 0;
	}
	return slot;
}

static int inject(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n, enum out_mode mode)
{
	struct pkt pk[UPF_DP_BATCH];
	struct txd tx[UPF_DP_BATCH];
	int reader = caller_reader(dp);
	if (reader < 0)
		return reader;
	size_t off = 0;
	int fwd = 0;
	for (size_t i = 0; i < n;) {
		size_t b = 0;
		for (; b < UPF_DP_BATCH && i < n; b++, i++) {
			pk[b] = (struct pkt){ .data = pkts + off, .len = lens[i] };
			off += lens[i];
		}
		int ntx = dp_process(dp, reader, iface, pk, b, tx);
		if (ntx < 0)
			return ntx;
		dp_emit(dp, mode, tx, ntx);
		fwd += ntx;
	}
	return fwd;
}

int upf_dp_inject(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n)
{
	if (!dp || (!pkts && n) || (!lens && n) || (iface != UPF_IF_ACCESS && iface != UPF_IF_CORE))
		return UPF_EINVAL;
	if (atomic_load(&dp->running))
		return UPF_EBUSY;
	return inject(dp, iface, pkts, lens, n, OUT_CAPTURE);
}

int upf_dp_flush(struct upf_dp *dp)
{
	if (!dp)
		return UPF_EINVAL;
	if (atomic_load(&dp->running))
		return UPF_EBUSY;
	int reader = caller_reader(dp);
	return reader < 0 ? reader : drain_flush(dp, reader, OUT_CAPTURE);
}

int upf_dp_capture(struct upf_dp *dp, uint8_t *buf, size_t cap)
{
	if (!dp || (!buf && cap))
		return UPF_EINVAL;
	pthread_mutex_lock(&dp->cap_lock);
	size_t take = 0;
	while (take < dp->cap_len) {
		size_t rec = 12 + (size_t)(dp->cap_buf[take + 2] | dp->cap_buf[take + 3] << 8);
		if (take + rec > cap)
			break;
		take += rec;
	}
	if (take) {
		memcpy(buf, dp->cap_buf, take);
		memmove(dp->cap_buf, dp->cap_buf + take, dp->cap_len - take);
		dp->cap_len -= take;
	}
	pthread_mutex_unlock(&dp->cap_lock);
	return (int)take;
}

int upf_dp_bench_pipeline(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n, uint32_t reps,
			  uint64_t *ns_out)
{
	if (!dp || !pkts || !lens || !ns_out || (iface != UPF_IF_ACCESS && iface != UPF_IF_CORE))
		return UPF_EINVAL;
	int fwd = 0;
	for (uint32_t r = 0; r < reps; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		fwd = inject(dp, iface, pkts, lens, n, OUT_DISCARD);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		if (fwd < 0)
			return fwd;
		ns_out[r] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (uint64_t)(b.tv_nsec - a.tv_nsec);
	}
	return fwd;
}
