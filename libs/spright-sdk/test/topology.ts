// A one-instance-per-function chain topology for in-process tests: the gateway is instance 1 on
// ring rx-1, function k (0-based) instance k + 2 on ring rx-(k + 2).
import { instanceId, type ChainTopology } from '../src/topology.ts';

export interface TestTopologyOptions {
  chain: string;
  chainId: number;
  transport: ChainTopology['transport'];
  functions: { name: string; concurrency: number }[];
  /** The default sequence. */
  sequence: string[];
  topicIds?: ChainTopology['topicIds'];
  topicRoutes?: ChainTopology['topicRoutes'];
}

export function testTopology(o: TestTopologyOptions): ChainTopology {
  const id = (i: number) => instanceId(o.chainId, i);
  return {
    chain: o.chain,
    chainId: o.chainId,
    transport: o.transport,
    region: `sp${o.chain}${process.pid}`,
    key: '',
    pool: 'objects',
    objectSize: 4096,
    ringSlots: 16,
    gateway: { id: id(1), fn: 'gateway', ring: 'rx-1' },
    functions: o.functions.map((f, i) => ({ name: f.name, concurrency: f.concurrency, instances: [{ id: id(i + 2), fn: f.name, ring: `rx-${i + 2}` }] })),
    sequences: [{ functions: o.sequence }],
    topicIds: o.topicIds ?? {},
    topicRoutes: o.topicRoutes ?? {},
  };
}
