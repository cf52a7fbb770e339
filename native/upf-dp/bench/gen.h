/* Shared by the generators in bench/: checksums and the 68-byte inner IPv4/UDP packet. */
#ifndef UPF_DP_GEN_H
#define UPF_DP_GEN_H
#include <stddef.h>
#include <stdint.h>

uint16_t gen_csum(const uint8_t *p, size_t n);
/* 68 bytes: IPv4 20 + UDP 8 (checksum 0) + 40 zero bytes. */
void gen_inner(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);
/* upf-dp-gen l2 ...: bench/gen_l2.c */
int gen_l2(int argc, char **argv);
#endif
