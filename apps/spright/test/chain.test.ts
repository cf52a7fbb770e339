// A real chain (4 function processes + gateway in its netns, H transport) and every fault case
// of the issue that needs a running chain: handler throws, 413/400, stalled function, kill -9
// under load, dead callee, and delete leaving nothing behind.
import { connect as h2connect } from 'node:http2';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent/agent.ts';
import type { Chain } from '../src/agent/chain.ts';
import { loadChainSpec } from '../src/spec/index.ts';
import { agentTag } from '../src/paths.ts';
import { fixtures, http, leftovers, pidAlive, useStateDir, waitFor, writeSpec } from './helpers.ts';

const dir = useStateDir('chain');
const OBJECTS = 64;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specYaml(name: string, transport: string): string {
  return `name: ${name}
transport: ${transport}
pool: { objectSize: 4096, objects: ${OBJECTS} }
gateway: { port: 8080, http2Port: 8443, concurrency: 32, timeoutMs: 20000 }
functions:
  - { name: a, module: ${fixtures}/relay.ts, concurrency: 8 }
  - { name: b, module: ${fixtures}/relay.ts, concurrency: 8 }
  - { name: c, module: ${fixtures}/echo.ts, concurrency: 4 }
  - { name: helper, module: ${fixtures}/helper.ts }
routes:
  default: [a, b, c]
  topics:
    - { from: a, topic: skip, to: c }
`;
}

