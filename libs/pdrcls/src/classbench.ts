// Parsers for the fixed classifier inputs in <dataDir>/classbench (see its README):
// ClassBench rule sets, packet traces, expected first-match answers, update-operation
// traces, and the dissertation's extended PDR rule files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dataDir } from '@fastpath/native';
import { ParseError } from './errors.ts';
import { Dim, DIM_MAX, KEY_BYTES, PDR_DIMS, prefixRange, type PdrRule } from './rules.ts';

export const CLASSBENCH_SETS = ['acl1_1k', 'fw1_1k', 'ipc1_1k', 'acl1_10k', 'fw1_10k', 'ipc1_10k'] as const;
export type ClassBenchSet = (typeof CLASSBENCH_SETS)[number];
export const PDR_RULE_COUNTS = [2, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100] as const;

export function classbenchDir(): string {
  return join(dataDir(), 'classbench');
}

export function classbenchPaths(set: ClassBenchSet) {
  const dir = classbenchDir();
  return {
    rules: join(dir, 'rules', set),
    trace: join(dir, 'traces', `${set}_trace.gz`),
    expected: join(dir, 'traces', `${set}_trace.expected.gz`),
    updates: join(dir, 'updates', `${set}_updates.gz`),
  };
}

/** null when every file is present, else a message naming what to fetch. */
export function classbenchMissing(): string | null {
  const want = [...CLASSBENCH_SETS.flatMap((s) => Object.values(classbenchPaths(s))), join(classbenchDir(), 'pdr-dissertation', 'fw_100.rules')];
  const missing = want.filter((p) => !existsSync(p));
  return missing.length
    ? `ClassBench inputs missing (${missing.length} files, e.g. ${missing[0]}); fetch the shared data set into ${classbenchDir()} (see its README.md) or set FASTPATH_DATA`
    : null;
}

