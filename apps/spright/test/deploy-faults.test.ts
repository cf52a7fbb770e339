// Deploy-time faults and security domains: a module that throws at load rolls the whole chain
// back with its stack; two chains on one host cannot reach each other's memory or rings.
import { afterAll, describe, expect, it } from 'vitest';
import { Region, RegionKeyError, RegionNotFoundError } from '@fastpath/shm';
import { RingTransport, type ChainTopology } from '@fastpath/spright-sdk';
import { Agent } from '../src/agent/agent.ts';
import { DeployError, type DeployEvent } from '../src/agent/chain.ts';
import { loadChainSpec } from '../src/spec/index.ts';
import { agentTag } from '../src/paths.ts';
import { fixtures, http, leftovers, useStateDir, writeSpec } from './helpers.ts';

const dir = useStateDir('faults');

const chainYaml = (name: string, extra = '') => `name: ${name}
pool: { objectSize: 2048, objects: 32 }
gateway: { port: 8080 }
functions:
  - { name: c, module: ${fixtures}/echo.ts }
${extra}routes:
  default: [c]
`;

describe('deploy faults and security domains', () => {
  const agent = new Agent({ log: () => {} });
  afterAll(() => agent.close());

  it('a module that throws at load fails the deploy with its stack and rolls everything back', async () => {
    const name = `l${process.pid}`;
    const spec = loadChainSpec(writeSpec(dir, name, chainYaml(name, `  - { name: broken, module: ${fixtures}/throws-at-load.ts }\n  - { name: helper, module: ${fixtures}/helper.ts, instances: 2 }\n`)));
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
    // The instances that did come up (c, helper x2, gateway) were stopped with the region and netns.
    expect(leftovers(agentTag(), pids)).toEqual([]);
  });

  it('two chains: A cannot attach B\'s region with its key nor reach B\'s rings', async () => {
    const [na, nb] = [`a${process.pid}`, `b${process.pid}`];
    const a = await agent.deploy(loadChainSpec(writeSpec(dir, na, chainYaml(na))), () => {});
    const b = await agent.deploy(loadChainSpec(writeSpec(dir, nb, chainYaml(nb))), () => {});
    try {
      expect(a.topology.key).not.toBe(b.topology.key);
      expect(a.topology.chainId).not.toBe(b.topology.chainId);
      // From inside a real function process of A: mapping B's region with A's key is refused.
      const r = await http(`${a.url}/snoop`, { body: JSON.stringify({ region: b.topology.region }) });
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body)).toEqual({ attached: false, error: 'RegionKeyError' });
      // Same from this process, and B's key does open B (so the refusal is about the key).
      expect(() => Region.attach(b.topology.region, a.topology.key)).toThrow(RegionKeyError);
      Region.attach(b.topology.region, b.topology.key).detach();
      // A's transport can only address A's instances: B's gateway id is unknown to it, and
      // B's ring names do not exist in A's region.
      const regionA = Region.attach(a.topology.region, a.topology.key);
      try {
        const t = new RingTransport('h', regionA, a.topology, a.topology.gateway.id + 100);
        t.close();
        throw new Error('joined A as an instance it does not have');
      } catch (err) {
        expect((err as Error).message).toMatch(/is not part of chain/);
      }
      const foreign: ChainTopology = { ...a.topology, gateway: { ...a.topology.gateway, ring: 'rx-no-such-ring' } };
      expect(() => new RingTransport('h', regionA, foreign, foreign.gateway.id)).toThrow(RegionNotFoundError);
      const own = a.topology.functions[0].instances[0];
      const tA = new RingTransport('h', regionA, a.topology, own.id);
      expect(tA.send({ instance: b.topology.gateway.id, chain: b.topology.chainId, flags: 0, topic: 0, offset: 0, generation: 0 })).toBe('unknown-target');
      tA.close();
      regionA.detach();
      // Both chains still serve their own traffic.
      expect((await http(`${a.url}/x`, { body: 'A' })).body).toBe('A');
      expect((await http(`${b.url}/x`, { body: 'B' })).body).toBe('B');
    } finally {
      await agent.delete(na);
      await agent.delete(nb);
    }
    expect(leftovers(agentTag())).toEqual([]);
  });

  it('refuses a second chain with the same name without touching the first', async () => {
    const n = `d${process.pid}`;
    const spec = loadChainSpec(writeSpec(dir, n, chainYaml(n)));
    const c = await agent.deploy(spec, () => {});
    try {
      await expect(agent.deploy(spec, () => {})).rejects.toThrow(/already deployed/);
      expect((await http(`${c.url}/x`, { body: 'still' })).body).toBe('still');
    } finally {
      await agent.delete(n);
    }
  });
});
