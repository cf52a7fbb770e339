// The koffi binding: every exported C function through its TS wrapper, typed errors for
// bad input, and a randomised cross-check of all kinds against the oracle from TypeScript.
import { describe, expect, it } from 'vitest';
import {
  abiVersion, anyRule, Classifier, Dim, DIM_MAX, dimMax, Direction, encodeKeys, encodeRules, Kind, KIND_NAMES, kindName,
  nativeAnyRule, nativeRuleMatches, PDR_DIMS, PDR_ID_NONE, PdrclsError, prefixRange, ruleBetter, ruleMatches, Sessions,
  strerror, type PdrRule,
} from '../src/index.ts';

function udpTo(port: number, id: number, precedence: number): PdrRule {
  const r = anyRule(id, precedence, BigInt(id) * 1000n);
  r.lo[Dim.PROTO] = r.hi[Dim.PROTO] = 17;
  r.lo[Dim.DST_PORT] = r.hi[Dim.DST_PORT] = port;
  return r;
}

describe('library constants and rule helpers', () => {
  it('reports ABI, names and error strings', () => {
    expect(abiVersion()).toBe(1);
    expect(KIND_NAMES.map((_, k) => kindName(k))).toEqual([...KIND_NAMES]);
    expect(kindName(6)).toBeNull();
    expect(strerror(-17)).toBe('id already exists');
    expect(strerror(-999)).toBe('unknown error');
  });

  it('has one priority rule: lower precedence wins, ties go to the lower PDR id', () => {
    expect(ruleBetter(1, 50, 2, 1)).toBe(true);
    expect(ruleBetter(2, 1, 1, 50)).toBe(false);
    expect(ruleBetter(7, 3, 7, 4)).toBe(true);
    expect(ruleBetter(7, 4, 7, 3)).toBe(false);
    expect(ruleBetter(7, 4, 7, 4)).toBe(false);
  });

  it('agrees with the TS dimension table and rule matcher', () => {
    for (let d = 0; d < PDR_DIMS; d++) expect(dimMax(d)).toBe(DIM_MAX[d]);
    expect(dimMax(PDR_DIMS)).toBe(0);
    expect(nativeAnyRule()).toEqual(anyRule(0));
    const r = udpTo(53, 1, 1);
    [r.lo[Dim.SRC_IP4], r.hi[Dim.SRC_IP4]] = prefixRange(0x0a000000, 8);
    for (const key of [[0x0a010203, 0, 0, 53, 17], [0x0b010203, 0, 0, 53, 17], [0x0a010203, 0, 0, 54, 17], [0x0affffff, 9, 9, 53, 17]]) {
      expect(nativeRuleMatches(r, key)).toBe(ruleMatches(r, key));
    }
    expect(prefixRange(0xc0a80101, 24)).toEqual([0xc0a80100, 0xc0a801ff]);
    expect(prefixRange(0x01020304, 0)).toEqual([0, 0xffffffff]);
    expect(() => prefixRange(1, 33)).toThrow(RangeError);
  });
});

