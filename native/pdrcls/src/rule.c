/* Rule semantics shared by every classifier: priority order, dimension limits, matching. */
#include "internal.h"

#include <string.h>

static const uint32_t dim_max[PDR_DIMS] = {
	[PDR_DIM_SRC_IP4] = UINT32_MAX, [PDR_DIM_DST_IP4] = UINT32_MAX, [PDR_DIM_SRC_PORT] = 65535,
	[PDR_DIM_DST_PORT] = 65535, [PDR_DIM_PROTO] = 255, [PDR_DIM_TOS] = 255,
	[PDR_DIM_SRC_IFACE] = 15, [PDR_DIM_TEID] = UINT32_MAX, [PDR_DIM_QFI] = 63,
	[PDR_DIM_APP_ID] = UINT32_MAX, [PDR_DIM_UE_IP4] = UINT32_MAX, [PDR_DIM_SPI] = UINT32_MAX,
	[PDR_DIM_FLOW_LABEL] = (1u << 20) - 1, [PDR_DIM_NET_INST] = UINT32_MAX,
	[PDR_DIM_ETHERTYPE] = 65535, [PDR_DIM_VLAN] = 4095, [PDR_DIM_EXTRA0] = UINT32_MAX,
	[PDR_DIM_EXTRA1] = UINT32_MAX, [PDR_DIM_EXTRA2] = UINT32_MAX, [PDR_DIM_EXTRA3] = UINT32_MAX,
};

int pdrcls_abi_version(void) { return PDRCLS_ABI_VERSION; }

const char *pdrcls_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case PDRCLS_EINVAL: return "invalid argument";
	case PDRCLS_EEXIST: return "id already exists";
	case PDRCLS_ENOENT: return "no such id";
	case PDRCLS_ENOMEM: return "out of memory";
	case PDRCLS_ENOSPC: return "table full";
	default: return "unknown error";
	}
}

const char *pdrcls_kind_name(int kind)
{
	static const char *const names[PDRCLS_KIND_COUNT] = { "oracle", "ll", "ll-fullscan", "tss", "pstss", "ps" };
	return kind >= 0 && kind < PDRCLS_KIND_COUNT ? names[kind] : NULL;
}

int pdr_rule_better(uint32_t prec_a, uint32_t id_a, uint32_t prec_b, uint32_t id_b)
{
	return pdr_rank(prec_a, id_a) < pdr_rank(prec_b, id_b);
}

uint32_t pdr_dim_max(int dim) { return dim >= 0 && dim < PDR_DIMS ? dim_max[dim] : 0; }

int pdr_rule_matches(const struct pdr_rule *rule, const struct pdr_key *key)
{
	if (!rule || !key)
		return 0;
	for (int d = 0; d < PDR_DIMS; d++)
		if (key->v[d] < rule->lo[d] || key->v[d] > rule->hi[d])
			return 0;
	return 1;
}

void pdr_rule_init_any(struct pdr_rule *rule)
{
	if (!rule)
		return;
	memset(rule, 0, sizeof(*rule));
	for (int d = 0; d < PDR_DIMS; d++)
		rule->hi[d] = dim_max[d];
}

bool entry_dim_is_any(const struct pdr_entry *e, int d)
{
	return e->nlo[d] == 0 && e->nhi[d] == UINT32_MAX;
}
