// End to end through the `spright` CLI, as a user drives it: the bundled 3-function example chain
// in each transport, real answers, kill -9 of a function under load and healing, then delete
// leaving no processes, regions, network namespaces or interfaces behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');
const cliEntry = join(root, 'apps', 'spright', 'src', 'cli', 'main.ts');
const example = join(root, 'apps', 'spright', 'examples');
const stateDir = `/tmp/spright-e2e-${process.pid}`;

function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: root, env: { ...process.env, SPRIGHT_STATE_DIR: stateDir } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', rej);
    c.on('close', (code) => res({ code, out, err }));
  });
}

function post(url: string, body: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((res, rej) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: b, headers: r.headers }));
    });
    req.on('error', rej);
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Everything named after the chain that could outlive it. */
function leftovers(chain: string, pids: number[]): string[] {
  const out: string[] = [];
  for (const d of ['/dev/shm', '/dev/hugepages']) if (existsSync(d)) for (const f of readdirSync(d)) if (f.endsWith(`-${chain}`)) out.push(`${d}/${f}`);
  if (existsSync('/run/netns')) for (const n of readdirSync('/run/netns')) if (n.endsWith(`-${chain}`)) out.push(`netns ${n}`);
  for (const p of pids) if (alive(p)) out.push(`pid ${p}`);
  return out;
}

interface Status {
  name: string;
  url: string;
  state: string;
  transport: string;
  pool: { objects: number; free: number };
  instances: { fn: string; pid: number; state: string; restarts: number }[];
}

/** The agent's control API (HTTP on its Unix socket): what `spright status --json` prints, without a process per poll. */
function status(chain: string): Promise<Status> {
  return new Promise((res, rej) => {
    request({ socketPath: join(stateDir, 'agent.sock'), path: `/chains/${chain}` }, (r) => {
      let b = '';
      r.on('data', (d) => (b += d));
      r.on('end', () => (r.statusCode === 200 ? res(JSON.parse(b) as Status) : rej(new Error(`status ${chain}: ${r.statusCode} ${b}`))));
    })
      .on('error', rej)
      .end();
  });
}

describe.each(['s', 'd', 'h'])('spright e2e, transport %s', (mode) => {
  const chain = `e2e${process.pid}${mode}`;
  const pids = new Set<number>();

  afterAll(async () => {
    if (existsSync(join(stateDir, 'agent.sock'))) await cli('delete', chain);
  });

  it('deploys the example chain, answers for real, heals after kill -9 under load, deletes cleanly', async () => {
    mkdirSync(stateDir, { recursive: true });
    const spec = readFileSync(join(example, 'chain.yaml'), 'utf8')
      .replace(/^name: .*$/m, `name: ${chain}`)
      .replace(/^transport: .*$/m, `transport: ${mode}`)
      .replaceAll('./functions/', `${example}/functions/`);
    const file = join(stateDir, `${chain}.yaml`);
    writeFileSync(file, spec);

    const d = await cli('deploy', '-f', file);
    expect(d.code, d.err).toBe(0);
    const listed = JSON.parse((await cli('status', '--json')).out) as Status[];
    expect(listed.map((c) => c.name)).toEqual([chain]);
    let s = await status(chain);
    expect(s).toMatchObject({ name: chain, state: 'running', transport: mode });
    expect(s.instances.map((i) => i.fn).sort()).toEqual(['cart', 'checkout', 'frontend', 'gateway']);
    s.instances.forEach((i) => pids.add(i.pid));

    // Real answers: sequence frontend > cart > checkout, DFR topic past cart, a 400 from frontend.
    const order = await post(`${s.url}/`, '{"user":"ann","items":[1,2,3]}');
    expect(order.status).toBe(201);
    expect(JSON.parse(order.body)).toEqual({ user: 'ann', total: 153.98, currency: 'EUR', lines: 3 });
    expect(order.headers['x-order-path']).toBe('frontend>cart>checkout');
    const empty = await post(`${s.url}/`, '{"user":"bob"}');
    expect(empty.status).toBe(200);
    expect(empty.headers['x-order-path']).toBe('frontend>checkout');
    expect((await post(`${s.url}/`, 'not json')).status).toBe(400);

    // kill -9 cart while 4 clients keep ordering; the chain must answer 502/503 meanwhile, never hang.
    const victim = s.instances.find((i) => i.fn === 'cart')!.pid;
    const statuses: number[] = [];
    let stop = false;
    const clients = Array.from({ length: 4 }, async () => {
      while (!stop) statuses.push((await post(`${s.url}/`, '{"user":"load","items":[2]}')).status);
    });
    while (statuses.length < 20) await new Promise((r) => setTimeout(r, 20));
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 300; i++) {
      s = await status(chain);
      const cart = s.instances.find((x) => x.fn === 'cart')!;
      if (cart.state === 'ready' && cart.pid !== victim) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cart = s.instances.find((x) => x.fn === 'cart')!;
    expect(cart.pid).not.toBe(victim);
    expect(cart.restarts).toBe(1);
    pids.add(cart.pid);
    const mark = statuses.length;
    while (statuses.slice(mark).filter((x) => x === 201).length < 10) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(clients);
    const counts: Record<number, number> = {};
    for (const x of statuses) counts[x] = (counts[x] ?? 0) + 1;
    expect(statuses.every((x) => x === 201 || x === 502 || x === 503), `statuses: ${JSON.stringify(counts)}`).toBe(true);
    expect(alive(victim)).toBe(false);
    for (let i = 0; i < 50 && (s = await status(chain)).pool.free !== s.pool.objects; i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.pool.free).toBe(s.pool.objects);
    expect((await post(`${s.url}/`, '{"user":"after","items":[4]}')).status).toBe(201);

    const del = await cli('delete', chain);
    expect(del.code, del.err).toBe(0);
    for (let i = 0; i < 50 && existsSync(join(stateDir, 'agent.sock')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftovers(chain, [...pids])).toEqual([]);
    expect(existsSync(join(stateDir, 'agent.sock'))).toBe(false);
  });
});

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
