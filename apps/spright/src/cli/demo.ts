// `spright demo` (nx run spright:deploy): deploy the bundled example chain, wait until healthy,
// send a short burst with a progress bar and print a one-screen summary.
import autocannon from 'autocannon';
import { loadavg } from 'node:os';
import { printTable, progress, writeResult } from '@fastpath/bench';
import type { ChainStatus } from '../agent/chain.ts';
import { CLK_TCK, readCpuTicks } from '../agent/proc.ts';
import { exampleSpec } from '../paths.ts';
import { agentJson } from './client.ts';
import { deployCommand } from './deploy.ts';

export interface DemoOptions {
  file?: string;
  durationS?: number;
  connections?: number;
  /** Delete the chain after the summary (CI); otherwise it stays up for the user. */
  deleteAfter?: boolean;
  /** Also write docs/results/spright/<record>.json. */
  record?: string;
}

async function waitHealthy(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
      last = `${r.status} ${await r.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway ${url} not healthy after ${timeoutMs} ms: ${last}`);
}

export async function demoCommand(o: DemoOptions = {}): Promise<void> {
  const file = o.file ?? exampleSpec;
  const existing = await agentJson<ChainStatus[]>('GET', '/chains').catch(() => [] as ChainStatus[]);
  const { loadChainSpec } = await import('../spec/index.ts');
  const spec = loadChainSpec(file);
  let url = existing.find((c) => c.name === spec.name)?.url;
  if (url) console.log(`chain ${spec.name} is already deployed at ${url}; reusing it`);
  else url = (await deployCommand({ file })).url!;
  await waitHealthy(url);

  const before = await agentJson<ChainStatus>('GET', `/chains/${spec.name}`);
  const loadBefore = loadavg() as [number, number, number];
  const pids = before.instances.filter((i) => i.pid).map((i) => i.pid!);
  const ticks0 = new Map(pids.map((p) => [p, readCpuTicks(p) ?? 0]));
  const duration = o.durationS ?? 5;
  const bar = progress(`burst ${duration}s x ${o.connections ?? 16} connections`, duration);
  const t0 = Date.now();
  const timer = setInterval(() => bar.tick(), 1000);
  const result = await autocannon({ url: `${url}/`, connections: o.connections ?? 16, duration, method: 'POST', body: JSON.stringify({ user: 'demo', items: [1, 2, 3] }), headers: { 'content-type': 'application/json' } });
  clearInterval(timer);
  bar.stop();
  const secs = (Date.now() - t0) / 1000;
  const after = await agentJson<ChainStatus>('GET', `/chains/${spec.name}`);
  const cpu = Object.fromEntries(after.instances.filter((i) => i.pid).map((i) => [`${i.fn}#${i.instance & 0xffff}`, ((readCpuTicks(i.pid!) ?? 0) - (ticks0.get(i.pid!) ?? 0)) / CLK_TCK / secs]));
  if (o.record) {
    const file = writeResult(
      'spright',
      o.record,
      { chain: spec.name, transport: after.transport, connections: o.connections ?? 16, seconds: duration, rps: result.requests.average, p50ms: result.latency.p50, p99ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors, cpuShareDuringBurst: cpu, setupMs: Object.fromEntries(after.instances.map((i) => [i.fn, i.setupMs])) },
      { loadBefore },
    );
    console.log(`wrote ${file}`);
  }

  console.log('');
  console.log(`chain ${spec.name}: transport ${after.transport.toUpperCase()}, ${after.instances.length - 1} function instance(s) + gateway, state ${after.state}`);
  console.log(`requests/s ${result.requests.average.toFixed(0)}   latency p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms   ` + `2xx ${result['2xx']}  non-2xx ${result.non2xx}  errors ${result.errors}`);
  console.log(`pool: ${after.pool.objects - after.pool.free}/${after.pool.objects} objects in use after the burst (${after.pool.objectSize} B each), exhausted ${after.pool.exhausted} times`);
  printTable(
    after.instances.map((i) => ({
      process: i.fn,
      pid: i.pid ?? '-',
      'cpu % (burst)': i.pid ? (cpu[`${i.fn}#${i.instance & 0xffff}`] * 100).toFixed(1) : '-',
      'setup ms': i.setupMs.toFixed(2),
      restarts: i.restarts,
    })),
    'processes',
  );
  if (o.deleteAfter) {
    await agentJson('DELETE', `/chains/${spec.name}`);
    console.log(`deleted chain ${spec.name}`);
  } else {
    console.log(`\nreach the gateway:  curl -d '{"user":"me"}' ${url}/   (or: tsx apps/spright/src/cli/main.ts invoke ${spec.name} / --data '{"user":"me"}')`);
    console.log(`status / logs:      tsx apps/spright/src/cli/main.ts status | logs <fn>`);
    console.log(`remove everything:  tsx apps/spright/src/cli/main.ts delete ${spec.name}`);
  }
}
