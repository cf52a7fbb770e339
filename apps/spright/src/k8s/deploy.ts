// Applies a chain's manifests with server-side apply (@fastpath/k8s over @kubernetes/client-node
// 1.4), waits until the agent DaemonSet and every Deployment are ready, and deletes a chain's
// objects (found by its label) cleanly, waiting until they are gone.
import type { KubeConfig } from '@kubernetes/client-node';
import { describeRef, K8sClient, validateManifest, type ObjectRef } from '@fastpath/k8s';
import type { ChainSpec } from '../spec/index.ts';
import { chainManifests, type K8sObject, type ManifestOptions } from './manifests.ts';

export interface K8sDeployOptions extends ManifestOptions {
  timeoutMs?: number;
  intervalMs?: number;
  log?: (m: string) => void;
}

const ref = (o: K8sObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace } });

export async function deployK8s(kc: KubeConfig, spec: ChainSpec, o: K8sDeployOptions = {}): Promise<K8sObject[]> {
  const log = o.log ?? (() => {});
  const objs = chainManifests(spec, o);
  for (const obj of objs) validateManifest(obj); // nothing is sent when one is invalid
  const client = new K8sClient(kc, 'spright');
  for (const obj of objs) {
    await client.apply(obj);
    log(`applied ${describeRef(obj)}`);
  }
  const waitOn = objs.filter((x) => x.kind === 'DaemonSet' || x.kind === 'Deployment');
  for (const obj of waitOn) {
    await client.waitUntilReady(ref(obj), { timeoutMs: o.timeoutMs ?? 180_000, intervalMs: o.intervalMs ?? 1000 });
    log(`ready ${describeRef(obj)}`);
  }
  return objs;
}

/** Deletes the chain's Deployments, Services and Secret (the shared agent DaemonSet and the
 * namespace stay unless `withAgent`). Returns what was deleted. */
export async function deleteK8s(kc: KubeConfig, chain: string, o: { namespace?: string; withAgent?: boolean; timeoutMs?: number; intervalMs?: number; log?: (m: string) => void } = {}): Promise<string[]> {
  const ns = o.namespace ?? 'spright';
  const client = new K8sClient(kc, 'spright');
  const selector = `spright.fastpath.dev/chain=${chain}`;
  const found: ObjectRef[] = [];
  for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'Secret']] as const) {
    const l = await client.list(apiVersion, kind, { namespace: ns, labelSelector: selector });
    for (const item of l.items) found.push({ apiVersion, kind, metadata: { name: item.metadata!.name!, namespace: ns } });
  }
  if (o.withAgent) found.push({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'spright-agent', namespace: ns } });
  const deleted: string[] = [];
  for (const r of found) {
    if (await client.delete(r, { propagation: 'Foreground' })) deleted.push(describeRef(r));
    o.log?.(`deleting ${describeRef(r)}`);
  }
  for (const r of found) await client.waitUntilGone(r, { timeoutMs: o.timeoutMs ?? 120_000, intervalMs: o.intervalMs ?? 1000 });
  return deleted;
}
