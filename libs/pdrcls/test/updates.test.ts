// Replays the ClassBench update traces (B = build, I = insert, D = delete) into every
// classifier, in C, in chunks; after each chunk all classifiers must agree with the oracle
// on a sample of trace packets, and list the same installed rules.
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CLASSBENCH_SETS, Classifier, classbenchMissing, classbenchPaths, encodeRules, KEY_BYTES, parseUpdates, readText,
  parseClassBenchRules, parseTrace, type KindName,
} from '../src/index.ts';

const missing = classbenchMissing();
if (missing) console.warn(`skipping update-trace tests: ${missing}`);
const KINDS: KindName[] = ['ll', 'tss', 'pstss', 'ps'];
const CHUNK = 20_000;
const SAMPLE = 1000;

describe.skipIf(missing !== null)('update traces: insert/delete replay stays equal to the oracle', () => {
  for (const set of CLASSBENCH_SETS) {
    it(set, async () => {
      const paths = classbenchPaths(set);
      const rules = parseClassBenchRules(readText(paths.rules), paths.rules);
      const trace = parseTrace(readText(paths.trace), paths.trace); // expected answers not needed here
      const up = parseUpdates(readText(paths.updates));
      expect(up.codes.length).toBe(100_000);
      const ruleBuf = encodeRules(rules);
      const build = encodeRules(up.build.map((id) => rules[id]));
      const oracle = new Classifier('oracle');
      const cls = KINDS.map((k) => new Classifier(k));
      // sample keys spread over the whole trace
      const stride = Math.floor(trace.count / SAMPLE);
      const keys = Buffer.alloc(SAMPLE * KEY_BYTES);
      for (let i = 0; i < SAMPLE; i++) trace.keys.copy(keys, i * KEY_BYTES, i * stride * KEY_BYTES, (i * stride + 1) * KEY_BYTES);
      try {
        for (const c of [oracle, ...cls]) c.insertBuffer(build);
        let checks = 0;
        for (let off = 0; off < up.codes.length; off += CHUNK) {
          const codes = up.codes.subarray(off, off + CHUNK);
          const ids = up.ids.subarray(off, off + CHUNK);
          for (const c of [oracle, ...cls]) c.benchUpdates(ruleBuf, codes, ids);
          const want = oracle.classify(keys).ids;
          for (const c of cls) {
            expect(c.stats().rules, `${set}/${c.kind} rule count after op ${off + CHUNK}`).toBe(oracle.stats().rules);
            const got = c.classify(keys).ids;
            let bad = 0;
            for (let i = 0; i < SAMPLE; i++) bad += got[i] !== want[i] ? 1 : 0;
            expect(bad, `${set}/${c.kind}: ${bad} answers differ from the oracle after op ${off + CHUNK}`).toBe(0);
          }
          checks++;
          await tick();
        }
        expect(checks).toBe(100_000 / CHUNK);
        const ids = (c: Classifier) => c.list().map((r) => r.pdrId).sort((a, b) => a - b);
        const final = ids(oracle);
        for (const c of cls) expect(ids(c)).toEqual(final);
      } finally {
        for (const c of [oracle, ...cls]) c.destroy();
      }
    });
  }
});
