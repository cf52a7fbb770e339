// The SDK's data plane on a real region: gateway ingress + three function runtimes, each on its
// own MPSC ring with the hybrid wait, in one process (the multi-process chain is tested in
// apps/spright). Checks next/respond/call, error answers, stale-descriptor drops and that every
// object returns to the pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Region, type Mempool } from '@fastpath/shm';
import { ChainIngress } from '../src/ingress.ts';
import { defineFunction, type SprightFunction } from '../src/define.ts';
import { FunctionRuntime } from '../src/runtime.ts';
import { testTopology } from './topology.ts';
import { RingTransport } from '../src/transport/ring.ts';

const CHAIN = 0x4a1;
const OBJECTS = 16;

const defs: Record<string, SprightFunction> = {
  upper: defineFunction({
    name: 'upper',
    handle(ctx) {
      if (ctx.path === '/throw') throw new Error('nope');
      if (ctx.path === '/topic') return ctx.next('direct');
      if (ctx.path === '/badtopic') return ctx.next('missing');
      ctx.setBody(ctx.text().toUpperCase());
      ctx.next();
    },
  }),
  wrap: defineFunction({
    name: 'wrap',
    async handle(ctx) {
      if (ctx.path === '/call') {
        const r = await ctx.call('square', { n: 7 });
        return ctx.respond(202, { 'x-call-status': String(r.status) }, { squared: r.json<{ n: number }>().n });
      }
      if (ctx.path === '/huge') return ctx.respond(200, {}, new Uint8Array(8192));
      ctx.respond(200, { 'content-type': 'text/plain', 'x-seen-by': 'wrap' }, `<${ctx.text()}>`);
    },
  }),
  square: defineFunction({
    name: 'square',
    handle(ctx) {
      const { n } = ctx.json<{ n: number }>();
      ctx.respond(200, {}, { n: n * n });
    },
  }),
};

describe('SDK data plane on a real region (H rings)', () => {
  const topo = testTopology({
    chain: 'sdk',
    chainId: CHAIN,
    transport: 'h',
    functions: ['upper', 'wrap', 'square'].map((name) => ({ name, concurrency: 4 })),
    sequence: ['upper', 'wrap'],
    topicIds: { direct: 1 },
    topicRoutes: { 'upper/1': 'wrap' },
  });
  let region: Region;
  let ingress: ChainIngress;
  const runtimes: FunctionRuntime[] = [];
  const regions: Region[] = [];
  let pool: Mempool;

  beforeAll(() => {
    region = Region.create(topo.region, { size: 4 << 20 });
    topo.key = region.key.toString('hex');
    pool = region.createMempool('objects', { objectSize: 4096, count: OBJECTS });
    for (let i = 1; i <= 4; i++) region.createRing(`rx-${i}`, { type: 'mpsc', slots: 16 }).close();
    // Each party attaches on its own, as separate processes would.
    for (const f of topo.functions) {
      const r = Region.attach(topo.region, topo.key);
      regions.push(r);
      const rt = new FunctionRuntime({ topology: topo, self: f.instances[0], def: defs[f.name], pool: r.mempool('objects'), transport: new RingTransport('h', r, topo, f.instances[0].id), concurrency: 4, log: () => {} });
      rt.start();
      runtimes.push(rt);
    }
    const g = Region.attach(topo.region, topo.key);
    regions.push(g);
    ingress = new ChainIngress({ topology: topo, pool: g.mempool('objects'), transport: new RingTransport('h', g, topo, topo.gateway.id), concurrency: 8, timeoutMs: 5000 });
    ingress.start();
  });

  afterAll(async () => {
    ingress?.close();
    for (const rt of runtimes) await rt.stop(100);
    for (const r of regions) r.detach();
    region?.destroy();
  });

  const submit = (url: string, body = '') => ingress.submit({ method: 'POST', url, headers: {} }, new TextEncoder().encode(body));

  it('runs the sequence and answers with what the last function wrote', async () => {
    const r = await submit('/x', 'hello');
    expect(r).toMatchObject({ ok: true, status: 200, headers: { 'x-seen-by': 'wrap' } });
    if (r.ok) expect(r.body.toString()).toBe('<HELLO>');
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('routes by topic, and names an unknown topic in a 500', async () => {
    const r = await submit('/topic', 'skip');
    if (!r.ok) throw new Error(r.reason);
    expect(r.body.toString()).toBe('<skip>');
    const bad = await submit('/badtopic');
    expect(bad.status).toBe(500);
    if (bad.ok) expect(JSON.parse(bad.body.toString()).error).toMatch(/unknown topic "missing"/);
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('ctx.call answers through a second object, freed before the response leaves', async () => {
    const r = await submit('/call');
    expect(r).toMatchObject({ ok: true, status: 202, headers: { 'x-call-status': '200' } });
    if (r.ok) expect(JSON.parse(r.body.toString())).toEqual({ squared: 49 });
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('a throwing handler answers 500; a response too big for the object answers 500 too', async () => {
    const t = await submit('/throw');
    expect(t.status).toBe(500);
    if (t.ok) expect(JSON.parse(t.body.toString())).toEqual({ error: 'nope', function: 'upper' });
    const h = await submit('/huge');
    expect(h.status).toBe(500);
    if (h.ok) expect(h.body.toString()).toMatch(/do not fit in a 4096-byte pool object/);
    expect(runtimes[0].stats().failed).toBe(1);
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('refuses what does not fit (413) and what exceeds the pool (503), never blocks', async () => {
    expect((await submit('/x', 'y'.repeat(5000))).status).toBe(413);
    const held: { offset: number; generation: number }[] = [];
    for (;;) {
      const a = pool.alloc();
      if (!a.ok) break;
      held.push(a);
    }
    const r = await submit('/x', 'z');
    expect(r).toMatchObject({ ok: false, status: 503, retryAfter: 1 });
    for (const h of held) pool.free(h);
    expect(pool.freeCount).toBe(OBJECTS);
  });

  it('drops stale and foreign descriptors without touching memory', async () => {
    const a = pool.alloc();
    if (!a.ok) throw new Error('pool empty');
    pool.free(a); // generation moves on: the old reference is stale
    const t = new RingTransport('h', regions[3], topo, topo.gateway.id);
    const upper = topo.functions[0].instances[0].id;
    t.send({ instance: upper, chain: CHAIN, flags: 0, topic: 0, offset: a.offset, generation: a.generation });
    t.send({ instance: upper, chain: CHAIN + 1, flags: 0, topic: 0, offset: a.offset, generation: a.generation });
    t.close();
    const until = Date.now() + 5000;
    while (runtimes[0].stats().dropped_stale + runtimes[0].stats().dropped_foreign < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(runtimes[0].stats()).toMatchObject({ dropped_stale: 1, dropped_foreign: 1 });
    expect(pool.freeCount).toBe(OBJECTS);
  });
});
