// Scenarios beyond chain2: boutique (Figs. 5.10/5.11, Table 5.3), motion (Fig. 5.12), parking
// (Fig. 5.13), idle (idle CPU of a warm chain per mode), startup (Fig. 5.14). Each writes
// docs/results/spright/<scenario>.json and SVG plots rendered from it.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { printTable, progress, resultsDir, writeResult } from '@fastpath/bench';
import { barChart, cdfChart, lineChart, writeSvg } from '@fastpath/plot';
import { meter } from './proc.ts';
import { runWrk } from './wrk.ts';
import { ALL_SYSTEMS, startSystem, type RunningSystem, type SystemName } from './systems.ts';
import { workloadSpec } from '../workloads/index.ts';
import { runUsers, TASKS, type Sample, type Task } from '../workloads/boutique/users.ts';
import { motionTrace } from '../workloads/motion/trace.ts';
import { parkingBursts } from '../workloads/parking/snapshot.ts';

export interface ScenarioOptions {
  systems?: SystemName[];
  idleS?: number;
}

const la = () => loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number];
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const dir = () => join(resultsDir(), 'spright');

/** CPU % of one core per component, sampled every second while `during` runs. */
async function cpuSeries<T>(sys: RunningSystem, during: () => Promise<T>): Promise<{ result: T; series: { t: number; pct: Record<string, number> }[] }> {
  const series: { t: number; pct: Record<string, number> }[] = [];
  const t0 = Date.now();
  let m = meter(sys.components);
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const used = m.read();
    series.push({ t: r3((now - t0) / 1000), pct: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, r3((v / ((now - last) / 1000)) * 100)])) });
    m = meter(sys.components);
    last = now;
  }, 1000);
  try {
    return { result: await during(), series };
  } finally {
    clearInterval(timer);
  }
}

/** One POST over node:http without client-side timeouts: a parking snapshot can wait minutes in
 * the detect queue at full scale (fetch's 300 s header timeout would cut it off). */
function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; ms: number; text: string }> {
  const t = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', agent: keepAlive, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => resolve({ status: 0, ms: performance.now() - t, text: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, ms: performance.now() - t, text: err.message }));
    req.end(body);
  });
}
const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 256 });

export async function runScenario(name: string, o: ScenarioOptions = {}): Promise<void> {
  const env = (k: string, d: number) => Number(process.env[k] ?? d);
  switch (name) {
    case 'boutique':
      return boutique(o.systems ?? ['s', 'h', 'knativeLike', 'grpc'], (process.env.BOUTIQUE_USERS ?? '8,32,128,256').split(',').map(Number), env('BOUTIQUE_STEP_S', 20), env('BOUTIQUE_THINK_SCALE', 0.01));
    case 'motion':
      return motion(o.systems ?? ['s', 'knativeLike'], env('MOTION_DURATION_S', 600), env('MOTION_COMPRESS', 6), env('MOTION_GRACE_S', 30 / env('MOTION_COMPRESS', 6)));
    case 'parking':
      // Full scale: 164 snapshots per burst, 435 ms of detection CPU each (71 s of CPU per burst
      // on one detect instance), bursts every 240 s compressed 2x to 120 s, 3 bursts per system.
      return parking(o.systems ?? ['s', 'knativeLike'], env('PARKING_SPOTS', 164), env('PARKING_BURSTS', 3), env('PARKING_INTERVAL_S', 240) / env('PARKING_COMPRESS', 2), env('PARKING_DETECT_MS', 435));
    case 'idle':
      return idle(o.systems ?? ['s', 'd', 'h'], o.idleS ?? 60);
    case 'eproxy':
      return eproxy(env('EPROXY_DURATION_S', 5), env('EPROXY_REPS', 3));
    case 'startup':
      return startup(o.systems ?? ['s', 'knativeLike', 'grpc'], env('STARTUP_REPS', 3));
    default:
      throw new Error(`unknown scenario "${name}" (chain2 | boutique | motion | parking | idle | startup | eproxy)`);
  }
}

