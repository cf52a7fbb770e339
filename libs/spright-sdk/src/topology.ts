// What every process of a chain knows about it: ids, the region and its key, instances and
// routes. The agent builds it from the spec and hands it to the gateway and each function
// process (env SPRIGHT_TOPOLOGY, JSON); the region key is only ever given to that chain's processes.
export type TransportMode = 's' | 'd' | 'h';

export interface InstanceInfo {
  /** Globally unique instance id (descriptor `instance`): chain id << 16 | index. */
  id: number;
  fn: string;
  /** Name of its receive ring inside the chain region (D/H modes). */
  ring: string;
}

export interface ChainTopology {
  chain: string;
  /** Security domain id (descriptor `chain`). */
  chainId: number;
  transport: TransportMode;
  region: string;
  /** Region key, hex (128 bits). */
  key: string;
  pool: string;
  objectSize: number;
  ringSlots: number;
  gateway: InstanceInfo;
  functions: { name: string; concurrency: number; instances: InstanceInfo[] }[];
  /** sequences[0] = routes.default; others match path/method. */
  sequences: { path?: string; method?: string; functions: string[] }[];
  /** topic name -> 12-bit id (1..4095); 0 means "no topic". */
  topicIds: Record<string, number>;
  /** "from/topicId" -> function name. */
  topicRoutes: Record<string, string>;
}

export function instanceId(chainId: number, index: number): number {
  // >>> 0 keeps it an unsigned u32 for chain ids >= 0x8000.
  return ((chainId << 16) | index) >>> 0;
}

export function allInstances(t: ChainTopology): InstanceInfo[] {
  return [t.gateway, ...t.functions.flatMap((f) => f.instances)];
}

export function findInstance(t: ChainTopology, id: number): InstanceInfo | undefined {
  return allInstances(t).find((i) => i.id === id);
}

/** Index of the sequence for a request (first matching path/method, else 0 = default). */
export function matchSequence(t: ChainTopology, method: string, path: string): number {
  for (let i = 1; i < t.sequences.length; i++) {
    const s = t.sequences[i];
    if ((s.path === path || (s.path && path.startsWith(s.path.endsWith('/') ? s.path : `${s.path}/`))) && (!s.method || s.method === method)) return i;
  }
  return 0;
}
