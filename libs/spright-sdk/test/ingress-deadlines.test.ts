// The gateway ingress's table of requests in flight (fixed slots, correlation ids with a
// generation) and its coarse deadline sweep: a request nobody answers gets 504 close to its
// timeout, its object and credit come back when the late answer arrives, and slots are reused
// without mixing up answers (the table itself: inflight.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Region, type Mempool } from '@fastpath/shm';
import { ChainIngress } from '../src/ingress.ts';
import { defineFunction } from '../src/define.ts';
import type { CallFailedError } from '../src/errors.ts';
import { FunctionRuntime } from '../src/runtime.ts';
import { instanceId } from '../src/topology.ts';
import { testTopology } from './topology.ts';
import { RingTransport } from '../src/transport/ring.ts';

const CHAIN = 0x4a2;
const OBJECTS = 16;
// far above the call timeout, so the call's deadline fires first even when the machine stalls
const TIMEOUT_MS = 1500;
const CONCURRENCY = 3;
const CALL_TIMEOUT_MS = 80;
const id = (i: number) => instanceId(CHAIN, i);

/** Requests to /hold wait here until the test lets them go. */
const held: (() => void)[] = [];

const echo = defineFunction({
  name: 'echo',
  async handle(ctx) {
    if (ctx.path === '/hold') await new Promise<void>((r) => held.push(r));
    if (ctx.path === '/call') {
      // A call the callee holds past its timeout.
      try {
        const r = await ctx.call('callee', ctx.text(), { timeoutMs: CALL_TIMEOUT_MS });
        return ctx.respond(200, {}, `answered ${r.status}`);
      } catch (err) {
        return ctx.respond(504, {}, `${(err as CallFailedError).reason}`);
      }
    }
    ctx.respond(200, { 'content-type': 'text/plain' }, `${ctx.path}:${ctx.text()}`);
  },
});

const callee = defineFunction({
  name: 'callee',
  async handle(ctx) {
    await new Promise<void>((r) => held.push(r));
    ctx.respond(200, {}, 'late');
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ChainIngress: slots and deadlines', () => {
  const topo = testTopology({
    chain: 'deadlines',
    chainId: CHAIN,
    transport: 'h',
    functions: [
      { name: 'echo', concurrency: 8 },
      { name: 'callee', concurrency: 4 },
    ],
    sequence: ['echo'],
  });
  let region: Region;
  let pool: Mempool;
  let ingress: ChainIngress;
  const runtimes: FunctionRuntime[] = [];
  const regions: Region[] = [];

  beforeAll(() => {
    region = Region.create(topo.region, { size: 4 << 20 });
    topo.key = region.key.toString('hex');
    pool = region.createMempool('objects', { objectSize: 4096, count: OBJECTS });
    for (let i = 1; i <= 3; i++) region.createRing(`rx-${i}`, { type: 'mpsc', slots: 16 }).close();
    for (const [k, def] of [echo, callee].entries()) {
      const f = Region.attach(topo.region, topo.key);
      regions.push(f);
      const self = topo.functions[k].instances[0];
      const rt = new FunctionRuntime({ topology: topo, self, def, pool: f.mempool('objects'), transport: new RingTransport('h', f, topo, self.id), concurrency: 8, log: () => {} });
      rt.start();
      runtimes.push(rt);
    }
    const g = Region.attach(topo.region, topo.key);
    regions.push(g);
    ingress = new ChainIngress({ topology: topo, pool: g.mempool('objects'), transport: new RingTransport('h', g, topo, id(1)), concurrency: CONCURRENCY, timeoutMs: TIMEOUT_MS });
    ingress.start();
  });

  afterAll(async () => {
    for (const r of held.splice(0)) r();
    ingress?.close();
    for (const rt of runtimes) await rt.stop(100);
    for (const r of regions) r.detach();
    region?.destroy();
  });

  const submit = (url: string, body = '') => ingress.submit({ method: 'POST', url, headers: {} }, new TextEncoder().encode(body));

  it('reuses slots without mixing answers (many more requests than slots, several in flight)', async () => {
    for (let round = 0; round < 40; round++) {
      const rs = await Promise.all([0, 1, 2].map((k) => submit(`/r${round}`, `k${k}`)));
      rs.forEach((r, k) => {
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.body.toString()).toBe(`/r${round}:k${k}`);
      });
    }
    expect(ingress.stats()).toMatchObject({ inflight: 0, submitted: 120, completed: 120 });
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('answers 503 beyond its concurrency, and takes requests again once slots free up', async () => {
    const a = submit('/hold', 'a');
    const b = submit('/hold', 'b');
    const c = submit('/hold', 'c');
    const over = await submit('/x');
    expect(over).toMatchObject({ ok: false, status: 503, reason: 'gateway concurrency limit reached' });
    while (held.length < 3) await sleep(2);
    for (const r of held.splice(0)) r();
    expect((await Promise.all([a, b, c])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await submit('/x', 'again')).toMatchObject({ ok: true, status: 200 });
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('times out an unanswered request with 504 near its deadline; the late answer returns its object and credit', async () => {
    const t0 = performance.now();
    const r = await submit('/hold', 'late');
    const waited = performance.now() - t0;
    expect(r).toMatchObject({ ok: false, status: 504 });
    // The sweep runs every timeout/10 (within [5, 100] ms): the 504 is never early and at most one period late (plus scheduling).
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    expect(waited).toBeLessThan(TIMEOUT_MS + 1000);
    expect(ingress.stats()).toMatchObject({ inflight: 0, abandoned: 1, timed_out: 1 });
    expect(pool.freeCount).toBe(OBJECTS - 1);
    // The function answers after all: the gateway frees the object and the credit comes back.
    while (held.length < 1) await sleep(2);
    held.splice(0).forEach((f) => f());
    const until = Date.now() + 2000;
    while (ingress.stats().abandoned > 0 && Date.now() < until) await sleep(5);
    expect(ingress.stats().abandoned).toBe(0);
    expect(pool.freeCount).toBe(OBJECTS);
    expect(await submit('/x', 'after')).toMatchObject({ ok: true, status: 200 });
  });

  it('fails a call its callee holds past the timeout, and frees the call object when the answer comes late', async () => {
    const t0 = performance.now();
    const r = await submit('/call', 'x');
    const waited = performance.now() - t0;
    expect(r.ok).toBe(true);
    if (r.ok) expect([r.status, r.body.toString()]).toEqual([504, 'timeout']);
    expect(waited).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 1);
    // The callee still holds the call object; its late answer is dropped and the object freed.
    expect(pool.freeCount).toBe(OBJECTS - 1);
    expect(runtimes[0].stats().calls_pending).toBe(0);
    while (held.length < 1) await sleep(2);
    held.splice(0).forEach((f) => f());
    const until = Date.now() + 2000;
    while (pool.freeCount < OBJECTS && Date.now() < until) await sleep(5);
    expect(pool.freeCount).toBe(OBJECTS);
  });
});
