// Turns a validated spec into the ChainTopology every process of the chain receives.
import { instanceId, type ChainTopology } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';

/** Ring slots: a power of two ≥ the pool's object count, so a ring can hold a descriptor for every
 * object in flight and a send never finds it full while objects are accounted for. */
export function ringSlots(objects: number): number {
  let n = 2;
  while (n < objects) n *= 2;
  return n;
}

export function buildTopology(spec: ChainSpec, chainId: number, region: string, key: string): ChainTopology {
  let idx = 1;
  const gateway = { id: instanceId(chainId, idx++), fn: 'gateway', ring: 'rx-gateway' };
  const functions = spec.functions.map((f) => ({
    name: f.name,
    concurrency: f.concurrency,
    instances: Array.from({ length: f.instances }, () => {
      const id = instanceId(chainId, idx++);
      return { id, fn: f.name, ring: `rx-${id & 0xffff}` };
    }),
  }));
  const topicIds: Record<string, number> = {};
  const topicRoutes: Record<string, string> = {};
  for (const t of spec.routes.topics) {
    topicIds[t.topic] ??= Object.keys(topicIds).length + 1;
    topicRoutes[`${t.from}/${topicIds[t.topic]}`] = t.to;
  }
  return {
    chain: spec.name,
    chainId,
    transport: spec.transport,
    region,
    key,
    pool: 'objects',
    objectSize: spec.pool.objectSize,
    ringSlots: ringSlots(spec.pool.objects),
    gateway,
    functions,
    sequences: [{ functions: spec.routes.default }, ...spec.routes.sequences.map((s) => ({ path: s.path, method: s.method, functions: s.functions }))],
    topicIds,
    topicRoutes,
  };
}

/** Region bytes for the pool (payload + 64-byte object header each), rings and directory. */
export function regionBytes(spec: ChainSpec, topology: ChainTopology): number {
  const obj = Math.ceil(spec.pool.objectSize / 64) * 64 + 64;
  const rings = (1 + spec.functions.reduce((n, f) => n + f.instances, 0)) * (topology.ringSlots * 16 + 4096);
  return 4096 + spec.pool.objects * obj + 4096 + rings + (1 << 20);
}
