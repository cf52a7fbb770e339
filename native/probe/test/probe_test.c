/* C unit test for the probe library, run under ASan+UBSan by `make test`. */
#include "probe.h"

#include <fastpath/descriptor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

int main(void)
{
	char small[4];
	char big[512];
	int need;

	CHECK(fp_probe_abi_version() == FP_PROBE_ABI_VERSION);
	CHECK(strncmp(fp_probe_version(), "fastpath-probe ", 15) == 0);
	CHECK(fp_probe_cacheline_size() >= 16);
	CHECK(fp_probe_descriptor_layout(4) == 16);
	CHECK(fp_probe_descriptor_layout(3) == 8);
	CHECK(fp_probe_descriptor_layout(9) == -1);

	/* truncation reports the needed length and never overflows */
	need = fp_probe_describe(small, sizeof(small));
	CHECK(need > (int)sizeof(small));
	CHECK(small[sizeof(small) - 1] == '\0');
	CHECK(fp_probe_describe(big, sizeof(big)) == need);
	CHECK(strstr(big, "cacheline=") != NULL);
	CHECK(fp_probe_describe(NULL, 10) == -1);
	CHECK(fp_probe_describe(NULL, 0) == need);

	/* descriptor helpers round-trip */
	{
		__u64 o = fp_desc_make_object(0x12345678abull, 0xabcdef);
		__u16 f = fp_desc_make_flags(FP_DESC_FLAG_ROUTE, 0x7ff);
		CHECK(fp_desc_offset(o) == 0x12345678abull);
		CHECK(fp_desc_generation(o) == 0xabcdef);
		CHECK(fp_desc_topic(f) == 0x7ff);
		CHECK((f & FP_DESC_FLAGS_MASK) == FP_DESC_FLAG_ROUTE);
	}
	puts("probe_test: ok");
	return 0;
}
