// Deploy-time faults and security domains: a module that throws at load rolls the whole chain
// back with its stack; two chains on one host cannot reach each other's memory or rings.
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Region, RegionKeyError, RegionNotFoundError } from '@fastpath/shm';
import { encodeDescriptor } from '@fastpath/ebpf';
import { instanceId, RingTransport, type ChainTopology } from '@fastpath/spright-sdk';
import { Agent } from '../src/agent/agent.ts';
import { DeployError, type Chain, type DeployEvent } from '../src/agent/chain.ts';
import { loadChainSpec } from '../src/spec/index.ts';
import { agentTag } from '../src/paths.ts';
import { fixtures, http, leftovers, useStateDir, waitFor, writeSpec } from './helpers.ts';

const dir = useStateDir('faults');

const chainYaml = (name: string, extra = '', transport = 'h') => `name: ${name}
transport: ${transport}
pool: { objectSize: 2048, objects: 32 }
gateway: { port: 8080 }
functions:
  - { name: c, module: ${fixtures}/echo.ts }
${extra}routes:
  default: [c]
`;

describe('deploy faults and security domains', () => {
  const agent = new Agent({ log: () => {} });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a module that throws at load fails the deploy with its stack and rolls everything back', async () => {
    const name = `l${process.pid}`;
    const spec = loadChainSpec(writeSpec(dir, name, chainYaml(name, `  - { name: broken, module: ${fixtures}/throws-at-load.ts }\n  - { name: helper, module: ${fixtures}/helper.ts }\n`)));
    const events: DeployEvent[] = [];
    const pids: number[] = [];
    const err = await agent
      .deploy(spec, (e) => {
        events.push(e);
        if (e.event === 'instance-ready') pids.push(e.pid);
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DeployError);
    const e = err as DeployError;
    expect(e.message).toMatch(/broken .*failed to start/);
    expect(e.stack_).toContain('config file missing: /etc/spright-test/does-not-exist.json');
    expect(e.stack_).toContain('throws-at-load.ts');
    expect(agent.chains.has(name)).toBe(false);
    // The instances that did come up (c, helper, gateway) were stopped with the region and netns.
    expect(leftovers(agentTag(), pids)).toEqual([]);
  });

  it('two chains: A can neither map B\'s region nor deliver into B (SPROXY drops it)', async () => {
    const [na, nb] = [`sa${process.pid}`, `sb${process.pid}`];
    const specA = loadChainSpec(writeSpec(dir, na, chainYaml(na, '', 's')));
    const [a, b] = await Promise.all([agent.deploy(specA, () => {}), agent.deploy(loadChainSpec(writeSpec(dir, nb, chainYaml(nb, '', 's'))), () => {})]);
    try {
      await isolatedMemory(a, b);
      await isolatedDelivery(a, b);
      // A second chain with a taken name is refused without touching the first.
      await expect(agent.deploy(specA, () => {})).rejects.toThrow(/already deployed/);
      expect((await http(`${a.url}/x`, { body: 'A' })).body).toBe('A');
      expect((await http(`${b.url}/x`, { body: 'B' })).body).toBe('B');
    } finally {
      await agent.delete(na);
      await agent.delete(nb);
    }
    expect(leftovers(agentTag())).toEqual([]);
  });

  async function isolatedMemory(a: Chain, b: Chain): Promise<void> {
    expect(a.topology.key).not.toBe(b.topology.key);
    expect(a.topology.chainId).not.toBe(b.topology.chainId);
    // From inside a real function process of A: mapping B's region with A's key is refused.
    const r = await http(`${a.url}/snoop`, { body: JSON.stringify({ region: b.topology.region }) });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ attached: false, error: 'RegionKeyError' });
    // Same from this process, and B's key does open B (so the refusal is about the key).
    expect(() => Region.attach(b.topology.region, a.topology.key)).toThrow(RegionKeyError);
    Region.attach(b.topology.region, b.topology.key).detach();
    // Ring transports address only their own chain: B's instances are unknown, B's ring names
    // do not exist in A's region.
    const regionA = Region.attach(a.topology.region, a.topology.key);
    try {
      expect(() => new RingTransport('h', regionA, a.topology, a.topology.gateway.id + 100)).toThrow(/is not part of chain/);
      const foreign: ChainTopology = { ...a.topology, gateway: { ...a.topology.gateway, ring: 'rx-no-such-ring' } };
      expect(() => new RingTransport('h', regionA, foreign, foreign.gateway.id)).toThrow(RegionNotFoundError);
      const tA = new RingTransport('h', regionA, a.topology, a.topology.functions[0].instances[0].id);
      expect(tA.send({ instance: b.topology.gateway.id, chain: b.topology.chainId, flags: 0, topic: 0, offset: 0, generation: 0 })).toBe('unknown-target');
      tA.close();
    } finally {
      regionA.detach();
    }
  }

  async function isolatedDelivery(a: Chain, b: Chain): Promise<void> {
    const sproxy = (await agent.proxyManager()).sproxy;
    // A socket registered as a member of chain A (as a compromised function of A would hold).
    const identity = { instance: instanceId(a.topology.chainId, 0x7ff0), chain: a.topology.chainId, function: 1 };
    const ep = await sproxy.createFunctionSocket(identity);
    const sock = ep.openHere();
    sock.on('error', () => {});
    const bGateway = b.topology.gateway.id;
    const receivedByB = () => sproxy.metrics().filter((r) => r.chain === b.topology.chainId).reduce((n, r) => n + Number(r.received), 0);
    const before = { dropped: sproxy.counts.dropped, receivedByB: receivedByB() };
    try {
      // Raw descriptors, as a compromised function could write them: one claiming chain B (the
      // sender is registered in A), one honest about A but aimed at B's gateway.
      sock.write(encodeDescriptor({ instance: bGateway, chain: b.topology.chainId, flags: 0, object: 4096n }));
      sock.write(encodeDescriptor({ instance: bGateway, chain: a.topology.chainId, flags: 0, object: 4096n }));
      await waitFor('2 drops', () => sproxy.counts.dropped - before.dropped >= 2);
      expect(receivedByB()).toBe(before.receivedByB);
      const rowA = sproxy.metrics().find((r) => r.chain === a.topology.chainId && r.function === 1);
      expect(Number(rowA?.dropped ?? 0)).toBeGreaterThanOrEqual(2);
    } finally {
      sock.destroy();
    }
  }

});

describe('sequential startup (the Fig. 5.14 baseline)', () => {
  const agent = new Agent({ log: () => {}, startup: 'sequential' });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts each process only after the previous one is ready, and the chain serves', async () => {
    const name = `q${process.pid}`;
    mkdirSync(dir, { recursive: true }); // the suite above removed it in its afterAll
    const spec = loadChainSpec(writeSpec(dir, name, chainYaml(name, `  - { name: helper, module: ${fixtures}/helper.ts }\n`)));
    const chain = await agent.deploy(spec, () => {});
    const procs = chain.procs as unknown as { spec: { fn: string }; readyAt: number; spawnedAt: number }[];
    expect(procs.map((p) => p.spec.fn)).toEqual(['c', 'helper', 'gateway']);
    // never spawned before its predecessor was ready
    for (let i = 1; i < procs.length; i++) expect(procs[i].spawnedAt).toBeGreaterThanOrEqual(procs[i - 1].readyAt);
    expect((await http(`${chain.url}/x`, { body: 'seq' })).body).toBe('seq');
    expect(await agent.delete(name)).toBe(true);
  });
});