async function boutique(systems: SystemName[], users: number[], stepS: number, thinkScale: number): Promise<void> {
  const loadBefore = la();
  const bar = progress('boutique', systems.length * users.length);
  const out: Record<string, unknown> = {};
  const cdfs: Record<string, Record<string, number[]>> = {};
  for (const s of systems) {
    const sys = await startSystem(s, workloadSpec('boutique', { name: `ob${process.pid % 100000}`, transport: s === 'knativeLike' || s === 'grpc' ? undefined : (s as 's' | 'd' | 'h') }));
    const steps: Record<string, unknown>[] = [];
    const rpsSeries: [number, number][] = [];
    const cpuAll: { t: number; pct: Record<string, number> }[] = [];
    let tOff = 0;
    let lastSamples: Sample[] = [];
    try {
      let prevRps = 0;
      for (const u of users) {
        bar.label(`boutique ${s} ${u} users`);
        const { result: samples, series } = await cpuSeries(sys, () => runUsers(sys.url, { users: u, durationS: stepS, thinkScale, rampS: Math.min(5, stepS / 4) }));
        for (let b = 0; b < stepS; b++) rpsSeries.push([tOff + b, samples.filter((x) => x.at >= b * 1000 && x.at < (b + 1) * 1000).length]);
        cpuAll.push(...series.map((x) => ({ ...x, t: r3(x.t + tOff) })));
        tOff += stepS;
        const ok = samples.filter((x) => x.ok);
        const rps = ok.length / stepS;
        const perTask = Object.fromEntries(Object.keys(TASKS).map((t) => {
          const l = ok.filter((x) => x.task === t).map((x) => x.latencyMs);
          return [t, { n: l.length, p50ms: r3(pct(l, 50)), p99ms: r3(pct(l, 99)) }];
        }));
        const cpu = Object.fromEntries(Object.keys(sys.components).map((k) => [k, r3(series.reduce((a, x) => a + (x.pct[k] ?? 0), 0) / Math.max(1, series.length))]));
        steps.push({ users: u, tasksPerS: r3(rps), errors: samples.length - ok.length, perTask, meanCpuPct: cpu });
        lastSamples = samples;
        bar.tick();
        if (prevRps > 0 && rps < prevRps * 1.1) break; // saturated: more users no longer add throughput
        prevRps = rps;
      }
    } finally {
      await sys.stop();
    }
    cdfs[s] = Object.fromEntries(Object.keys(TASKS).map((t) => [t, lastSamples.filter((x) => x.ok && x.task === (t as Task)).map((x) => x.latencyMs)]));
    out[s] = { steps, rpsSeries, cpuSeries: cpuAll };
  }
  bar.stop();
  writeResult('spright', 'boutique', { boutique: out, params: { users, stepS, thinkScale, thinkS: [1 * thinkScale, 10 * thinkScale], taskWeights: TASKS, note: 'tasks/s counts whole user tasks (addToCart/checkout are 2-3 HTTP requests); think time compressed by thinkScale' }, loadBefore, loadAfter: la() }, { loadBefore });
  writeSvg(join(dir(), 'boutique-rps.svg'), lineChart({ title: 'Online Boutique: completed tasks/s over time (user steps)', xLabel: 's', yLabel: 'tasks/s', series: systems.map((s) => ({ name: s, points: (out[s] as { rpsSeries: [number, number][] }).rpsSeries })) }));
  for (const s of systems) {
    const series = Object.entries(cdfs[s]).filter(([, v]) => v.length > 0).map(([t, v]) => ({ name: t, samples: v }));
    if (series.length) writeSvg(join(dir(), `boutique-cdf-${s}.svg`), cdfChart({ title: `Online Boutique on ${s}: response time CDF per request sequence (last step)`, xLabel: 'ms', series, logX: true }));
    const cpu = (out[s] as { cpuSeries: { t: number; pct: Record<string, number> }[] }).cpuSeries;
    const keys = [...new Set(cpu.flatMap((x) => Object.keys(x.pct)))];
    if (cpu.length) writeSvg(join(dir(), `boutique-cpu-${s}.svg`), lineChart({ title: `Online Boutique on ${s}: CPU per component`, xLabel: 's', yLabel: '% of a core', series: keys.map((k) => ({ name: k, points: cpu.map((x) => [x.t, x.pct[k] ?? 0] as [number, number]) })) }));
  }
  printTable(systems.flatMap((s) => ((out[s] as { steps: Record<string, unknown>[] }).steps).map((st) => ({ system: s, users: st.users as number, 'tasks/s': st.tasksPerS as number, errors: st.errors as number, 'browse p99 ms': (st.perTask as Record<string, { p99ms: number }>).browseProduct.p99ms }))), `Online Boutique (load before ${loadBefore.join(' ')})`);
}

