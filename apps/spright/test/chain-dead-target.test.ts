// The exact kill -9 races behind issue #6's 504s, made deterministic (racy.ts blocks a function's
// event loop across the race window):
//  - an upstream routes a descriptor to an instance after it died and its objects were reclaimed,
//    before it has read 'instance-down' (the object belongs to a dead id: H left it in the dead
//    ring until the restart, later than the gateway's timeout);
//  - a function is killed in the event-loop turn in which it handed an object on (S batches the
//    descriptor until the end of the turn: the object was already the next function's, which
//    never got its descriptor, so nobody ever answered).
// Either request must get its answer (502 when its object died with a process), and every object
// must come back. The restart backoff is raised to 5 s, longer than the gateway's 3 s timeout.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../src/agent/agent.ts';
import type { Chain } from '../src/agent/chain.ts';
import { loadChainSpec } from '../src/spec/index.ts';
import { fixtures, http, useStateDir, waitFor, writeSpec } from './helpers.ts';

const dir = useStateDir('dead-target');
const OBJECTS = 16;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specYaml(name: string, transport: string): string {
  return `name: ${name}
transport: ${transport}
pool: { objectSize: 4096, objects: ${OBJECTS} }
gateway: { port: 8080, concurrency: 8, timeoutMs: 3000 }
functions:
  - { name: a, module: ${fixtures}/racy.ts, concurrency: 4 }
  - { name: b, module: ${fixtures}/racy.ts, concurrency: 4 }
  - { name: c, module: ${fixtures}/echo.ts, concurrency: 4 }
routes:
  default: [a, b, c]
`;
}

describe.each(['h', 's'])('a function dies in a routing race, transport %s', (mode) => {
  const name = `dt${process.pid}${mode}`;
  const agent = new Agent({ log: () => {} });
  let chain: Chain;
  const proc = (fn: string) => chain.procs.find((p) => p.spec.fn === fn)!;
  const poolFree = () => chain.memory.stats().free;

  beforeAll(async () => {
    chain = await agent.deploy(loadChainSpec(writeSpec(dir, name, specYaml(name, mode))), () => {});
  }, 60_000);

  afterAll(async () => {
    await agent.close();
  });

  async function restarted(fn: string, victim: number): Promise<void> {
    const p = proc(fn);
    await waitFor(`${fn} restarted`, () => p.state === 'ready' && p.pid !== victim, 30_000);
    p.restartsInARow = 0;
    expect((await http(`${chain.url}/ok`, { body: 'healed' })).body).toBe('healed');
    expect(poolFree()).toBe(OBJECTS);
  }

  it('an object routed to an instance after its death and reclaim: 502 before the restart, object back', async () => {
    const go = join(dir, `go-${mode}`);
    rmSync(go, { force: true });
    const b = proc('b');
    const victim = b.pid!;
    b.restartsInARow = 6; // 5 s backoff
    const pending = http(`${chain.url}/late?file=${go}`, { body: 'late' });
    await waitFor('request held by a', () => OBJECTS - poolFree() === 1);
    process.kill(victim, 'SIGKILL');
    // The agent reclaimed b's objects (none) and told a, whose event loop is still blocked.
    await waitFor('b death handled', () => b.state === 'restarting' && b.pid === undefined);
    writeFileSync(go, '');
    const r = await pending;
    expect(r.status).toBe(502);
    expect(b.state).toBe('restarting'); // answered by the reclaim, not by the restarted b
    await waitFor('pool full', () => poolFree() === OBJECTS);
    await restarted('b', victim);
    expect(existsSync(go)).toBe(true);
  }, 60_000);

  it('a function killed in the turn it handed the object on: the request is answered, object back', async () => {
    const b = proc('b');
    const victim = b.pid!;
    b.restartsInARow = 6;
    const r = await http(`${chain.url}/x?die=b`, { body: 'handed on' });
    // H enqueues at once (c answers); S had only batched the descriptor when b died (b still
    // owned the object: reclaimed, 502).
    if (mode === 'h') expect(r).toMatchObject({ status: 200, body: 'handed on' });
    else expect(r.status).toBe(502);
    await waitFor('pool full', () => poolFree() === OBJECTS);
    await restarted('b', victim);
  }, 60_000);
});
