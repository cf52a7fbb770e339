// The Kubernetes target: server-side apply of a chain's manifests (@fastpath/k8s over
// @kubernetes/client-node 1.4), a list+watch until the agent DaemonSet and every Deployment of the
// chain are ready (re-listing on 410 Gone), and a clean delete found by the chain label.
import type { KubeConfig } from '@kubernetes/client-node';
import { describeRef, isReady, K8sClient, ListWatch, validateManifest, type ObjectRef } from '@fastpath/k8s';
import type { ChainSpec } from '../spec/index.ts';
import { loadChainSpec } from '../spec/index.ts';
import { explainK8sError, K8sTargetError } from './errors.ts';
import { AGENT_NAME, CHAIN_LABEL, chainManifests, hugepagesMiFor, HUGEPAGES_ANNOTATION, MANAGED_BY, manifestsYaml, parseMi, type K8sObject, type ManifestOptions } from './manifests.ts';

export interface K8sDeployOptions extends Omit<ManifestOptions, 'hugepages'> {
  timeoutMs?: number;
  /** Hugepages to reserve for the agent at least (avoids agent restarts as chains come and go). */
  agentHugepages?: string;
  log?: (m: string) => void;
  /** Called once per applied object and per workload that became ready (progress bars). */
  onStep?: (what: string) => void;
}

const serverOf = (kc: KubeConfig) => kc.getCurrentCluster()?.server ?? '?';
const keyOf = (kind: string, name: string) => `${kind} ${name}`;

/** Steps a deploy reports through onStep: every object applied, then every workload ready. */
export function deploySteps(objs: K8sObject[]): number {
  return objs.length + objs.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment').length;
}

/**
 * Hugepages for the agent: the sum over every chain in the namespace (each chain's Secret says what
 * its region needs; any node may host all of them), never less than what the agent has now (a
 * change restarts the agent pods, so it only grows) nor than the reserve asked for.
 */
