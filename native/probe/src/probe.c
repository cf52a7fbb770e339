#include "probe.h"

#include <fastpath/descriptor.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

int fp_probe_abi_version(void) { return FP_PROBE_ABI_VERSION; }

const char *fp_probe_version(void)
{
#define FP_STR2(x) #x
#define FP_STR(x) FP_STR2(x)
	return "fastpath-probe " FP_STR(FP_PROBE_ABI_VERSION) " gcc-" __VERSION__;
}

long fp_probe_cacheline_size(void)
{
	long v = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
	return v > 0 ? v : 64;
}

long fp_probe_hugepages_free(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

int fp_probe_descriptor_layout(int field)
{
	switch (field) {
	case 0: return (int)offsetof(struct fp_descriptor, instance);
	case 1: return (int)offsetof(struct fp_descriptor, chain);
	case 2: return (int)offsetof(struct fp_descriptor, flags);
	case 3: return (int)offsetof(struct fp_descriptor, object);
	case 4: return (int)sizeof(struct fp_descriptor);
	default: return -1;
	}
}

_Static_assert(sizeof(struct fp_descriptor) == FP_DESCRIPTOR_SIZE, "descriptor must stay 16 bytes");

int fp_probe_describe(char *buf, size_t size)
{
	if (!buf && size > 0)
		return -1;
	return snprintf(buf, size, "abi=%d\ncacheline=%ld\npagesize=%ld\nhugepages_free=%ld\ncpus=%ld\n",
			fp_probe_abi_version(), fp_probe_cacheline_size(), sysconf(_SC_PAGESIZE),
			fp_probe_hugepages_free(), sysconf(_SC_NPROCESSORS_ONLN));
}
