/* A tiny library that proves the chain C -> .so -> koffi -> TypeScript and reports
 * what the host offers (cache line, hugepages) and the ABI of shared types. */
#ifndef FASTPATH_PROBE_H
#define FASTPATH_PROBE_H
#include <stddef.h>

#define FP_PROBE_ABI_VERSION 1

/* Library ABI version; bindings refuse a library whose version they do not know. */
int fp_probe_abi_version(void);
/* "fastpath-probe <abi> <compiler>"; static storage. */
const char *fp_probe_version(void);
/* L1 data cache line size in bytes (64 when sysconf does not know). */
long fp_probe_cacheline_size(void);
/* Free 2 MiB hugepages, or -1 when the kernel has no 2 MiB hugepage pool. */
long fp_probe_hugepages_free(void);
/* Layout of struct fp_descriptor: field 0..3 -> byte offset, 4 -> sizeof; -1 for others. */
int fp_probe_descriptor_layout(int field);
/* Writes "key=value\n" lines describing the host into buf (NUL-terminated).
 * Returns the length it needed, like snprintf; -1 on a NULL buffer with size > 0. */
int fp_probe_describe(char *buf, size_t size);

#endif
