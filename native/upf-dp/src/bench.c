/* Classify-only benchmark: the same keys the pipeline builds, timed through the session front
 * end alone (no parse, no actions, no I/O), so upf:bench can separate classification cost. */
#include "dp_internal.h"

#include <stdlib.h>
#include <time.h>

int upf_dp_bench_classify(struct upf_dp *dp, int iface, const uint8_t *pkts, const uint32_t *lens, size_t n,
			  uint32_t reps, uint64_t *ns_out)
{
	if (!dp || !pkts || !lens || !ns_out || n == 0 || (iface != UPF_IF_ACCESS && iface != UPF_IF_CORE))
		return UPF_EINVAL;
	struct pdr_key *keys = malloc(n * sizeof(*keys));
	struct pdrsess_match *m = malloc(UPF_DP_BATCH * sizeof(*m));
	int reader = pdrsess_reader_register(dp->sess);
	int matched = 0;
	if (!keys || !m || reader < 0) {
		matched = reader < 0 ? reader : UPF_ENOMEM;
		goto out;
	}
	size_t off = 0, nk = 0;
	for (size_t i = 0; i < n; i++) {
		struct pkt p = { .data = pkts + off, .len = lens[i] };
		uint32_t teid;
		off += lens[i];
		if ((iface == UPF_IF_CORE ? dp_parse_n6(&p, &keys[nk]) : dp_parse_n3(&p, &keys[nk], &teid)) < 0)
			nk++;
	}
	int dir = iface == UPF_IF_CORE ? PDRSESS_DOWNLINK : PDRSESS_UPLINK;
	for (uint32_t r = 0; r < reps; r++) {
		struct timespec a, b;
		matched = 0;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		for (size_t i = 0; i < nk; i += UPF_DP_BATCH) {
			size_t k = nk - i < UPF_DP_BATCH ? nk - i : UPF_DP_BATCH;
			int rc = pdrsess_classify_batch(dp->sess, reader, dir, keys + i, k, m);
			if (rc < 0) {
				matched = rc;
				goto out;
			}
			matched += rc;
		}
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		ns_out[r] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (uint64_t)(b.tv_nsec - a.tv_nsec);
	}
out:
	if (reader >= 0)
		pdrsess_reader_unregister(dp->sess, reader);
	free(keys);
	free(m);
	return matched;
}