async function motion(systems: SystemName[], durationS: number, compress: number, graceS: number): Promise<void> {
  const loadBefore = la();
  const trace = motionTrace({ durationS, seed: 11, compress });
  const out: Record<string, unknown> = {};
  // The systems replay the same trace at the same time (the load is tiny; each gets its own CPU series).
  const running = await Promise.all(systems.map((s) => startSystem(s, workloadSpec('motion', { name: `mo${s.toLowerCase()}${process.pid % 10000}`, transport: s === 'knativeLike' || s === 'grpc' ? undefined : (s as 's') }), { scaleToZero: { graceS } })));
  const bar = progress(`motion ${durationS}s replay (${trace.length} events)`, trace.length * systems.length);
  try {
    await Promise.all(running.map(async (sys) => {
      const resp: [number, number, number][] = [];
      const { series } = await cpuSeries(sys, async () => {
        const t0 = Date.now();
        const pending: Promise<void>[] = [];
        for (const e of trace) {
          const wait = t0 + e.t - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          pending.push(post(`${sys.url}/event`, JSON.stringify({ ...e, ts: e.t }), { 'content-type': 'application/json' }).then((r) => {
            resp.push([r3(e.t / 1000), r3(r.ms), r.status]);
            bar.tick();
          }));
        }
        await Promise.all(pending);
      });
      out[sys.name] = { responses: resp, cpuSeries: series, p50ms: r3(pct(resp.map((x) => x[1]), 50)), p99ms: r3(pct(resp.map((x) => x[1]), 99)), errors: resp.filter((x) => x[2] !== 200).length, meanCpuPct: r3(series.reduce((a, x) => a + Object.values(x.pct).reduce((b, c) => b + c, 0) - (x.pct.agent ?? 0), 0) / Math.max(1, series.length)) };
    }));
  } finally {
    await Promise.all(running.map((s) => s.stop()));
  }
  bar.stop();
  writeResult('spright', 'motion', { motion: out, params: { durationS, compress, graceS, events: trace.length, note: 'knative-like scales each function (process + nginx sidecar) to zero after graceS idle (30 s in the dissertation, divided by the trace compression); its activator restarts them on demand; SPRIGHT stays warm. CPU of the activator tree includes the started functions and sidecars.' }, loadBefore, loadAfter: la() }, { loadBefore });
  writeSvg(join(dir(), 'motion-response.svg'), lineChart({ title: 'Motion detection: response time per event', xLabel: 'trace time (s)', yLabel: 'ms', logY: true, markers: false, series: systems.map((s) => ({ name: s, points: (out[s] as { responses: [number, number][] }).responses.map((x) => [x[0], Math.max(0.01, x[1])] as [number, number]) })) }));
  writeSvg(join(dir(), 'motion-cpu.svg'), lineChart({ title: 'Motion detection: chain CPU (all components but the agent)', xLabel: 's', yLabel: '% of a core', markers: false, series: systems.map((s) => ({ name: s, points: (out[s] as { cpuSeries: { t: number; pct: Record<string, number> }[] }).cpuSeries.map((x) => [x.t, Object.entries(x.pct).reduce((a, [k, v]) => (k === 'agent' ? a : a + v), 0)] as [number, number]) })) }));
  printTable(systems.map((s) => { const m = out[s] as { p50ms: number; p99ms: number; errors: number; meanCpuPct: number }; return { system: s, 'p50 ms': m.p50ms, 'p99 ms': m.p99ms, errors: m.errors, 'mean cpu %': m.meanCpuPct }; }), `motion (load before ${loadBefore.join(' ')})`);
}

