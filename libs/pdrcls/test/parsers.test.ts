// Parsers of the ClassBench, trace, expected, update and dissertation PDR formats:
// small inline inputs (always run) and the real files when present.
import { describe, expect, it } from 'vitest';
import {
  Classifier, classbenchMissing, Dim, DISSERTATION_PACKET, encodeKeys, loadPdrRules, ParseError, parseClassBenchRules,
  parseExpected, parsePdrRules, parseTrace, parseUpdates, PDR_RULE_COUNTS, KEY_BYTES,
} from '../src/index.ts';

const RULES = '@31.2.13.213/32\t159.33.184.0/24\t0 : 65535\t1521 : 1525\t0x06/0xFF\t0x1000/0x1000\t\n' + '@0.0.0.0/0\t0.0.0.0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0x0000/0x0000\t\n';

describe('ClassBench rules', () => {
  it('turns prefixes, port ranges and protocol into ranges; id = precedence = line', () => {
    const [a, b] = parseClassBenchRules(RULES);
    expect(a.lo[Dim.SRC_IP4]).toBe(a.hi[Dim.SRC_IP4]);
    expect(a.lo[Dim.SRC_IP4]).toBe(((31 << 24) | (2 << 16) | (13 << 8) | 213) >>> 0);
    expect([a.lo[Dim.DST_IP4] & 0xff, a.hi[Dim.DST_IP4] & 0xff]).toEqual([0, 255]);
    expect([a.lo[Dim.SRC_PORT], a.hi[Dim.SRC_PORT]]).toEqual([0, 65535]);
    expect([a.lo[Dim.DST_PORT], a.hi[Dim.DST_PORT]]).toEqual([1521, 1525]);
    expect([a.lo[Dim.PROTO], a.hi[Dim.PROTO]]).toEqual([6, 6]);
    expect([b.lo[Dim.PROTO], b.hi[Dim.PROTO]]).toEqual([0, 255]);
    expect([a.pdrId, a.precedence, b.pdrId, b.precedence]).toEqual([0, 0, 1, 1]);
  });

  it('rejects malformed lines with the line number', () => {
    const bad = [
      ['@1.2.3.4/33\t1.2.3.4/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0', /prefix length/],
      ['@1.2.3/8\t1.2.3.4/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0', /IPv4/],
      ['@1.2.3.4/8\t1.2.3.4/32\t5 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0', /empty/],
      ['@1.2.3.4/8\t1.2.3.4/32\t0 : 1\t0 : 1\t0x06/0x0F\t0x0/0x0', /exact/],
      ['1.2.3.4/8\t1.2.3.4/32\t0 : 1\t0 : 1\t0x06/0xFF\t0x0/0x0', /starts with "@"/],
      ['@1.2.3.4/8\t1.2.3.4/32\t0 : 1', /expected 10 fields/],
    ] as const;
    for (const [line, msg] of bad) {
      const text = RULES + line + '\n';
      expect(() => parseClassBenchRules(text, 'x')).toThrow(ParseError);
      expect(() => parseClassBenchRules(text, 'x')).toThrow(msg);
      expect(() => parseClassBenchRules(text, 'x')).toThrow(/^x:3:/);
    }
  });
});

describe('traces, expected answers, update traces', () => {
  it('parses a trace into 80-byte keys', () => {
    const t = parseTrace('4002480958\t1834618731\t65535\t1526\t6\t4294967295\t447\n1\t2\t3\t4\t17\t0\t0\n');
    expect(t.count).toBe(2);
    expect(t.keys.length).toBe(2 * KEY_BYTES);
    expect(t.keys.readUInt32LE(0)).toBe(4002480958);
    expect(t.keys.readUInt32LE(12)).toBe(1526);
    expect(t.keys.readUInt32LE(KEY_BYTES + 16)).toBe(17);
    expect([...t.filterNo]).toEqual([447, 0]);
    expect(() => parseTrace('1 2 3 4 5 6\n')).toThrow(/7 columns/);
    expect(() => parseTrace('1 2 70000 4 5 6 7\n')).toThrow(/src port: 70000 > 65535/);
    expect(() => parseTrace('1 2 3 4 5 6 x\n')).toThrow(ParseError);
  });

  it('parses expected answers and update operations', () => {
    expect([...parseExpected('3\n-1\n0\n')]).toEqual([3, -1, 0]);
    expect(() => parseExpected('3\nx\n')).toThrow(/expected:2:/);
    const u = parseUpdates('# v1 rules=x\nB 4\nB 2\nI 7\nD 4\n');
    expect(u.header).toBe('v1 rules=x');
    expect(u.build).toEqual([4, 2]);
    expect([...u.codes].map((c) => String.fromCharCode(c))).toEqual(['I', 'D']);
    expect([...u.ids]).toEqual([7, 4]);
    expect(() => parseUpdates('I 1\nB 2\n')).toThrow(/after the timed/);
    expect(() => parseUpdates('X 1\n')).toThrow(ParseError);
  });
});

describe('dissertation PDR files', () => {
  const line = '@12.146.188.8/29\t12.146.187.224/28\t53 : 53\t22 : 22\t' + ['0x11/0xFF', '0x11/0xFF', '0x11/0xFF', ...new Array(15).fill('0x00/0xFF')].join('\t') + '\t\n';

  it('maps 4 ranges + 16 byte fields onto the 20 dimensions', () => {
    const [r] = parsePdrRules(line);
    expect([r.lo[Dim.PROTO], r.lo[5], r.lo[6], r.lo[7], r.hi[19]]).toEqual([17, 17, 17, 0, 0]);
    expect(() => parsePdrRules(line.replace('0x11/0xFF', '0x11/0xF0'))).toThrow(/exact/);
    expect(() => parsePdrRules('@1.2.3.4/32 1.2.3.4/32 1 : 1 2 : 2 0x11/0xFF\n')).toThrow(/26 fields/);
    // the dissertation's fixed packet matches its target rule
    using c = new Classifier('ll');
    c.insertMany(parsePdrRules(line));
    expect(c.classify(encodeKeys([DISSERTATION_PACKET])).ids[0]).toBe(0);
  });

  const missing = classbenchMissing();
  it.skipIf(missing !== null)('loads all 33 files; the fixed packet hits the target rule; TSS tuples as described', () => {
    for (const n of PDR_RULE_COUNTS) {
      for (const v of ['', '_tss_best', '_tss_worst'] as const) {
        const rules = loadPdrRules(n, v);
        expect(rules.length).toBe(n);
        using oracle = new Classifier('oracle');
        oracle.insertMany(rules);
        const hit = oracle.classify(encodeKeys([DISSERTATION_PACKET])).ids[0];
        const target = rules[hit];
        expect(target.lo[Dim.SRC_PORT]).toBe(53);
        expect(target.lo[Dim.DST_PORT]).toBe(22);
        using tss = new Classifier('tss');
        tss.insertMany(rules);
        if (v === '_tss_best') expect(tss.stats().tables).toBe(1);
        if (v === '_tss_worst' && n >= 10) expect(tss.stats().tables).toBeGreaterThan(n / 2);
      }
    }
  });
});