export async function agentHugepages(client: K8sClient, ns: string, spec: ChainSpec, reserve?: string): Promise<string> {
  const { items } = await client.list('v1', 'Secret', { namespace: ns, labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY},${CHAIN_LABEL}` });
  let sum = hugepagesMiFor(spec);
  for (const s of items) {
    const q = s.metadata?.annotations?.[HUGEPAGES_ANNOTATION];
    if (q && s.metadata?.labels?.[CHAIN_LABEL] !== spec.name) sum += parseMi(q);
  }
  const ds = await client.get<K8sObject & { spec?: any }>({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: AGENT_NAME, namespace: ns } });
  const current = ds?.spec?.template?.spec?.containers?.[0]?.resources?.requests?.['hugepages-2Mi'] as string | undefined;
  return `${Math.max(sum, current ? parseMi(current) : 0, reserve ? parseMi(reserve) : 0)}Mi`;
}

export async function deployK8s(kc: KubeConfig, spec: ChainSpec, o: K8sDeployOptions = {}): Promise<K8sObject[]> {
  const log = o.log ?? (() => {});
  const ns = o.namespace ?? 'spright';
  const client = new K8sClient(kc, 'spright');
  const server = serverOf(kc);
  let doing = `list the chains in namespace ${ns}`;
  try {
    const hugepages = await agentHugepages(client, ns, spec, o.agentHugepages);
    const objs = chainManifests(spec, { ...o, hugepages });
    for (const obj of objs) validateManifest(obj); // nothing is sent when one is invalid
    log(`agent hugepages-2Mi: ${hugepages} (sum over the chains in ${ns})`);
    for (const obj of objs) {
      doing = `apply ${describeRef(obj)}`;
      await client.apply(obj);
      log(`applied ${describeRef(obj)}`);
      o.onStep?.(`applied ${describeRef(obj)}`);
    }
    doing = `watch the workloads of chain ${spec.name}`;
    await waitReady(client, ns, spec.name, objs, o.timeoutMs ?? 300_000, (w) => {
      log(`ready ${w}`);
      o.onStep?.(`ready ${w}`);
    });
    return objs;
  } catch (err) {
    throw explainK8sError(err, server, doing);
  }
}

/** Resolves once every DaemonSet/Deployment in `objs` is ready, watching them (list, then watch
 * from the list's resourceVersion; 410 Gone re-lists). On timeout, names the pods that are not ready. */
export async function waitReady(client: K8sClient, ns: string, chain: string, objs: K8sObject[], timeoutMs: number, onReady: (workload: string) => void): Promise<void> {
  const want = new Set(objs.filter((x) => x.kind === 'DaemonSet' || x.kind === 'Deployment').map((x) => keyOf(x.kind, x.metadata.name)));
  const ready = new Set<string>();
  const watches: ListWatch[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const update = (kind: string, obj: any, gone = false) => {
        const key = keyOf(kind, obj?.metadata?.name);
        if (!want.has(key)) return;
        // List items come without kind; the readiness rule needs it.
        if (!gone && isReady({ ...obj, kind })) {
          if (!ready.has(key)) {
            ready.add(key);
            onReady(key);
          }
        } else ready.delete(key);
        if (ready.size === want.size) resolve();
      };
      const fatal = (err: unknown) => {
        const code = (err as { code?: unknown })?.code;
        if (code === 401 || code === 403) reject(err);
      };
      for (const [kind, sel] of [
        ['DaemonSet', { fieldSelector: `metadata.name=${AGENT_NAME}` }],
        ['Deployment', { labelSelector: `${CHAIN_LABEL}=${chain}` }],
      ] as const) {
        const lw = new ListWatch(client, {
          apiVersion: 'apps/v1',
          kind,
          namespace: ns,
          ...sel,
          onList: (items) => items.forEach((i) => update(kind, i)),
          onEvent: (type, obj) => update(kind, obj, type === 'DELETED'),
          onError: fatal,
          retryDelayMs: 500,
        });
        watches.push(lw);
        lw.start().catch(reject);
      }
      timer = setTimeout(() => {
        notReady(client, ns, chain, [...want].filter((w) => !ready.has(w)), timeoutMs).then(reject, reject);
      }, timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    for (const w of watches) w.stop();
  }
}

function podProblem(p: any): string {
  const bits = [`phase ${p.status?.phase ?? 'unknown'}`];
  for (const c of p.status?.conditions ?? []) if (c.status !== 'True' && (c.reason || c.message)) bits.push(`${c.type}: ${c.reason ?? ''} ${c.message ?? ''}`.trim());
  for (const c of p.status?.containerStatuses ?? []) {
    const w = c.state?.waiting ?? c.state?.terminated;
    if (w) bits.push(`container ${c.name} ${w.reason ?? ''}${w.message ? `: ${w.message}` : ''}${c.restartCount ? ` (${c.restartCount} restarts)` : ''}`);
    else if (!c.ready) bits.push(`container ${c.name} running, not ready`);
  }
  return `pod ${p.metadata?.name}${p.spec?.nodeName ? ` on ${p.spec.nodeName}` : ''}: ${bits.join('; ')}`;
}

async function notReady(client: K8sClient, ns: string, chain: string, workloads: string[], timeoutMs: number): Promise<K8sTargetError> {
  const pods = [
    ...(await client.list('v1', 'Pod', { namespace: ns, labelSelector: `${CHAIN_LABEL}=${chain}` })).items,
    ...(await client.list('v1', 'Pod', { namespace: ns, labelSelector: `app.kubernetes.io/name=${AGENT_NAME}` })).items,
  ];
  const bad = pods.filter((p: any) => !(p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
  const details = [...workloads.map((w) => `${w}: not ready`), ...bad.map(podProblem)];
  if (bad.length === 0) details.push('no pod of these workloads exists yet (kubectl -n ' + ns + ' describe deployment,daemonset; kubectl get events)');
  return new K8sTargetError('not-ready', `spright: chain ${chain} not ready after ${Math.round(timeoutMs / 1000)} s; not ready: ${[...workloads, ...bad.map((p: any) => `pod ${p.metadata?.name}`)].join(', ')}`, details);
}

/** Deletes the chain's Deployments, Services and Secret (the shared agent DaemonSet and the
 * namespace stay unless `withAgent`), waits until they are gone. Returns what was deleted. */
export async function deleteK8s(kc: KubeConfig, chain: string, o: { namespace?: string; withAgent?: boolean; timeoutMs?: number; intervalMs?: number; log?: (m: string) => void } = {}): Promise<string[]> {
  const ns = o.namespace ?? 'spright';
  const client = new K8sClient(kc, 'spright');
  let doing = `list the objects of chain ${chain}`;
  try {
    const found: ObjectRef[] = [];
    for (const [apiVersion, kind] of [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'Secret']] as const) {
      const l = await client.list(apiVersion, kind, { namespace: ns, labelSelector: `${CHAIN_LABEL}=${chain}` });
      for (const item of l.items) found.push({ apiVersion, kind, metadata: { name: item.metadata!.name!, namespace: ns } });
    }
    if (o.withAgent) found.push({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: AGENT_NAME, namespace: ns } });
    const deleted: string[] = [];
    for (const r of found) {
      doing = `delete ${describeRef(r)}`;
      if (await client.delete(r, { propagation: 'Foreground' })) deleted.push(describeRef(r));
      o.log?.(`deleting ${describeRef(r)}`);
    }
    for (const r of found) {
      doing = `wait until ${describeRef(r)} is gone`;
      await client.waitUntilGone(r, { timeoutMs: o.timeoutMs ?? 120_000, intervalMs: o.intervalMs ?? 1000 });
    }
    return deleted;
  } catch (err) {
    throw explainK8sError(err, serverOf(kc), doing);
  }
}

/** `--dry-run`: the manifests, contacting no cluster. A fixed token keeps the output stable; a real deploy generates one. */
export function dryRunOutput(file: string, o: { output?: string; namespace?: string; image?: string; agentHugepages?: string } = {}): string {
  const spec = loadChainSpec(file);
  const own = hugepagesMiFor(spec);
  const hugepages = `${Math.max(own, o.agentHugepages ? parseMi(o.agentHugepages) : 0)}Mi`;
  const objs = chainManifests(spec, { namespace: o.namespace, image: o.image, token: 'dry-run-token-generated-at-deploy', hugepages });
  if (o.output === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 2)}\n`;
  if (o.output && o.output !== 'yaml') throw new Error(`spright: -o must be yaml or json, not "${o.output}"`);
  return manifestsYaml(objs);
}