async function parking(systems: SystemName[], spots: number, bursts: number, intervalS: number, detectMs: number): Promise<void> {
  const loadBefore = la();
  const out: Record<string, unknown> = {};
  const bar = progress(`parking ${spots} snapshots x ${bursts} bursts every ${intervalS} s`, systems.length * bursts * spots);
  for (const s of systems) {
    const db = `/tmp/spright-parking-bench-${process.pid}-${s}.jsonl`;
    const sys = await startSystem(s, workloadSpec('parking', { name: `pk${process.pid % 100000}`, transport: s === 'knativeLike' || s === 'grpc' ? undefined : (s as 's'), env: { PARKING_DB: db, PARKING_DETECT_MS: String(detectMs) } }));
    const perBurst: Record<string, unknown>[] = [];
    try {
      const gen = parkingBursts(spots, 7);
      const { series } = await cpuSeries(sys, async () => {
        const t0 = Date.now();
        for (let b = 0; b < bursts; b++) {
          const wait = t0 + b * intervalS * 1000 - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          const snaps = gen.next().value!;
          const ts = t0 + b * intervalS * 1000;
          bar.label(`parking ${s} burst ${b + 1}/${bursts}`);
          const rs = await Promise.all(snaps.map((x: { image: Uint8Array }) => post(`${sys.url}/snapshot`, x.image, { 'content-type': 'application/octet-stream', 'x-ts': String(ts) }).then((r) => (bar.tick(), r))));
          const ms = rs.map((r) => r.ms);
          const chains: Record<string, number> = {};
          for (const r of rs) {
            try {
              const c = (JSON.parse(r.text) as { chain?: string }).chain ?? 'error';
              chains[c] = (chains[c] ?? 0) + 1;
            } catch {
              chains.error = (chains.error ?? 0) + 1;
            }
          }
          perBurst.push({ burst: b, p50ms: r3(pct(ms, 50)), p99ms: r3(pct(ms, 99)), maxMs: r3(Math.max(...ms)), errors: rs.filter((r) => r.status !== 200).length, chains, responseMs: ms.map(r3) });
        }
      });
      out[s] = { perBurst, cpuSeries: series };
    } finally {
      await sys.stop();
      const { rmSync } = await import('node:fs');
      rmSync(db, { force: true });
    }
  }
  bar.stop();
  writeResult('spright', 'parking', { parking: out, params: { spots, bursts, intervalS, detectMs, note: 'knative-like is pre-warmed (always on), as in Fig. 5.13; intervalS is the dissertation\'s 240 s divided by PARKING_COMPRESS (default 2): one detect instance needs spots x detectMs of CPU per burst (71 s at full scale), so the interval must stay above that; systems run one after the other' }, loadBefore, loadAfter: la() }, { loadBefore });
  writeSvg(join(dir(), 'parking-cpu.svg'), lineChart({ title: 'Parking: chain CPU over bursts', xLabel: 's', yLabel: '% of a core', markers: false, series: systems.map((s) => ({ name: s, points: (out[s] as { cpuSeries: { t: number; pct: Record<string, number> }[] }).cpuSeries.map((x) => [x.t, Object.entries(x.pct).reduce((a, [k, v]) => (k === 'agent' ? a : a + v), 0)] as [number, number]) })) }));
  writeSvg(join(dir(), 'parking-response-cdf.svg'), cdfChart({ title: 'Parking: response time per snapshot (all bursts)', xLabel: 'ms', series: systems.map((s) => ({ name: s, samples: (out[s] as { perBurst: { responseMs: number[] }[] }).perBurst.flatMap((b) => b.responseMs) })) }));
  printTable(systems.flatMap((s) => (out[s] as { perBurst: Record<string, unknown>[] }).perBurst.map((b) => ({ system: s, burst: b.burst as number, 'p50 ms': b.p50ms as number, 'p99 ms': b.p99ms as number, errors: b.errors as number }))), `parking (load before ${loadBefore.join(' ')})`);
}

async function idle(systems: SystemName[], idleS: number): Promise<void> {
  const loadBefore = la();
  const out: Record<string, unknown> = {};
  const bar = progress(`idle ${idleS}s`, systems.length);
  for (const s of systems) {
    const sys = await startSystem(s, workloadSpec('chain2', { name: `id${process.pid % 100000}` }));
    try {
      for (let i = 0; i < 20; i++) await post(`${sys.url}/`, 'x'); // warm
      await new Promise((r) => setTimeout(r, 1000));
      const m = meter(sys.components);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, idleS * 1000));
      const secs = (performance.now() - t0) / 1000;
      const used = m.read();
      out[s] = { perComponentPct: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, r3((v / secs) * 100)])), chainPct: r3((Object.entries(used).reduce((a, [k, v]) => (k === 'agent' ? a : a + v), 0) / secs) * 100), processes: Object.entries(sys.components).filter(([k]) => k !== 'agent').reduce((n, [, v]) => n + v.length, 0) };
    } finally {
      await sys.stop();
    }
    bar.tick();
  }
  bar.stop();
  writeResult('spright', 'idle', { idleCpuPct: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, (v as { chainPct: number }).chainPct])), detail: out, idleS, loadBefore, loadAfter: la() }, { loadBefore });
  writeSvg(join(dir(), 'idle-cpu.svg'), barChart({ title: `Idle CPU of a warm 2-function chain over ${idleS}s`, yLabel: '% of a core', categories: systems, series: [{ name: 'chain (gateway + functions + proxies)', values: systems.map((s) => (out[s] as { chainPct: number }).chainPct) }] }));
  printTable(systems.map((s) => ({ system: s, 'chain cpu %': (out[s] as { chainPct: number }).chainPct, processes: (out[s] as { processes: number }).processes })), `idle CPU over ${idleS}s (load before ${loadBefore.join(' ')})`);
}