// H (hybrid rings) and S (SPROXY sockets); D (busy-polled rings) runs in e2e, where burning
// a core per process is expected.
describe.each(['h', 's'])('spright chain on the local target, transport %s', (mode) => {
  const name = `t${process.pid}${mode}`;
  const agent = new Agent({ log: () => {} });
  let chain: Chain;
  let url: string;
  const allPids = new Set<number>();
  const pidOf = (fn: string) => chain.procs.find((p) => p.spec.fn === fn)!.pid!;
  const poolFree = () => chain.memory.stats().free;
  const track = () => chain.procs.forEach((p) => p.pid && allPids.add(p.pid));

  beforeAll(async () => {
    const events: string[] = [];
    chain = await agent.deploy(loadChainSpec(writeSpec(dir, name, specYaml(name, mode))), (e) => events.push(e.event));
    url = chain.url;
    track();
    expect(events).toEqual(expect.arrayContaining(['region', 'netns', 'starting', 'instance-ready', 'ready']));
  }, 60_000);

  afterAll(async () => {
    await agent.close();
  });

  it('starts one process per instance and measures each data-plane setup', () => {
    const s = chain.status();
    expect(s.instances.map((i) => i.fn).sort()).toEqual(['a', 'b', 'c', 'gateway', 'helper']);
    for (const i of s.instances) {
      expect(i.state).toBe('ready');
      expect(i.setupMs).toBeGreaterThan(0);
      expect(pidAlive(i.pid!)).toBe(true);
    }
    expect(new Set(s.instances.map((i) => i.pid)).size).toBe(5);
    expect(url).toMatch(/^http:\/\/10\.\d+\.\d+\.\d+:8080$/);
  });

  it('answers with what the last function wrote: status, headers, body', async () => {
    const r = await http(`${url}/echo?x=1`, { body: 'payload-123', headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('payload-123');
    expect(r.headers['x-fn']).toBe('c');
    expect(r.headers['x-method']).toBe('POST');
    expect(Number(r.headers['x-pid'])).toBe(pidOf('c'));
    const s = await http(`${url}/status?code=418`);
    expect(s.status).toBe(418);
    expect(s.headers['x-custom']).toBe('yes');
    expect(s.body).toBe('custom status');
    expect(poolFree()).toBe(OBJECTS);
  });

  it('routes by topic (DFR) past b', async () => {
    const r = await http(`${url}/x?topic=skip`, { body: 'via-topic' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('via-topic');
    const bad = await http(`${url}/x?topic=nope`, { body: 'x' });
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body).error).toMatch(/unknown topic "nope"/);
    expect(poolFree()).toBe(OBJECTS);
  });

  it('serves HTTP/1.1 keep-alive: many requests on one connection', async () => {
    const sock = connect({ host: new URL(url).hostname, port: 8080 });
    await new Promise((r) => sock.once('connect', r));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    for (let i = 0; i < 5; i++) sock.write(`POST /k HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nk${i}`);
    await waitFor('5 responses', () => (data.match(/HTTP\/1\.1 200/g) ?? []).length === 5);
    sock.destroy();
    for (let i = 0; i < 5; i++) expect(data).toContain(`k${i}`);
  });

  it('serves cleartext HTTP/2 on http2Port with the same chain behind it', async () => {
    const session = h2connect(`http://${new URL(url).hostname}:8443`);
    try {
      const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        // Like curl --http2-prior-knowledge -d: DATA frames plus content-length.
        const req = session.request({ ':method': 'POST', ':path': '/h2', 'content-length': '7' });
        let b = '';
        let h: Record<string, unknown> = {};
        req.on('response', (hh) => (h = hh));
        req.on('data', (d) => (b += d));
        req.on('end', () => resolve({ status: Number(h[':status']), headers: h, body: b }));
        req.on('error', reject);
        req.end('over h2');
      });
      expect(status).toBe(200);
      expect(body).toBe('over h2');
      expect(headers['x-fn']).toBe('c');
    } finally {
      session.close();
    }
  });

  it('ctx.call: request/response between functions by two descriptor sends', async () => {
    const r = await http(`${url}/call?n=21`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ via: 'c', helperStatus: 200, helper: { doubled: 42, caller: 'c', kind: 'call' } });
    expect(poolFree()).toBe(OBJECTS);
  });

  it('handler throws -> 500 for that request, object freed, function keeps serving', async () => {
    const pid = pidOf('c');
    const r = await http(`${url}/boom`);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toMatchObject({ error: 'handler exploded on purpose', function: 'c' });
    expect(poolFree()).toBe(OBJECTS);
    const ok = await http(`${url}/again`, { body: 'still here' });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('still here');
    expect(pidOf('c')).toBe(pid);
  });

  it('body too large -> 413; malformed HTTP -> 400; nothing leaks', async () => {
    const big = await http(`${url}/big`, { body: Buffer.alloc(8192, 1) });
    expect(big.status).toBe(413);
    const sock = connect({ host: new URL(url).hostname, port: 8080 });
    let raw = '';
    sock.on('data', (d) => (raw += d.toString()));
    await new Promise((r) => sock.once('connect', r));
    sock.write('GARBAGE / NOT-HTTP\r\n\r\n');
    await waitFor('400', () => raw.includes('400'));
    sock.destroy();
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(poolFree()).toBe(OBJECTS);
  });

  it('stalled function -> credits run out -> 503 + Retry-After; memory stays bounded', async () => {
    // c stalls every /stall request; a's 8 credits are consumed, then the gateway refuses.
    const stalled = Array.from({ length: 8 }, () => http(`${url}/stall`));
    await waitFor('8 objects held', () => OBJECTS - poolFree() === 8);
    const refused = await Promise.all(Array.from({ length: 20 }, () => http(`${url}/stall`)));
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
    }
    expect(OBJECTS - poolFree()).toBe(8);

    // kill -9 the stalled function: its objects are reclaimed, the stuck requests get 502.
    const pid = pidOf('c');
    process.kill(pid, 'SIGKILL');
    const answers = await Promise.all(stalled);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(502));
    expect(poolFree()).toBe(OBJECTS);
    await waitFor('c restarted', () => chain.procs.find((p) => p.spec.fn === 'c')!.state === 'ready' && pidOf('c') !== pid);
    track();
    expect((await http(`${url}/after`, { body: 'healed' })).body).toBe('healed');
  });

  it('kill -9 under load: in-flight requests get 502, objects reclaimed, function restarted', async () => {
    const victim = pidOf('b');
    const statuses: number[] = [];
    let stop = false;
    // b sleeps 400 ms on /slow-b, so requests are inside b when it dies.
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop) statuses.push((await http(`${url}/slow-b`, { body: 'x' })).status);
    });
    await waitFor('requests in b', () => OBJECTS - poolFree() >= 4);
    process.kill(victim, 'SIGKILL');
    const bProc = chain.procs.find((p) => p.spec.fn === 'b')!;
    await waitFor('b restarted', () => bProc.state === 'ready' && bProc.pid !== victim);
    track();
    const okAfter = statuses.length;
    await waitFor('successes after restart', () => statuses.slice(okAfter).filter((s) => s === 200).length >= 6);
    stop = true;
    await Promise.all(clients);
    expect(statuses.filter((s) => s === 502).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 502 || s === 503)).toBe(true);
    expect(pidAlive(victim)).toBe(false);
    expect(bProc.restarts).toBeGreaterThanOrEqual(1);
    expect(chain.reclaimedByDeath).toBeGreaterThanOrEqual(1);
    await waitFor('pool back to baseline', () => poolFree() === OBJECTS);
  });

  it('a callee dying mid-call turns into 502 for the caller, objects reclaimed', async () => {
    const pending = http(`${url}/call?n=-1`); // helper sleeps 5 s
    await waitFor('call in flight', () => OBJECTS - poolFree() === 2);
    process.kill(pidOf('helper'), 'SIGKILL');
    const r = await pending;
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).error).toMatch(/call to "helper" failed \(dead\)/);
    await waitFor('pool back to baseline', () => poolFree() === OBJECTS);
    await waitFor('helper restarted', () => chain.procs.find((p) => p.spec.fn === 'helper')!.state === 'ready');
    track();
  });

  it('/healthz and /metrics on the gateway', async () => {
    const h = await http(`${url}/healthz`);
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ status: 'ok', poolFree: OBJECTS, poolSize: OBJECTS });
    const m = await http(`${url}/metrics`);
    expect(m.body).toMatch(/spright_gateway_requests_total\{status="502",chain="t\d+[hs]"\} \d+/);
    expect(m.body).toContain('spright_gateway_request_duration_seconds_bucket');
    expect(m.body).toMatch(/spright_gateway_pool_free_objects\{chain="t\d+[hs]"\} 64/);
  });

  it('EPROXY on the gateway veth counts what the gateway sent; the agent exports it with the setup times', async () => {
    const e = chain.status().eproxy;
    expect(e, 'EPROXY attached').toBeDefined();
    expect(e!.rxPackets).toBeGreaterThan(0);
    const text = await agent.registry.metrics();
    expect(text).toContain('fastpath_eproxy_rx_packets_total');
    expect(text).toMatch(new RegExp(`spright_dataplane_setup_seconds\\{chain="${name}",fn="a",instance="\\d+"\\} \\d`));
    if (mode === 's') expect(text).toMatch(/fastpath_sproxy_delivered_total\{chain="\d+",function="1"\} [1-9]/);
  });

  it('delete leaves nothing behind: processes, region, netns, veth, logs', async () => {
    track();
    expect(await agent.delete(name)).toBe(true);
    expect(leftovers(agentTag(), [...allPids])).toEqual([]);
  });
});
