// The knative-like and grpc baselines run the same SDK function modules as SPRIGHT, as real
// processes (Node functions, nginx sidecars and broker, gRPC servers), and answer real requests:
// sequences, DFR topics, ctx.call, handler errors; stop() leaves no process or file behind.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadChainSpec } from '../../src/spec/index.ts';
import { exampleSpec } from '../../src/paths.ts';
import { startBaseline, type BaselineKind, type RunningBaseline } from '../../baselines/launch.ts';
import { connect } from 'node:net';
import { workloadSpec } from '../../workloads/index.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

const callSpecFile = join('/tmp', `spright-bl-spec-${process.pid}.yaml`);
writeFileSync(
  callSpecFile,
  `name: calls
functions:
  - { name: caller, module: ${join(import.meta.dirname, 'fixtures', 'caller.ts')} }
  - { name: callee, module: ${join(import.meta.dirname, 'fixtures', 'callee.ts')}, instances: 2 }
routes:
  default: [caller]
`,
);

const started: RunningBaseline[] = [];
afterAll(async () => {
  for (const b of started) await b.stop();
  rmSync(callSpecFile, { force: true });
});

describe.each(['knative', 'grpc'] as BaselineKind[])('%s baseline', (kind) => {
  it('runs the 2-function chain: real processes, real answers, nothing left after stop', async () => {
    const b = await startBaseline(workloadSpec('chain2'), kind);
    started.push(b);
    const roles = b.components.map((c) => c.role).sort();
    if (kind === 'knative') {
      expect(roles).toEqual(['broker', 'function', 'function', 'sidecar', 'sidecar']);
      for (const c of b.components.filter((x) => x.role !== 'function')) expect(comm(c.pid)).toBe('nginx');
      const brokerConf = readFileSync(join(b.dir, 'broker', 'nginx.conf'), 'utf8');
      expect(brokerConf).toContain('location /fn/first');
      expect(brokerConf).toContain('location /fn/second');
    } else expect(roles).toEqual(['function', 'function']);
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${b.url}/x`, { method: 'POST', body: 'a'.repeat(i) });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-chain')).toBe('first>second');
      if (kind === 'knative') expect(r.headers.get('server')).toMatch(/^nginx/);
      expect(await r.text()).toBe(`hello ${i}\n`);
    }
    await b.stop();
    started.pop();
    for (const c of b.components) expect(alive(c.pid), `${c.role} ${c.name}`).toBe(false);
    expect(existsSync(b.dir)).toBe(false);
  }, 60_000);

  // The adapter is shared; each hop transport gets one of the two richer chains (time on 2 cores).
  if (kind === 'knative') it('runs the example shop chain: sequence, DFR topic, function errors', async () => {
    const b = await startBaseline(loadChainSpec(exampleSpec), kind);
    started.push(b);
    const post = (body: string) => fetch(`${b.url}/`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const full = await post(JSON.stringify({ user: 'ann', items: [1, 3] }));
    expect(full.status, await full.clone().text()).toBe(201);
    expect(full.headers.get('x-order-path')).toBe('frontend>cart>checkout');
    expect(await full.json()).toEqual({ user: 'ann', total: 148.99, currency: 'EUR', lines: 2 });
    const empty = await post(JSON.stringify({ user: 'bob' }));
    expect(empty.status).toBe(200);
    expect(empty.headers.get('x-order-path')).toBe('frontend>checkout');
    expect((await post('{not json')).status).toBe(400);
    await b.stop();
    started.pop();
  }, 60_000);

  if (kind === 'grpc') it('ctx.call between functions, round-robin over instances; a throwing handler answers 500', async () => {
    const b = await startBaseline(loadChainSpec(callSpecFile), kind);
    started.push(b);
    const pids = new Set<number>();
    for (let n = 0; n < 6; n++) {
      const r = await fetch(`${b.url}/c?n=${n}`);
      expect(r.status).toBe(200);
      const j = (await r.json()) as { callee: { pid: number } };
      expect(j).toMatchObject({ kind: 'request', callee: { doubled: n * 2, kind: 'call' } });
      pids.add(j.callee.pid);
    }
    expect(pids.size).toBe(2);
    expect((await fetch(`${b.url}/c?n=-1`)).status).toBe(422);
    const boom = await fetch(`${b.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toMatchObject({ error: 'boom on purpose', function: 'caller' });
    expect((await fetch(`${b.url}/c?n=2`)).status).toBe(200); // still serving
    await b.stop();
    started.pop();
  }, 60_000);
});

describe('knative-like scale-to-zero', () => {
  const listening = (port: number) =>
    new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
  const sidecarPorts = (b: RunningBaseline) => [...readFileSync(join(b.dir, 'broker', 'nginx.conf'), 'utf8').matchAll(/server 127\.0\.0\.1:(\d+);/g)].map((m) => Number(m[1]));

  it('starts functions on the first request, stops them after the grace period, starts them again', async () => {
    const b = await startBaseline(workloadSpec('chain2'), 'knative', { scaleToZero: { graceS: 1 } });
    started.push(b);
    expect(b.components.map((c) => c.role).sort()).toEqual(['activator', 'broker']);
    const env = JSON.parse(readFileSync(`/proc/${b.components.find((c) => c.role === 'activator')!.pid}/environ`, 'utf8').split('\0').find((l) => l.startsWith('ACTIVATOR_ENV='))!.slice('ACTIVATOR_ENV='.length));
    const ports: number[] = env.instances.map((i: { sidecarPort: number }) => i.sidecarPort);
    expect(ports).toHaveLength(2);
    expect(new Set(sidecarPorts(b)).size).toBe(1); // the broker sends every hop to the activator
    for (const p of ports) expect(await listening(p)).toBe(false); // zero instances before traffic
    for (let round = 0; round < 2; round++) {
      const r = await fetch(`${b.url}/x`, { method: 'POST', body: 'abc' });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('hello 3\n');
      for (const p of ports) expect(await listening(p)).toBe(true);
      // No traffic for the grace period: both functions and sidecars go away.
      const until = Date.now() + 15_000;
      while ((await Promise.all(ports.map(listening))).some(Boolean) && Date.now() < until) await new Promise((res) => setTimeout(res, 200));
      for (const p of ports) expect(await listening(p)).toBe(false);
    }
    await b.stop();
    started.pop();
  }, 90_000);
});