describe('Classifier', () => {
  for (const kind of KIND_NAMES) {
    it(`${kind}: insert, get, list, classify, stats, clone, delete`, () => {
      using c = new Classifier(kind);
      expect(c.kindNumber()).toBe(Kind[kind.toUpperCase().replace('-', '_') as keyof typeof Kind]);
      c.insert(udpTo(53, 1, 10));
      c.insertMany([udpTo(53, 2, 5), anyRule(3, 255, 77n)]);
      expect(c.get(2)).toEqual(udpTo(53, 2, 5));
      expect(c.get(9)).toBeUndefined();
      expect(c.list().map((r) => r.pdrId).sort()).toEqual([1, 2, 3]);
      const keys = encodeKeys([[1, 2, 3, 53, 17], [1, 2, 3, 80, 6]]);
      const res = c.classify(keys);
      expect([...res.ids]).toEqual([2, 3]); // precedence 5 beats 10
      expect([...res.cookies]).toEqual([2000n, 77n]);
      expect(res.matched).toBe(2);
      const st = c.stats();
      expect(st).toMatchObject({ rules: 3, lookups: 2 });
      expect(st.tables).toBeGreaterThanOrEqual(1);
      expect(st.probes).toBeGreaterThan(0);
      expect(st.bytes).toBeGreaterThan(3 * 176);
      c.resetProbes();
      expect(c.stats()).toMatchObject({ probes: 0, lookups: 0 });
      using other = c.clone(kind === 'ps' ? 'tss' : 'ps');
      expect([...other.classify(keys).ids]).toEqual([2, 3]);
      using same = c.clone();
      expect(same.kind).toBe(kind);
      c.delete(2);
      expect([...c.classify(keys).ids]).toEqual([1, 3]);
      c.delete(3);
      c.delete(1);
      const none = c.classify(keys);
      expect([...none.ids]).toEqual([PDR_ID_NONE, PDR_ID_NONE]);
      expect(none.matched).toBe(0);
      const t = c.benchClassify(keys, 3, 1);
      expect(t.nsPerPass).toHaveLength(3);
      const ns = c.benchUpdates(encodeRules([anyRule(0), anyRule(1)]), Uint32Array.of(73, 73, 68), Uint32Array.of(0, 1, 0));
      expect(ns).toHaveLength(3);
      expect(c.list().map((r) => r.pdrId)).toEqual([1]);
    });
  }

  it('throws typed errors on bad input', () => {
    expect(() => new Classifier('nope' as never)).toThrow(PdrclsError);
    expect(() => new Classifier(17)).toThrow(/unknown classifier kind/);
    const c = new Classifier('ps');
    c.insert(anyRule(1));
    const err = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e as PdrclsError;
      }
      throw new Error('no error thrown');
    };
    expect(err(() => c.insert(anyRule(1))).code).toBe('EEXIST');
    expect(err(() => c.delete(42)).code).toBe('ENOENT');
    const inverted = anyRule(5);
    inverted.lo[Dim.DST_PORT] = 100;
    inverted.hi[Dim.DST_PORT] = 99;
    expect(err(() => c.insert(inverted)).code).toBe('EINVAL');
    expect(err(() => c.insert(anyRule(PDR_ID_NONE))).code).toBe('EINVAL');
    expect(() => c.insert({ ...anyRule(6), lo: [1, 2] })).toThrow(RangeError);
    expect(() => c.insert({ ...anyRule(6), precedence: -1 })).toThrow(RangeError);
    expect(() => c.classify(Buffer.alloc(81))).toThrow(/multiple of 80/);
    expect(() => c.classifyInto(Buffer.alloc(160), new Uint32Array(1))).toThrow(PdrclsError);
    expect(() => c.benchUpdates(encodeRules([anyRule(0)]), Uint32Array.of(88), Uint32Array.of(0))).toThrow(/EINVAL/);
    expect(() => c.benchClassify(encodeKeys([[0]]), 1, 100_000)).toThrow(/EINVAL/);
    expect(() => encodeKeys([[-1]])).toThrow(RangeError);
    c.destroy();
    expect(() => c.insert(anyRule(2))).toThrow(/destroyed/);
    c.destroy(); // idempotent
  });

  it('all kinds agree with the oracle on random rules and keys', () => {
    let s = 12345;
    const rnd = (n: number) => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % n;
    const rules: PdrRule[] = [];
    for (let id = 0; id < 300; id++) {
      const r = anyRule(id, rnd(40), BigInt(id));
      [r.lo[0], r.hi[0]] = prefixRange(0x0a000000 + rnd(4) * 0x100, [0, 8, 16, 24, 32][rnd(5)]);
      if (rnd(2)) r.lo[Dim.DST_PORT] = r.hi[Dim.DST_PORT] = [53, 80, 443][rnd(3)];
      else if (rnd(2)) [r.lo[Dim.DST_PORT], r.hi[Dim.DST_PORT]] = [1024, 65535];
      if (rnd(3) === 0) r.lo[Dim.QFI] = r.hi[Dim.QFI] = rnd(3);
      rules.push(r);
    }
    const keys = Array.from({ length: 2000 }, () => {
      const k = new Array(PDR_DIMS).fill(0);
      k[0] = 0x0a000000 + rnd(4) * 0x100 + rnd(3);
      k[Dim.DST_PORT] = [53, 80, 443, 2000, 7][rnd(5)];
      k[Dim.QFI] = rnd(3);
      return k;
    });
    const kb = encodeKeys(keys);
    const want = keys.map((k) => {
      let best: PdrRule | undefined;
      for (const r of rules) if (ruleMatches(r, k) && (!best || ruleBetter(r.precedence, r.pdrId, best.precedence, best.pdrId))) best = r;
      return best ? best.pdrId : PDR_ID_NONE;
    });
    for (const kind of KIND_NAMES) {
      using c = new Classifier(kind);
      c.insertMany(rules);
      expect([...c.classify(kb).ids], kind).toEqual(want);
    }
  });
});

