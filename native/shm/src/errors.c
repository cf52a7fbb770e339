/* Error names, ABI version, descriptor packing, and the no-op used to measure koffi's call cost. */
#include "fp_shm.h"

const char *fp_shm_strerror(int err)
{
	switch (err) {
	case FP_OK: return "FP_OK: success";
	case FP_E_INVAL: return "FP_E_INVAL: invalid argument";
	case FP_E_NOENT: return "FP_E_NOENT: no such region or object";
	case FP_E_EXIST: return "FP_E_EXIST: region or object already exists";
	case FP_E_KEY: return "FP_E_KEY: wrong domain key";
	case FP_E_MAGIC: return "FP_E_MAGIC: not a fastpath region (bad magic or truncated)";
	case FP_E_VERSION: return "FP_E_VERSION: region has another layout version";
	case FP_E_NOSPACE: return "FP_E_NOSPACE: no room left in the region";
	case FP_E_EXHAUSTED: return "FP_E_EXHAUSTED: mempool exhausted";
	case FP_E_DOUBLE_FREE: return "FP_E_DOUBLE_FREE: object already free";
	case FP_E_STALE: return "FP_E_STALE: stale object generation";
	case FP_E_FULL: return "FP_E_FULL: ring full";
	case FP_E_TIMEOUT: return "FP_E_TIMEOUT: wait timed out";
	case FP_E_SYS: return "FP_E_SYS: system call failed";
	case FP_E_TYPE: return "FP_E_TYPE: named object has another type";
	case FP_E_NOHUGE: return "FP_E_NOHUGE: no free 2 MiB hugepages on a mounted hugetlbfs";
	case FP_E_CLOSED: return "FP_E_CLOSED: waiter stopped";
	default: return "FP_E_?: unknown error";
	}
}

int fp_shm_abi_version(void) { return FP_SHM_ABI_VERSION; }

uint64_t fp_shm_nop(uint64_t x) { return x; }

int fp_desc_pack(struct fp_descriptor *out, uint32_t instance, uint16_t chain, uint16_t flags, uint16_t topic,
		 uint64_t offset, uint32_t generation)
{
	if (!out || flags > FP_DESC_FLAGS_MASK || topic > FP_DESC_TOPIC_MAX || offset > FP_DESC_OFFSET_MASK ||
	    generation > FP_DESC_GEN_MASK)
		return FP_E_INVAL;
	out->instance = instance;
	out->chain = chain;
	out->flags = fp_desc_make_flags(flags, topic);
	out->object = fp_desc_make_object(offset, generation);
	return 0;
}