/** Reads a file, gunzipping *.gz. */
export function readText(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

function u32(tok: string | undefined, src: string, line: number, what: string, max = 0xffffffff): number {
  if (tok === undefined || !/^\d+$/.test(tok)) throw new ParseError(src, line, `${what}: expected an unsigned integer, got ${JSON.stringify(tok)}`);
  const v = Number(tok);
  if (v > max) throw new ParseError(src, line, `${what}: ${v} > ${max}`);
  return v;
}

function ipv4(s: string, src: string, line: number): number {
  const parts = s.split('.');
  if (parts.length !== 4) throw new ParseError(src, line, `bad IPv4 address ${JSON.stringify(s)}`);
  return parts.reduce((acc, p) => acc * 256 + u32(p, src, line, 'IPv4 octet', 255), 0);
}

function prefix(tok: string, src: string, line: number): [number, number] {
  const [addr, len, extra] = tok.split('/');
  if (len === undefined || extra !== undefined) throw new ParseError(src, line, `bad prefix ${JSON.stringify(tok)}`);
  return prefixRange(ipv4(addr, src, line), u32(len, src, line, 'prefix length', 32));
}

function range(a: string, colon: string, b: string, src: string, line: number): [number, number] {
  if (colon !== ':') throw new ParseError(src, line, `port range needs "lo : hi", got ${JSON.stringify(`${a} ${colon} ${b}`)}`);
  const lo = u32(a, src, line, 'port', 65535);
  const hi = u32(b, src, line, 'port', 65535);
  if (lo > hi) throw new ParseError(src, line, `port range ${lo} : ${hi} is empty`);
  return [lo, hi];
}

/** A "0xVV/0xMM" byte field: mask 0xFF = exact value, 0x00 = any ([0, DIM_MAX[dim]]). */
function byteField(tok: string, src: string, line: number, dim: number, max = DIM_MAX[dim]): [number, number] {
  const m = /^0x([0-9a-f]+)\/0x([0-9a-f]+)$/i.exec(tok);
  if (!m) throw new ParseError(src, line, `bad value/mask field ${JSON.stringify(tok)}`);
  const v = parseInt(m[1], 16);
  const mask = parseInt(m[2], 16);
  if (mask === 0) return [0, DIM_MAX[dim]];
  if (mask !== 0xff || v > max) throw new ParseError(src, line, `field ${tok}: only exact (/0xFF) or wildcard (/0x00) byte fields are supported`);
  return [v, v];
}

function ruleLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

function baseRule(id: number, toks: string[], src: string, line: number): PdrRule {
  if (!toks[0].startsWith('@')) throw new ParseError(src, line, 'a rule line starts with "@"');
  const lo = new Array<number>(PDR_DIMS).fill(0);
  const hi = [...DIM_MAX];
  [lo[Dim.SRC_IP4], hi[Dim.SRC_IP4]] = prefix(toks[0].slice(1), src, line);
  [lo[Dim.DST_IP4], hi[Dim.DST_IP4]] = prefix(toks[1], src, line);
  [lo[Dim.SRC_PORT], hi[Dim.SRC_PORT]] = range(toks[2], toks[3], toks[4], src, line);
  [lo[Dim.DST_PORT], hi[Dim.DST_PORT]] = range(toks[5], toks[6], toks[7], src, line);
  // File order is priority order: rule id = line number, lower id = higher priority.
  return { lo, hi, precedence: id, pdrId: id, cookie: BigInt(id) };
}

/**
 * ClassBench rule set: `@SA/len DA/len SP : SP DP : DP proto/mask flags/mask`.
 * Rule id = line number from 0, precedence = id. The flags field is parsed but not a
 * dimension: the expected answers (and the PartitionSort reference) use the 5-tuple only.
 */
export function parseClassBenchRules(text: string, src = 'rules'): PdrRule[] {
  return ruleLines(text).map((l, i) => {
    const toks = l.trim().split(/\s+/);
    if (toks.length !== 10) throw new ParseError(src, i + 1, `expected 10 fields, got ${toks.length}`);
    const r = baseRule(i, toks, src, i + 1);
    [r.lo[Dim.PROTO], r.hi[Dim.PROTO]] = byteField(toks[8], src, i + 1, Dim.PROTO);
    if (!/^0x[0-9a-f]+\/0x[0-9a-f]+$/i.test(toks[9])) throw new ParseError(src, i + 1, `bad flags field ${JSON.stringify(toks[9])}`);
    return r;
  });
}

/**
 * The dissertation's PDR files (26 tokens): the 8 range tokens, then 18 byte fields.
 * Byte fields 0..15 fill dims 4..19 (field 0 is the protocol). Field 16 is dropped: it has
 * the same value in every rule, so it never tells rules apart. Field 17 (their pdr_id byte)
 * is 0 in every rule, so the line number is the id and the precedence, as for ClassBench.
 * Dims 5..19 act as generic byte-wide exact-match fields here (values up to 255, even where
 * the UPF layout gives that dimension a smaller range, e.g. dim 6 source interface).
 */
export function parsePdrRules(text: string, src = 'pdr-rules'): PdrRule[] {
  return ruleLines(text).map((l, i) => {
    const toks = l.trim().split(/\s+/);
    if (toks.length !== 26) throw new ParseError(src, i + 1, `expected 26 fields, got ${toks.length}`);
    const r = baseRule(i, toks, src, i + 1);
    for (let f = 0; f < 18; f++) {
      const dim = Dim.PROTO + f;
      if (dim < PDR_DIMS) [r.lo[dim], r.hi[dim]] = byteField(toks[8 + f], src, i + 1, dim, 255);
      else byteField(toks[8 + f], src, i + 1, PDR_DIMS - 1, 255); // still validated
    }
    return r;
  });
}

/** The dissertation's one fixed packet: {12.146.188.8, 12.146.187.224, 53, 22, 17, 17, 17, 0...}. */
export const DISSERTATION_PACKET: readonly number[] = [
  (12 << 24) + (146 << 16) + (188 << 8) + 8,
  (12 << 24) + (146 << 16) + (187 << 8) + 224,
  53,
  22,
  17,
  17,
  17,
  ...new Array(PDR_DIMS - 7).fill(0),
].map((v) => v >>> 0);

export interface Trace {
  /** n keys, KEY_BYTES each, dims 0..4 filled. */
  keys: Buffer;
  count: number;
  /** the generator's seed rule per header (not always the first match). */
  filterNo: Int32Array;
}

/** ClassBench trace: `src_ip dst_ip src_port dst_port proto flags filter_no` per line. */
export function parseTrace(text: string, src = 'trace'): Trace {
  const lines = ruleLines(text);
  const keys = Buffer.alloc(lines.length * KEY_BYTES);
  const filterNo = new Int32Array(lines.length);
  lines.forEach((l, i) => {
    const t = l.trim().split(/\s+/);
    if (t.length !== 7) throw new ParseError(src, i + 1, `expected 7 columns, got ${t.length}`);
    const o = i * KEY_BYTES;
    keys.writeUInt32LE(u32(t[0], src, i + 1, 'src ip'), o);
    keys.writeUInt32LE(u32(t[1], src, i + 1, 'dst ip'), o + 4);
    keys.writeUInt32LE(u32(t[2], src, i + 1, 'src port', 65535), o + 8);
    keys.writeUInt32LE(u32(t[3], src, i + 1, 'dst port', 65535), o + 12);
    keys.writeUInt32LE(u32(t[4], src, i + 1, 'proto', 255), o + 16);
    u32(t[5], src, i + 1, 'flags');
    filterNo[i] = u32(t[6], src, i + 1, 'filter_no');
  });
  return { keys, count: lines.length, filterNo };
}

/** Expected first-match rule id per trace line (-1 = no match). */
export function parseExpected(text: string, src = 'expected'): Int32Array {
  const lines = ruleLines(text);
  const out = new Int32Array(lines.length);
  lines.forEach((l, i) => {
    const s = l.trim();
    if (!/^(-1|\d+)$/.test(s)) throw new ParseError(src, i + 1, `expected a rule id or -1, got ${JSON.stringify(s)}`);
    out[i] = Number(s);
  });
  return out;
}

export interface UpdateTrace {
  header: string;
  /** ids installed before timing starts (B lines). */
  build: number[];
  /** timed operations: 'I' (73) or 'D' (68) char codes, and rule ids. */
  codes: Uint32Array;
  ids: Uint32Array;
}

/** Update-operation trace: `# header`, then `B <id>` / `I <id>` / `D <id>` lines. */
export function parseUpdates(text: string, src = 'updates'): UpdateTrace {
  const lines = ruleLines(text);
  let header = '';
  const build: number[] = [];
  const codes: number[] = [];
  const ids: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('#')) {
      header ||= l.slice(1).trim();
      return;
    }
    const m = /^([BID]) (\d+)$/.exec(l.trim());
    if (!m) throw new ParseError(src, i + 1, `expected "B|I|D <id>", got ${JSON.stringify(l)}`);
    const id = Number(m[2]);
    if (m[1] === 'B') {
      if (codes.length) throw new ParseError(src, i + 1, 'B (build) line after the timed operations started');
      build.push(id);
    } else {
      codes.push(m[1].charCodeAt(0));
      ids.push(id);
    }
  });
  return { header, build, codes: Uint32Array.from(codes), ids: Uint32Array.from(ids) };
}

export function loadClassBench(set: ClassBenchSet) {
  const p = classbenchPaths(set);
  const rules = parseClassBenchRules(readText(p.rules), p.rules);
  const trace = parseTrace(readText(p.trace), p.trace);
  const expected = parseExpected(readText(p.expected), p.expected);
  if (expected.length !== trace.count) throw new ParseError(p.expected, expected.length, `has ${expected.length} answers for ${trace.count} trace lines`);
  return { rules, trace, expected };
}

export function loadPdrRules(n: number, variant: '' | '_tss_best' | '_tss_worst' = ''): PdrRule[] {
  const path = join(classbenchDir(), 'pdr-dissertation', `fw_${n}${variant}.rules`);
  return parsePdrRules(readText(path), path);
}