/** Fig. 5.7 analogue: chain2 on S at c=32 with the gateway in its netns behind a veth, with and
 * without EPROXY on the veth's host end, and on the host loopback (no veth at all). */
async function eproxy(durationS: number, reps: number): Promise<void> {
  const loadBefore = la();
  const variants = [
    { name: 'veth + EPROXY', opts: { eproxy: true } },
    { name: 'veth, no EPROXY', opts: { eproxy: false } },
    { name: 'host loopback', opts: { hostNetwork: true } },
  ];
  const out: Record<string, unknown> = {};
  const bar = progress('eproxy', variants.length * reps);
  for (const v of variants) {
    const sys = await startSystem('s', workloadSpec('chain2', { name: `ep${process.pid % 100000}` }), v.opts);
    const rs: { rps: number; p50ms: number; p99ms: number; cpuSecPer1k: number }[] = [];
    try {
      await runWrk(sys.url, { connections: 8, durationS: 1 });
      for (let i = 0; i < reps; i++) {
        bar.label(`eproxy ${v.name} ${i + 1}/${reps}`);
        const m = meter(sys.components);
        const w = await runWrk(sys.url, { connections: 32, durationS });
        const cpu = Object.entries(m.read()).reduce((a, [k, x]) => (k === 'agent' ? a : a + x), 0);
        rs.push({ rps: Math.round(w.rps), p50ms: r3(w.p50ms), p99ms: r3(w.p99ms), cpuSecPer1k: r3((cpu / Math.max(1, w.requests)) * 1000) });
        bar.tick();
      }
    } finally {
      await sys.stop();
    }
    const med = (k: 'rps' | 'p50ms' | 'p99ms' | 'cpuSecPer1k') => pct(rs.map((r) => r[k]), 50);
    out[v.name] = { rps: med('rps'), p50ms: med('p50ms'), p99ms: med('p99ms'), cpuSecPer1k: med('cpuSecPer1k'), reps: rs };
  }
  bar.stop();
  const get = (k: string) => out[k] as { rps: number; p50ms: number; cpuSecPer1k: number };
  const ratio = { rps: r3(get('veth + EPROXY').rps / get('veth, no EPROXY').rps), p50: r3(get('veth, no EPROXY').p50ms / get('veth + EPROXY').p50ms), cpu: r3(get('veth, no EPROXY').cpuSecPer1k / get('veth + EPROXY').cpuSecPer1k) };
  writeResult('spright', 'eproxy', { eproxy: out, ratio, params: { system: 's', chain: 'chain2', concurrency: 32, durationS, reps, note: 'EPROXY is a tc program on the host end of the gateway veth: it sees the gateway replies (egress of the netns) and redirects what leaves the node; here the client is on the same host, so the gain is bounded by what it skips of the host stack. cpuSecPer1k excludes the load generator and the bench/agent process.' }, loadBefore, loadAfter: la() }, { loadBefore });
  writeSvg(join(dir(), 'eproxy.svg'), barChart({ title: 'chain2 S, c=32: gateway network path', yLabel: 'requests/s', categories: variants.map((v) => v.name), series: [{ name: 'rps (median)', values: variants.map((v) => get(v.name).rps) }] }));
  printTable(variants.map((v) => ({ variant: v.name, rps: get(v.name).rps, 'p50 ms': get(v.name).p50ms, 'p99 ms': (out[v.name] as { p99ms: number }).p99ms, 'cpu s/1k': get(v.name).cpuSecPer1k })), `Fig. 5.7 analogue (load before ${loadBefore.join(' ')}); EPROXY on/off: rps x${ratio.rps}, p50 /${ratio.p50}, cpu /${ratio.cpu}`);
}

/** Fig. 5.14: whole-chain start of the 10-function Online Boutique, SPRIGHT processes started
 * in parallel vs one after the other, per-function start (spawn -> ready) and data-plane setup
 * (pool attach + transport registration, the dissertation's t_dp); the baselines' chain start. */
