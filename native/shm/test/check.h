/* Tiny assertion helpers for the C unit tests (run under ASan+UBSan). */
#ifndef FP_SHM_TEST_CHECK_H
#define FP_SHM_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
	fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, _a, _b); exit(1); } } while (0)

/* Unique, pid-based region name so parallel runs never collide. */
static inline const char *test_name(const char *tag)
{
	static char buf[8][48];
	static int i;
	char *b = buf[i++ & 7];
	snprintf(b, 48, "fpt-%d-%s", (int)getpid(), tag);
	return b;
}
#endif
