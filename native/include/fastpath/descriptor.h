/* The descriptor: the 16 bytes that move between functions instead of payloads.
 *
 * Defined once here and used by native code, eBPF programs (bpf/) and, through the
 * constants checked in libs/shm's tests, by TypeScript. Little-endian, no padding.
 *
 *   byte  0..3   instance   target function instance id (0 = resolve by route)
 *   byte  4..5   chain      security domain (chain / FL job / 5G core) id
 *   byte  6..7   flags      bits 0..3 flags, bits 4..15 topic (for direct function routing)
 *   byte  8..15  object     bits 0..39 object offset in the region, bits 40..63 generation
 */
#ifndef FASTPATH_DESCRIPTOR_H
#define FASTPATH_DESCRIPTOR_H

#if defined(__bpf__)
/* eBPF programs get __u16/__u32/__u64 from vmlinux.h. */
#else
#include <linux/types.h>
#endif

struct fp_descriptor {
	__u32 instance;
	__u16 chain;
	__u16 flags;
	__u64 object;
};

#define FP_DESCRIPTOR_SIZE 16

/* flags field */
#define FP_DESC_FLAG_ROUTE    0x1u  /* resolve the next hop from the routing map (DFR) */
#define FP_DESC_FLAG_RESPONSE 0x2u  /* a response travelling back to a caller */
#define FP_DESC_FLAG_CONTROL  0x4u  /* control message (credits, shutdown), no object */
#define FP_DESC_FLAGS_MASK    0xfu
#define FP_DESC_TOPIC_SHIFT   4
#define FP_DESC_TOPIC_MAX     0xfffu

/* object field */
#define FP_DESC_OFFSET_BITS   40
#define FP_DESC_OFFSET_MASK   ((1ull << FP_DESC_OFFSET_BITS) - 1)
#define FP_DESC_GEN_MASK      0xffffffull

static inline __u16 fp_desc_make_flags(__u16 flags, __u16 topic)
{
	return (__u16)((flags & FP_DESC_FLAGS_MASK) | ((topic & FP_DESC_TOPIC_MAX) << FP_DESC_TOPIC_SHIFT));
}

static inline __u16 fp_desc_topic(__u16 flags) { return (__u16)(flags >> FP_DESC_TOPIC_SHIFT); }

static inline __u64 fp_desc_make_object(__u64 offset, __u32 generation)
{
	return (offset & FP_DESC_OFFSET_MASK) | (((__u64)generation & FP_DESC_GEN_MASK) << FP_DESC_OFFSET_BITS);
}

static inline __u64 fp_desc_offset(__u64 object) { return object & FP_DESC_OFFSET_MASK; }
static inline __u32 fp_desc_generation(__u64 object) { return (__u32)(object >> FP_DESC_OFFSET_BITS); }

#endif
