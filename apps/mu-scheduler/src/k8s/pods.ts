// What the scheduler reads from Pod and Node objects: effective requests (the kubelet's rule:
// max(Σ containers, max init container) + overhead), the function a pod belongs to, node allocatable.
import { cpuCores, memoryMiB, parseQuantity } from './quantity.ts';

/** Label that names the function a pod belongs to; falls back to the owner (ReplicaSet) name. */
export const FUNCTION_LABEL = 'mu.fastpath.io/function';

/** Resource vector [cpu cores, memory MiB, pods]. */
export type Vec = [number, number, number];

function requestsOf(c: any): [number, number] {
  const r = c?.resources?.requests ?? {};
  return [r.cpu !== undefined ? cpuCores(r.cpu) : 0, r.memory !== undefined ? memoryMiB(r.memory) : 0];
}

export function podRequests(pod: any): Vec {
  const sum: [number, number] = [0, 0];
  for (const c of pod?.spec?.containers ?? []) {
    const r = requestsOf(c);
    sum[0] += r[0];
    sum[1] += r[1];
  }
  for (const c of pod?.spec?.initContainers ?? []) {
    const r = requestsOf(c);
    sum[0] = Math.max(sum[0], r[0]);
    sum[1] = Math.max(sum[1], r[1]);
  }
  const o = pod?.spec?.overhead ?? {};
  if (o.cpu !== undefined) sum[0] += cpuCores(o.cpu);
  if (o.memory !== undefined) sum[1] += memoryMiB(o.memory);
  return [sum[0], sum[1], 1];
}

export function functionOf(pod: any): string {
  return pod?.metadata?.labels?.[FUNCTION_LABEL] ?? pod?.metadata?.ownerReferences?.[0]?.name ?? pod?.metadata?.name ?? '?';
}

export const podKey = (pod: any): string => `${pod?.metadata?.namespace ?? 'default'}/${pod?.metadata?.name}`;

export function isTerminal(pod: any): boolean {
  const phase = pod?.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Nodes the scheduler may use: Ready, not cordoned, without NoSchedule/NoExecute taints. */
export function isSchedulable(node: any): boolean {
  if (node?.spec?.unschedulable) return false;
  if ((node?.spec?.taints ?? []).some((t: any) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) return false;
  return (node?.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

export function nodeAllocatable(node: any): Vec {
  const a = node?.status?.allocatable ?? node?.status?.capacity ?? {};
  return [a.cpu !== undefined ? cpuCores(a.cpu) : 0, a.memory !== undefined ? memoryMiB(a.memory) : 0, a.pods !== undefined ? parseQuantity(a.pods) : 110];
}
