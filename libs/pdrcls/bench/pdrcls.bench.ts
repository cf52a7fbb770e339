// pnpm nx run pdrcls:bench — PDR classifier benchmarks (bounded, a few minutes):
//  1. ClassBench lookup: ns/packet and Mpps per core for LL, TSS, PSTSS, PS on all six sets,
//     trace-driven, after counting mismatches against the expected answers;
//  2. update latency (insert, delete) per classifier, replaying the update traces;
//  3. the dissertation's Fig. 7.9: lookup latency/throughput vs PDRs per session (2..100)
//     for LL, LL full-scan, TSS-best, TSS-worst, PS, with its single fixed packet and with
//     varied packets.
// All timing runs in C (thread CPU time per pass of many packets; per-op monotonic time for
// updates). Results: docs/results/upf/{classbench,updates,fig7_9}.json and SVG plots.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable, ratio, resultsDir, summarize, writeResult } from '@fastpath/bench';
import { barChart, lineChart, writeSvg } from '@fastpath/plot';
import {
  CLASSBENCH_SETS, Classifier, classbenchMissing, classbenchPaths, DISSERTATION_PACKET, encodeKeys, encodeRules, KEY_BYTES,
  loadClassBench, loadPdrRules, parseUpdates, PDR_DIMS, PDR_ID_NONE, PDR_RULE_COUNTS, readText, type KindName, type PdrRule,
} from '../src/index.ts';

const missing = classbenchMissing();
if (missing) {
  console.error(`pdrcls bench: ${missing}`);
  process.exit(2);
}

