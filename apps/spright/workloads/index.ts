// The dissertation's workloads as chain specs (+ their load profiles), by name.
import { join } from 'node:path';
import { loadChainSpec, type ChainSpec } from '../src/spec/index.ts';

export const WORKLOADS = ['chain2', 'boutique', 'motion', 'parking'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const workloadSpecPath = (w: WorkloadName) => join(import.meta.dirname, w, 'chain.yaml');

/** Loads a workload's spec; `name` renames the chain (tests use pid-unique names), `env` is
 * merged into every function's env. */
export function workloadSpec(w: WorkloadName, o: { name?: string; env?: Record<string, string>; transport?: ChainSpec['transport'] } = {}): ChainSpec {
  const s = loadChainSpec(workloadSpecPath(w));
  return { ...s, name: o.name ?? s.name, transport: o.transport ?? s.transport, functions: s.functions.map((f) => ({ ...f, env: { ...f.env, ...o.env } })) };
}
