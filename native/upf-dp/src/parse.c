/* Packet parsing into classifier keys, and GTP-U header construction (TS 29.281, TS 38.415). */
#include "dp_internal.h"

#include <string.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* Fills the 5-tuple + TOS dimensions from an IPv4 packet; 0 or UPF_DROP_MALFORMED. */
static int ipv4_key(const uint8_t *ip, uint32_t len, struct pdr_key *key)
{
	if (len < 20 || (ip[0] >> 4) != 4)
		return UPF_DROP_MALFORMED;
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t total = rd16(ip + 2);
	if (ihl < 20 || total < ihl || total > len)
		return UPF_DROP_MALFORMED;
	key->v[PDR_DIM_SRC_IP4] = rd32(ip + 12);
	key->v[PDR_DIM_DST_IP4] = rd32(ip + 16);
	key->v[PDR_DIM_PROTO] = ip[9];
	key->v[PDR_DIM_TOS] = ip[1];
	/* Ports only from the first fragment of TCP/UDP; other packets match port "any" rules. */
	int first_frag = (rd16(ip + 6) & 0x1fff) == 0;
	if (first_frag && (ip[9] == 6 || ip[9] == 17) && total >= ihl + 4) {
		key->v[PDR_DIM_SRC_PORT] = rd16(ip + ihl);
		key->v[PDR_DIM_DST_PORT] = rd16(ip + ihl + 2);
	}
	return 0;
}

int dp_parse_n3(struct pkt *p, struct pdr_key *key, uint32_t *teid)
{
	const uint8_t *g = p->data;
	memset(key, 0, sizeof(*key));
	if (p->len < 8 || (g[0] >> 5) != 1 || !(g[0] & 0x10))
		return UPF_DROP_MALFORMED;
	uint32_t end = 8u + rd16(g + 2);
	if (end > p->len)
		return UPF_DROP_MALFORMED;
	if (g[1] == 1)
		return V_ECHO;
	if (g[1] != 255)
		return UPF_DROP_NOT_GPDU;
	uint32_t off = 8;
	uint8_t qfi = 0;
	if (g[0] & 0x07) {
		if (end < 12)
			return UPF_DROP_MALFORMED;
		uint8_t next = (g[0] & 0x04) ? g[11] : 0;
		off = 12;
		while (next) {
			if (off >= end || g[off] == 0 || off + g[off] * 4u > end)
				return UPF_DROP_MALFORMED;
			uint32_t words = g[off];
			if (next == 0x85 && words >= 1)
				qfi = g[off + 2] & 0x3f;
			next = g[off + words * 4 - 1];
			off += words * 4;
		}
	}
	*teid = rd32(g + 4);
	int rc = ipv4_key(g + off, end - off, key);
	if (rc)
		return rc;
	p->inner_off = off;
	key->v[PDR_DIM_SRC_IFACE] = UPF_IF_ACCESS;
	key->v[PDR_DIM_TEID] = *teid;
	key->v[PDR_DIM_QFI] = qfi;
	key->v[PDR_DIM_UE_IP4] = key->v[PDR_DIM_SRC_IP4];
	return -1;
}

int dp_parse_n6(struct pkt *p, struct pdr_key *key)
{
	memset(key, 0, sizeof(*key));
	int rc = ipv4_key(p->data, p->len, key);
	if (rc)
		return rc;
	/* The IP total length may be shorter than the frame (padding): send only the packet. */
	p->len = rd16(p->data + 2);
	p->inner_off = 0;
	key->v[PDR_DIM_SRC_IFACE] = UPF_IF_CORE;
	key->v[PDR_DIM_UE_IP4] = key->v[PDR_DIM_DST_IP4];
	return -1;
}

int dp_gtpu_header(uint8_t *h, uint32_t teid, uint32_t payload_len, uint8_t qfi)
{
	if (!qfi) {
		h[0] = 0x30;
		h[1] = 255;
		wr16(h + 2, (uint16_t)payload_len);
		wr32(h + 4, teid);
		return 8;
	}
	/* E flag, then optional word (seq 0, N-PDU 0, next 0x85) and one 4-byte DL PDU Session
	 * Container: length 1, PDU type 0 (DL), QFI, next type 0. */
	h[0] = 0x34;
	h[1] = 255;
	wr16(h + 2, (uint16_t)(payload_len + 8));
	wr32(h + 4, teid);
	h[8] = h[9] = h[10] = 0;
	h[11] = 0x85;
	h[12] = 1;
	h[13] = 0x00;
	h[14] = qfi & 0x3f;
	h[15] = 0;
	return 16;
}

int dp_echo_response(uint8_t *h, const uint8_t *req, uint32_t req_len)
{
	/* S flag with the request's sequence number, then the Recovery IE (type 14, value 0). */
	h[0] = 0x32;
	h[1] = 2;
	wr16(h + 2, 6);
	wr32(h + 4, 0);
	if (req_len >= 12 && (req[0] & 0x02)) {
		h[8] = req[8];
		h[9] = req[9];
	} else {
		h[8] = h[9] = 0;
	}
	h[10] = h[11] = 0;
	h[12] = 14;
	h[13] = 0;
	return 14;
}
