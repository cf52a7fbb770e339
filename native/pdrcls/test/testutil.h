/* Tiny helpers shared by the C unit tests: CHECK and a deterministic random source. */
#ifndef PDRCLS_TESTUTIL_H
#define PDRCLS_TESTUTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
	fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); exit(1); } } while (0)

static uint64_t rng_state = 88172645463325252ull;
static inline uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}
static inline uint32_t rnd_below(uint32_t n) { return n ? rnd() % n : 0; }
#endif