async function startup(systems: SystemName[], reps: number): Promise<void> {
  const loadBefore = la();
  const out: Record<string, unknown> = {};
  const variants = systems.flatMap((s) => (s === 'knativeLike' || s === 'grpc' ? [{ s, startup: 'parallel' as const }] : [{ s, startup: 'parallel' as const }, { s, startup: 'sequential' as const }]));
  const bar = progress('startup', variants.length * reps);
  for (const v of variants) {
    const runs: { chainStartMs: number; startMs?: Record<string, number>; dataPlaneSetupMs?: Record<string, number> }[] = [];
    for (let i = 0; i < reps; i++) {
      bar.label(`startup ${v.s} ${v.startup} ${i + 1}/${reps}`);
      const t0 = performance.now();
      const sys = await startSystem(v.s, workloadSpec('boutique', { name: `su${process.pid % 100000}`, transport: v.s === 'knativeLike' || v.s === 'grpc' ? undefined : (v.s as 's') }), { startup: v.startup });
      const chainStartMs = performance.now() - t0;
      runs.push({ chainStartMs: r3(chainStartMs), startMs: sys.startMs, dataPlaneSetupMs: sys.setupMs });
      await sys.stop();
      bar.tick();
    }
    const perProc = (k: 'startMs' | 'dataPlaneSetupMs') => {
      const names = Object.keys(runs[0][k] ?? {});
      return names.length ? Object.fromEntries(names.map((n) => [n, r3(pct(runs.map((r) => r[k]![n]), 50))])) : undefined;
    };
    out[`${v.s}.${v.startup}`] = { system: v.s, startup: v.startup, runs, medianChainStartMs: r3(pct(runs.map((r) => r.chainStartMs), 50)), medianStartMs: perProc('startMs'), medianDataPlaneSetupMs: perProc('dataPlaneSetupMs') };
  }
  bar.stop();
  const med = (k: string) => (out[k] as { medianChainStartMs: number } | undefined)?.medianChainStartMs;
  const speedup = Object.fromEntries(systems.filter((s) => med(`${s}.sequential`)).map((s) => [s, r3(med(`${s}.sequential`)! / med(`${s}.parallel`)!)]));
  writeResult('spright', 'startup', { startup: out, sequentialOverParallel: speedup, params: { chain: 'boutique (10 functions + gateway)', reps, note: 'chainStartMs: deploy call -> every process ready and /healthz answering; startMs: per process spawn -> ready (node + tsx start, module load, data-plane setup); dataPlaneSetupMs: region + pool attach + transport registration inside the process (t_dp)' }, loadBefore, loadAfter: la() }, { loadBefore });
  const fns = Object.keys((out[`${systems.find((s) => s !== 'knativeLike' && s !== 'grpc')}.parallel`] as { medianStartMs?: Record<string, number> } | undefined)?.medianStartMs ?? {});
  if (fns.length) {
    const key = `${systems.find((s) => s !== 'knativeLike' && s !== 'grpc')}.sequential`;
    const seq = out[key] as { medianStartMs: Record<string, number>; medianDataPlaneSetupMs: Record<string, number> };
    writeSvg(join(dir(), 'startup-per-function.svg'), barChart({ title: 'Per-process start, started one at a time (median)', yLabel: 'ms', categories: fns, series: [{ name: 'spawn -> ready', values: fns.map((f) => seq.medianStartMs[f]) }, { name: 'data-plane setup', values: fns.map((f) => seq.medianDataPlaneSetupMs[f]) }] }));
  }
  writeSvg(join(dir(), 'startup-chain.svg'), barChart({ title: 'Whole-chain start, Online Boutique (median)', yLabel: 'ms', categories: Object.keys(out), series: [{ name: 'chain start', values: Object.keys(out).map((k) => med(k)!) }] }));
  printTable(Object.entries(out).map(([k, v]) => { const x = v as { medianChainStartMs: number; medianDataPlaneSetupMs?: Record<string, number> }; const dp = Object.values(x.medianDataPlaneSetupMs ?? {}); return { variant: k, 'chain start ms': x.medianChainStartMs, 'median t_dp ms': dp.length ? r3(pct(dp, 50)) : NaN }; }), `startup, Online Boutique (load before ${loadBefore.join(' ')}); sequential / parallel: ${JSON.stringify(speedup)}`);
}

export { ALL_SYSTEMS };
