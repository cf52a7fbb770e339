// The rule and key shapes shared with C (struct pdr_rule, struct pdr_key) and their
// little-endian Buffer encodings, which the binding passes to C without copying.

export const PDR_DIMS = 20;
export const RULE_BYTES = 176; // lo[20], hi[20], precedence, pdr_id, cookie (u64)
export const KEY_BYTES = 80; // v[20]
export const PDR_ID_NONE = 0xffffffff;

/** Dimension numbers (native/pdrcls/src/pdrcls.h enum pdr_dim). */
export const Dim = {
  SRC_IP4: 0,
  DST_IP4: 1,
  SRC_PORT: 2,
  DST_PORT: 3,
  PROTO: 4,
  TOS: 5,
  SRC_IFACE: 6,
  TEID: 7,
  QFI: 8,
  APP_ID: 9,
  UE_IP4: 10,
  SPI: 11,
  FLOW_LABEL: 12,
  NET_INST: 13,
  ETHERTYPE: 14,
  VLAN: 15,
  EXTRA0: 16,
  EXTRA1: 17,
  EXTRA2: 18,
  EXTRA3: 19,
} as const;

/** Largest value of each dimension; "any" is [0, max]. Same table as pdr_dim_max(). */
export const DIM_MAX: readonly number[] = [
  0xffffffff, 0xffffffff, 65535, 65535, 255, 255, 15, 0xffffffff, 63, 0xffffffff, 0xffffffff, 0xffffffff,
  (1 << 20) - 1, 0xffffffff, 65535, 4095, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
];

export interface PdrRule {
  lo: number[]; // PDR_DIMS values, unsigned 32-bit
  hi: number[];
  /** Lower wins; ties go to the lower pdrId. */
  precedence: number;
  pdrId: number;
  cookie: bigint;
}

/** A rule that matches every key. */
export function anyRule(pdrId: number, precedence = 0, cookie = 0n): PdrRule {
  return { lo: new Array(PDR_DIMS).fill(0), hi: [...DIM_MAX], precedence, pdrId, cookie };
}

/** Inclusive range of an IPv4 prefix (address as unsigned 32-bit). */
export function prefixRange(addr: number, len: number): [number, number] {
  if (!Number.isInteger(len) || len < 0 || len > 32) throw new RangeError(`prefix length ${len} outside 0..32`);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const lo = (addr & mask) >>> 0;
  return [lo, (lo | ~mask) >>> 0];
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what} = ${v} is not an unsigned 32-bit integer`);
}

export function validateRule(r: PdrRule): void {
  if (r.lo.length !== PDR_DIMS || r.hi.length !== PDR_DIMS) throw new RangeError(`rule ${r.pdrId}: lo/hi need ${PDR_DIMS} values`);
  for (let d = 0; d < PDR_DIMS; d++) {
    checkU32(r.lo[d], `rule ${r.pdrId} lo[${d}]`);
    checkU32(r.hi[d], `rule ${r.pdrId} hi[${d}]`);
  }
  checkU32(r.precedence, 'precedence');
  checkU32(r.pdrId, 'pdrId');
  if (r.cookie < 0n || r.cookie > 0xffffffffffffffffn) throw new RangeError(`rule ${r.pdrId}: cookie outside u64`);
}

export function writeRule(buf: Buffer, off: number, r: PdrRule): void {
  validateRule(r);
  for (let d = 0; d < PDR_DIMS; d++) {
    buf.writeUInt32LE(r.lo[d], off + d * 4);
    buf.writeUInt32LE(r.hi[d], off + 80 + d * 4);
  }
  buf.writeUInt32LE(r.precedence, off + 160);
  buf.writeUInt32LE(r.pdrId, off + 164);
  buf.writeBigUInt64LE(r.cookie, off + 168);
}

export function readRule(buf: Buffer, off = 0): PdrRule {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < PDR_DIMS; d++) {
    lo.push(buf.readUInt32LE(off + d * 4));
    hi.push(buf.readUInt32LE(off + 80 + d * 4));
  }
  return { lo, hi, precedence: buf.readUInt32LE(off + 160), pdrId: buf.readUInt32LE(off + 164), cookie: buf.readBigUInt64LE(off + 168) };
}

export function encodeRules(rules: readonly PdrRule[]): Buffer {
  const buf = Buffer.alloc(rules.length * RULE_BYTES);
  rules.forEach((r, i) => writeRule(buf, i * RULE_BYTES, r));
  return buf;
}

/** Keys as one Buffer of n * 80 bytes. Each key lists up to PDR_DIMS values (missing = 0). */
export function encodeKeys(keys: readonly (readonly number[])[]): Buffer {
  const buf = Buffer.alloc(keys.length * KEY_BYTES);
  keys.forEach((k, i) => {
    if (k.length > PDR_DIMS) throw new RangeError(`key ${i} has ${k.length} values, at most ${PDR_DIMS}`);
    k.forEach((v, d) => {
      checkU32(v, `key ${i} v[${d}]`);
      buf.writeUInt32LE(v, i * KEY_BYTES + d * 4);
    });
  });
  return buf;
}

/** JavaScript reference of pdr_rule_matches (used to cross-check the C one). */
export function ruleMatches(r: PdrRule, key: readonly number[]): boolean {
  for (let d = 0; d < PDR_DIMS; d++) {
    const v = key[d] ?? 0;
    if (v < r.lo[d] || v > r.hi[d]) return false;
  }
  return true;
}
