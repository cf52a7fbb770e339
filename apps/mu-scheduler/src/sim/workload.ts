// The dissertation's random placement cases (§4.4.1): 300 functions, 40 nodes; 90% of functions ask
// for < 400 MB of memory per pod and 10% for 500–2000 MB; 1–8 cores; 1–16 pods; the cluster holds
// 80% of the total CPU demand and 60% of the total memory demand, split over the nodes.
// Not specified there, chosen here: uniform draws, memory of small functions uniform in [32, 400) MB,
// node capacities equal shares of the cluster total, each varied by ±20% (then rescaled to the total)
// so nodes are heterogeneous, and every node at least as big as the largest pod (else nothing fits).
import { DEFAULT_DIMS, type FunctionSpec, type NodeSpec, type PlacementInput } from '../core/model.ts';
import { mulberry32, randInt } from '@fastpath/bench';

export interface WorkloadConfig {
  nodes: number;
  functions: number;
  cpuShare: number;
  memShare: number;
  seed: number;
}

export const DISSERTATION_CASE: Omit<WorkloadConfig, 'seed'> = { nodes: 40, functions: 300, cpuShare: 0.8, memShare: 0.6 };

export function generateCase(cfg: WorkloadConfig): PlacementInput {
  if (cfg.nodes < 1 || cfg.functions < 1) throw new RangeError('a case needs at least one node and one function');
  if (!(cfg.cpuShare > 0) || !(cfg.memShare > 0)) throw new RangeError('capacity shares must be > 0');
  const rng = mulberry32(cfg.seed);
  const functions: FunctionSpec[] = [];
  for (let i = 0; i < cfg.functions; i++) {
    const big = rng() < 0.1;
    const mem = big ? 500 + rng() * 1500 : 32 + rng() * 368;
    functions.push({ name: `fn-${i}`, demand: [randInt(rng, 1, 8), Math.round(mem)], pods: randInt(rng, 1, 16) });
  }
  const totalCpu = functions.reduce((s, f) => s + f.demand[0] * f.pods, 0) * cfg.cpuShare;
  const totalMem = functions.reduce((s, f) => s + f.demand[1] * f.pods, 0) * cfg.memShare;
  const jitter = Array.from({ length: cfg.nodes }, () => [0.8 + 0.4 * rng(), 0.8 + 0.4 * rng()]);
  const sumJ = [0, 1].map((j) => jitter.reduce((s, x) => s + x[j], 0));
  const maxPod = [Math.max(...functions.map((f) => f.demand[0])), Math.max(...functions.map((f) => f.demand[1]))];
  const nodes: NodeSpec[] = jitter.map((x, n) => ({
    name: `node-${n}`,
    capacity: [Math.max(maxPod[0], Math.round((totalCpu * x[0]) / sumJ[0])), Math.max(maxPod[1], Math.round((totalMem * x[1]) / sumJ[1]))],
  }));
  return { dims: DEFAULT_DIMS, nodes, functions };
}