describe('Sessions (front end)', () => {
  it('finds sessions by TEID and UE IP, applies rule changes atomically, removes', () => {
    using s = new Sessions('ps', 4);
    s.add(1n, 0x1001, 0x0a3c0001);
    s.add(2n, 0x1002, 0x0a3c0002);
    expect(s.count()).toBe(2);
    expect(() => s.add(3n, 0x1001, 0)).toThrow(/EEXIST/);
    expect(() => s.add(0n, 5, 5)).toThrow(/EINVAL/);
    s.apply(1n, [udpTo(53, 1, 10), anyRule(2, 255, 9n)]);
    expect(s.ruleCount(1n)).toBe(2);
    expect(() => s.apply(1n, [anyRule(3)], [99])).toThrow(/ENOENT/);
    expect(s.ruleCount(1n)).toBe(2); // all-or-nothing
    const rd = s.registerReader();
    const up = (teid: number, port: number) => {
      const k = new Array(PDR_DIMS).fill(0);
      k[Dim.TEID] = teid;
      k[Dim.PROTO] = 17;
      k[Dim.DST_PORT] = port;
      return k;
    };
    const m = s.classify(rd, Direction.UPLINK, encodeKeys([up(0x1001, 53), up(0x1001, 80), up(0x1002, 53), up(0x9999, 53)]));
    expect(m.map((x) => [x.seid, x.pdrId])).toEqual([[1n, 1], [1n, 2], [2n, PDR_ID_NONE], [0n, PDR_ID_NONE]]);
    expect(m[0].cookie).toBe(1000n);
    const st = s.stats();
    expect(st).toMatchObject({ sessions: 2, lookups: 4, noSession: 1, kind: 5 });
    expect(st.probes).toBeGreaterThan(0);
    const down = new Array(PDR_DIMS).fill(0);
    down[Dim.UE_IP4] = 0x0a3c0001;
    const e0 = s.epoch();
    s.apply(1n, [udpTo(80, 5, 1)], [2]);
    expect(s.epoch()).toBeGreaterThan(e0);
    expect(s.classify(rd, Direction.DOWNLINK, encodeKeys([down]))[0].pdrId).toBe(PDR_ID_NONE);
    expect(s.classify(rd, Direction.UPLINK, encodeKeys([up(0x1001, 80)]))[0].pdrId).toBe(5);
    const out = Buffer.alloc(24);
    expect(s.classifyInto(rd, Direction.UPLINK, encodeKeys([up(0x1001, 80)]), out)).toBe(1);
    expect(() => s.classifyInto(rd, 7, encodeKeys([down]), out)).toThrow(/EINVAL/);
    expect(() => s.classifyInto(rd, 0, encodeKeys([down, down]), out)).toThrow(/shorter/);
    s.remove(1n);
    expect(() => s.remove(1n)).toThrow(/ENOENT/);
    expect(() => s.ruleCount(1n)).toThrow(/ENOENT/);
    expect(s.classify(rd, Direction.UPLINK, encodeKeys([up(0x1001, 80)]))[0].seid).toBe(0n);
    s.unregisterReader(rd);
    expect(s.reclaim()).toBe(0);
    expect(s.count()).toBe(1);
  });

  it('runs out of reader slots with a typed error', () => {
    using s = new Sessions('ll');
    const got = Array.from({ length: 64 }, () => s.registerReader());
    expect(new Set(got).size).toBe(64);
    expect(() => s.registerReader()).toThrow(/ENOSPC/);
  });
});