const loadBefore = loadavg() as [number, number, number];
const LOOKUP_KINDS: KindName[] = ['ll', 'tss', 'pstss', 'ps'];
const UPDATE_KINDS: KindName[] = ['ll', 'tss', 'pstss', 'ps'];
const REPS = 7;
const PASS_NS = 60e6; // aim each timed pass at ~60 ms of CPU
/** The PartitionSort reference on this kind of machine (classbench README): ns/packet. */
const REFERENCE_NS = { '1k': [106, 114], '10k': [127, 373] } as const;
const REFERENCE_UPDATE_NS = [400, 1000];
const t0 = Date.now();
const outDir = join(resultsDir(), 'upf');
console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (2-core machine shared with other builds: CPU-time medians)`);

/** Keys [0, n) of a key buffer. */
const head = (keys: Buffer, n: number) => keys.subarray(0, n * KEY_BYTES);

/** Median ns/key over REPS passes of `keys`, timed in C. */
function timeLookups(c: Classifier, keys: Buffer) {
  const n = keys.length / KEY_BYTES;
  c.benchClassify(keys, 1); // warm caches and branch predictors
  const { nsPerPass } = c.benchClassify(keys, REPS);
  const perKey = nsPerPass.map((ns) => ns / n);
  return summarize(perKey);
}

// ---------------------------------------------------------------- 1. ClassBench lookups
type LookupResult = { nsPerPkt: number; minNsPerPkt: number; p95NsPerPkt: number; mppsPerCore: number; mismatches: number; checkedPackets: number; timedPackets: number; tables: number; probesPerPkt: number; mbytes: number };
const classbench: Record<string, Record<string, LookupResult>> = {};
const lookupRows: Record<string, string | number>[] = [];
for (const set of CLASSBENCH_SETS) {
  const { rules, trace, expected } = loadClassBench(set);
  const rb = encodeRules(rules);
  classbench[set] = {};
  for (const kind of LOOKUP_KINDS) {
    const c = new Classifier(kind);
    c.insertBuffer(rb);
    // estimate cost on a prefix, then size the checked/timed key set to bound run time
    const est = timeLookups(c, head(trace.keys, Math.min(2048, trace.count))).p50;
    const timed = Math.max(1024, Math.min(trace.count, Math.round(PASS_NS / est)));
    const keys = head(trace.keys, timed);
    const checkN = kind === 'll' ? timed : trace.count; // LL is O(rules)/packet: check what is timed
    const ids = new Uint32Array(checkN);
    c.resetProbes();
    c.classifyInto(head(trace.keys, checkN), ids);
    const st = c.stats();
    let mismatches = 0;
    for (let i = 0; i < checkN; i++) if (ids[i] !== (expected[i] < 0 ? PDR_ID_NONE : expected[i])) mismatches++;
    const s = timeLookups(c, keys);
    classbench[set][kind] = {
      nsPerPkt: s.p50, minNsPerPkt: s.min, p95NsPerPkt: s.p95, mppsPerCore: 1e3 / s.p50, mismatches, checkedPackets: checkN, timedPackets: timed,
      tables: st.tables, probesPerPkt: st.probes / st.lookups, mbytes: st.bytes / 1e6,
    };
    c.destroy();
  }
  const size = set.endsWith('10k') ? '10k' : '1k';
  const [refLo, refHi] = REFERENCE_NS[size];
  const ll = classbench[set].ll.nsPerPkt;
  for (const kind of LOOKUP_KINDS) {
    const r = classbench[set][kind];
    lookupRows.push({
      set, classifier: kind, rules: rules.length, 'ns/pkt p50': r.nsPerPkt, 'best pass': r.minNsPerPkt, 'Mpps/core': r.mppsPerCore, mismatches: r.mismatches,
      checked: r.checkedPackets, tables: r.tables, 'probes/pkt': r.probesPerPkt, 'LL/this': ratio(ll, r.nsPerPkt),
      'ref PS ns': `${refLo}-${refHi}`, 'p50/ref hi': kind === 'ps' ? ratio(r.nsPerPkt, refHi) : null,
      'best/ref hi': kind === 'ps' ? ratio(r.minNsPerPkt, refHi) : null,
    } as Record<string, string | number>);
  }
  console.error(`  classbench ${set} done (${((Date.now() - t0) / 1e3).toFixed(0)} s)`);
}
printTable(lookupRows, 'ClassBench lookup (trace-driven, median of thread CPU time per pass; baseline LL; reference = PartitionSort reference implementation, classbench README)');

// ---------------------------------------------------------------- 2. updates
type UpdateResult = { nsPerOp: number; insert: { p50: number; mean: number; p99: number; n: number }; delete: { p50: number; mean: number; p99: number; n: number }; mismatches: number };
const updates: Record<string, Record<string, UpdateResult>> = {};
const updateRows: Record<string, string | number>[] = [];
for (const set of CLASSBENCH_SETS) {
  const { rules, trace } = loadClassBench(set);
  const rb = encodeRules(rules);
  const up = parseUpdates(readText(classbenchPaths(set).updates));
  const build = encodeRules(up.build.map((id) => rules[id]));
  updates[set] = {};
  const sample = head(trace.keys, Math.min(4000, trace.count));
  let want: Uint32Array | undefined;
  for (const kind of UPDATE_KINDS) {
    const c = new Classifier(kind);
    c.insertBuffer(build);
    const ns = c.benchUpdates(rb, up.codes, up.ids);
    const ins: number[] = [];
    const del: number[] = [];
    ns.forEach((v, i) => (up.codes[i] === 73 ? ins : del).push(v));
    const si = summarize(ins);
    const sd = summarize(del);
    if (!want) {
      const o = c.clone('oracle');
      want = o.classify(sample).ids;
      o.destroy();
    }
    const got = c.classify(sample).ids;
    let mismatches = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) mismatches++;
    const all = summarize(Array.from(ns));
    updates[set][kind] = {
      nsPerOp: all.p50,
      insert: { p50: si.p50, mean: si.mean, p99: si.p99, n: si.n },
      delete: { p50: sd.p50, mean: sd.mean, p99: sd.p99, n: sd.n },
      mismatches,
    };
    c.destroy();
  }
  const ll = updates[set].ll.nsPerOp;
  for (const kind of UPDATE_KINDS) {
    const u = updates[set][kind];
    updateRows.push({
      set, classifier: kind, 'ns/op p50': u.nsPerOp, 'insert p50': u.insert.p50, 'insert mean': u.insert.mean, 'delete p50': u.delete.p50,
      'delete mean': u.delete.mean, 'p99 ins': u.insert.p99, 'this/LL': ratio(u.nsPerOp, ll), 'ref PS ns': `${REFERENCE_UPDATE_NS[0]}-${REFERENCE_UPDATE_NS[1]}`,
      'after: mismatches': u.mismatches,
    });
  }
}
printTable(updateRows, 'Update latency (100,000 timed ops per set, each timed alone, timer cost subtracted; baseline LL)');
console.error(`  updates done (${((Date.now() - t0) / 1e3).toFixed(0)} s)`);

// ---------------------------------------------------------------- 3. Fig. 7.9
/** Deterministic varied packets: each a random point inside a random rule of the file. */
function variedKeys(rules: PdrRule[], n: number): Buffer {
  let s = 0x2545f491;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const keys: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = rules[Math.floor(rnd() * rules.length)];
    const k = new Array<number>(PDR_DIMS).fill(0);
    for (let d = 0; d < PDR_DIMS; d++) k[d] = r.lo[d] + Math.floor(rnd() * (r.hi[d] - r.lo[d] + 1));
    keys.push(k);
  }
  return encodeKeys(keys);
}
const SERIES = [
  { name: 'PDR-LL', kind: 'll' as KindName, variant: '' as const },
  { name: 'PDR-LL full scan', kind: 'll-fullscan' as KindName, variant: '' as const },
  { name: 'PDR-TSS_Best', kind: 'tss' as KindName, variant: '_tss_best' as const },
  { name: 'PDR-TSS_Worst', kind: 'tss' as KindName, variant: '_tss_worst' as const },
  { name: 'PDR-PS', kind: 'ps' as KindName, variant: '' as const },
];
const FIG_KEYS = 4096;
const fig: Record<'fixed' | 'varied', Record<string, Record<string, { nsPerPkt: number; mppsPerCore: number; tables: number }>>> = { fixed: {}, varied: {} };
const fixedKeys = encodeKeys(new Array(FIG_KEYS).fill(DISSERTATION_PACKET));
for (const mode of ['fixed', 'varied'] as const) {
  for (const s of SERIES) {
    fig[mode][s.name] = {};
    for (const n of PDR_RULE_COUNTS) {
      const rules = loadPdrRules(n, s.variant);
      const c = new Classifier(s.kind);
      c.insertMany(rules);
      const keys = mode === 'fixed' ? fixedKeys : variedKeys(rules, FIG_KEYS);
      const sum = timeLookups(c, keys);
      fig[mode][s.name][n] = { nsPerPkt: sum.p50, mppsPerCore: 1e3 / sum.p50, tables: c.stats().tables };
      c.destroy();
    }
  }
}
const figRows = PDR_RULE_COUNTS.map((n) => {
  const row: Record<string, number> = { PDRs: n };
  for (const mode of ['fixed', 'varied'] as const) for (const s of SERIES) row[`${mode} ${s.name.replace('PDR-', '')}`] = fig[mode][s.name][n].nsPerPkt;
  return row;
});
printTable(figRows, 'Fig. 7.9: lookup ns/packet vs PDRs per session (fixed = the dissertation\'s single packet; varied = random packets inside random rules)');
const at100 = (m: 'fixed' | 'varied', s: string) => fig[m][s][100].nsPerPkt;
printTable(
  (['fixed', 'varied'] as const).map((m) => ({ packets: m, 'LL ns @100': at100(m, 'PDR-LL'), 'PS ns @100': at100(m, 'PDR-PS'), 'LL/PS': ratio(at100(m, 'PDR-LL'), at100(m, 'PDR-PS')), 'TSS-worst/PS': ratio(at100(m, 'PDR-TSS_Worst'), at100(m, 'PDR-PS')) })),
  'Fig. 7.9 at 100 PDRs/session (baseline LL)',
);

// ---------------------------------------------------------------- results and plots
const loadAfter = loadavg() as [number, number, number];
const common = { loadAfter, timing: 'thread CPU time per pass (lookups), CLOCK_MONOTONIC per op minus timer cost (updates); medians', reps: REPS };
const paths = [
  writeResult('upf', 'classbench', { ...common, reference: { partitionSortNsPerPkt: REFERENCE_NS, source: 'shared/data/classbench/README.md' }, classbench }, { loadBefore }),
  writeResult('upf', 'updates', { ...common, reference: { partitionSortNsPerOp: REFERENCE_UPDATE_NS }, updates }, { loadBefore }),
  writeResult('upf', 'fig7_9', { ...common, packetsPerPass: FIG_KEYS, note: 'classifier lookup only (no packet I/O); Mpps = 1000 / ns per packet on one core', fig7_9: fig }, { loadBefore }),
];
writeSvg(join(outDir, 'classbench.svg'), barChart({
  title: 'ClassBench lookup, ns/packet (median, lower is better)', yLabel: 'ns / packet', logY: true, categories: [...CLASSBENCH_SETS],
  series: LOOKUP_KINDS.map((k) => ({ name: k, values: CLASSBENCH_SETS.map((s) => classbench[s][k].nsPerPkt) })),
}));
writeSvg(join(outDir, 'updates.svg'), barChart({
  title: 'Update latency, ns/op (median of insert+delete)', yLabel: 'ns / op', logY: true, categories: [...CLASSBENCH_SETS],
  series: UPDATE_KINDS.map((k) => ({ name: k, values: CLASSBENCH_SETS.map((s) => updates[s][k].nsPerOp) })),
}));
for (const mode of ['fixed', 'varied'] as const) {
  writeSvg(join(outDir, `fig7_9_latency_${mode}.svg`), lineChart({
    title: `Fig. 7.9(a) PDR lookup latency (${mode} packets)`, xLabel: 'PDRs per session', yLabel: 'ns / packet', logY: true,
    series: SERIES.map((s) => ({ name: s.name, points: PDR_RULE_COUNTS.map((n) => [n, fig[mode][s.name][n].nsPerPkt] as [number, number]) })),
  }));
  writeSvg(join(outDir, `fig7_9_throughput_${mode}.svg`), lineChart({
    title: `Fig. 7.9(b) PDR lookup throughput per core (${mode} packets)`, xLabel: 'PDRs per session', yLabel: 'Mpps (lookup only)', logY: true,
    series: SERIES.map((s) => ({ name: s.name, points: PDR_RULE_COUNTS.map((n) => [n, fig[mode][s.name][n].mppsPerCore] as [number, number]) })),
  }));
}
console.log(`wrote ${paths.join(', ')} and SVGs in ${outDir} (${((Date.now() - t0) / 1e3).toFixed(0)} s, load after ${loadAfter.map((l) => l.toFixed(2)).join(' ')})`);
