// Cluster mode: pick nodes, detect the CNI, deploy the server pod, run each client test as a
// pinned pod, collect results from termination messages, tear everything down.
import type { K8sClient } from '@fastpath/k8s';
import { summarize, type Summary } from '@fastpath/bench';
import { parseAb, type AbResult } from '../measure/http.ts';
import { clientPod, namespace, serverPod, validated, type ClientTest, type Images } from './manifests.ts';
import { parseIperfSummary, parseNetperfRr, type NetperfRr } from './parse.ts';

export interface K8sOptions {
  namespace: string;
  sameNode: boolean;
  serverNode?: string;
  clientNode?: string;
  seconds: number;
  repeats: number;
  httpConcurrency: number[];
  images: Images;
  timeoutMs: number;
  pollMs: number;
  keep: boolean;
}

export interface NodeInfo {
  name: string;
  kernel: string;
  os: string;
  runtime: string;
  kubelet: string;
  podCIDR?: string;
  internalIP?: string;
}

export interface K8sResult {
  cni: string[];
  server: NodeInfo;
  client: NodeInfo;
  placement: 'same-node' | 'two-nodes';
  rr: { runs: NetperfRr[]; p50: Summary; p99: Summary };
  stream: { runs: { gbps: number }[]; gbps: Summary };
  http: AbResult[];
}

const CNI_PATTERNS: [string, RegExp][] = [
  ['cilium', /^cilium(-|$)/],
  ['calico', /^calico-node/],
  ['flannel', /(^kube-flannel|^flannel)/],
  ['weave', /^weave-net/],
  ['kube-router', /^kube-router/],
  ['kindnet', /^kindnet/],
  ['antrea', /^antrea-agent/],
];

/** CNI(s) running in the cluster, recognised by their DaemonSet pods in kube-system. */
export async function detectCni(c: K8sClient): Promise<string[]> {
  const { items } = await c.list('v1', 'Pod', { namespace: 'kube-system' });
  const found = new Set<string>();
  for (const p of items) for (const [cni, re] of CNI_PATTERNS) if (re.test(p.metadata?.name ?? '')) found.add(cni);
  return [...found];
}

function nodeInfo(n: any): NodeInfo {
  const i = n.status?.nodeInfo ?? {};
  return {
    name: n.metadata.name,
    kernel: i.kernelVersion ?? '?',
    os: i.osImage ?? '?',
    runtime: i.containerRuntimeVersion ?? '?',
    kubelet: i.kubeletVersion ?? '?',
    podCIDR: n.spec?.podCIDR,
    internalIP: (n.status?.addresses ?? []).find((a: any) => a.type === 'InternalIP')?.address,
  };
}

export async function pickNodes(c: K8sClient, o: Pick<K8sOptions, 'sameNode' | 'serverNode' | 'clientNode'>): Promise<{ server: NodeInfo; client: NodeInfo }> {
  const { items } = await c.list('v1', 'Node');
  const ready = items.filter((n: any) => !n.spec?.unschedulable && (n.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'));
  const byName = (name: string) => {
    const n = items.find((x) => x.metadata?.name === name);
    if (!n) throw new Error(`node ${name} not found; nodes: ${items.map((x) => x.metadata?.name).join(', ')}`);
    return n;
  };
  if (!ready.length && !(o.serverNode && o.clientNode)) throw new Error('no Ready, schedulable node in the cluster');
  const server = o.serverNode ? byName(o.serverNode) : ready[0];
  let client = o.clientNode ? byName(o.clientNode) : o.sameNode ? server : ready.find((n) => n.metadata?.name !== server.metadata?.name);
  if (!client) throw new Error('two-node placement needs two Ready nodes (this cluster has one); use --same-node');
  if (o.sameNode && client.metadata?.name !== server.metadata?.name) client = server;
  return { server: nodeInfo(server), client: nodeInfo(client) };
}

async function waitPhase(c: K8sClient, ns: string, name: string, o: K8sOptions): Promise<any> {
  return c.waitUntilReady({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns } }, {
    timeoutMs: o.timeoutMs,
    intervalMs: o.pollMs,
    isReady: (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
  });
}

let seq = 0;

async function runClient(c: K8sClient, o: K8sOptions, node: string, t: ClientTest, ip: string): Promise<string> {
  const name = `cni-bench-${t.kind}-${++seq}`;
  await c.apply(validated(clientPod(o.namespace, name, node, t, ip, o.images)));
  const p = await waitPhase(c, o.namespace, name, o);
  const term = p.status?.containerStatuses?.[0]?.state?.terminated;
  const msg: string = term?.message ?? '';
  await c.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: o.namespace } }, { propagation: 'Background', gracePeriodSeconds: 0 });
  if (p.status.phase !== 'Succeeded') throw new Error(`${t.kind} client pod ${name} failed (exit ${term?.exitCode}): ${msg.slice(0, 400)}`);
  return msg;
}

export async function runK8s(c: K8sClient, o: K8sOptions, log: (s: string) => void = () => undefined): Promise<K8sResult> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.namespace) || o.namespace.length > 63) throw new Error(`namespace "${o.namespace}" is not a valid DNS label`);
  const cni = await detectCni(c);
  const nodes = await pickNodes(c, o);
  log(`CNI: ${cni.join(', ') || 'unknown'}; server on ${nodes.server.name}, client on ${nodes.client.name}`);
  await c.apply(validated(namespace(o.namespace)));
  try {
    await c.apply(validated(serverPod(o.namespace, nodes.server.name, o.images)));
    const srv: any = await c.waitUntilReady({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cni-bench-server', namespace: o.namespace } }, { timeoutMs: o.timeoutMs, intervalMs: o.pollMs });
    const ip = srv.status?.podIP;
    if (!ip) throw new Error('server pod is Ready but has no podIP');
    const rrRuns: NetperfRr[] = [];
    const stRuns: { gbps: number }[] = [];
    for (let i = 0; i < o.repeats; i++) {
      log(`repeat ${i + 1}/${o.repeats}: RR, stream`);
      rrRuns.push(parseNetperfRr(await runClient(c, o, nodes.client.name, { kind: 'rr', seconds: o.seconds }, ip)));
      stRuns.push(parseIperfSummary(await runClient(c, o, nodes.client.name, { kind: 'stream', seconds: o.seconds }, ip)));
    }
    const http: AbResult[] = [];
    for (const conc of o.httpConcurrency) {
      log(`HTTP, ${conc} clients`);
      http.push(parseAb(await runClient(c, o, nodes.client.name, { kind: 'http', concurrency: conc, requests: Math.max(2 * conc, 20) }, ip), conc));
    }
    return {
      cni,
      ...nodes,
      placement: nodes.server.name === nodes.client.name ? 'same-node' : 'two-nodes',
      rr: { runs: rrRuns, p50: summarize(rrRuns.map((r) => r.p50_us)), p99: summarize(rrRuns.map((r) => r.p99_us)) },
      stream: { runs: stRuns, gbps: summarize(stRuns.map((r) => r.gbps)) },
      http,
    };
  } finally {
    if (!o.keep) await teardown(c, o.namespace, o);
  }
}

export async function teardown(c: K8sClient, ns: string, o: Pick<K8sOptions, 'timeoutMs' | 'pollMs'>): Promise<void> {
  const ref = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
  if (await c.delete(ref, { propagation: 'Foreground' })) await c.waitUntilGone(ref, { timeoutMs: o.timeoutMs, intervalMs: o.pollMs });
}

/** Namespaces cni-bench created (by label), for `cni-bench k8s teardown`. */
export async function ourNamespaces(c: K8sClient): Promise<string[]> {
  const { items } = await c.list('v1', 'Namespace', { labelSelector: 'app.kubernetes.io/part-of=cni-bench' });
  return items.map((n) => n.metadata!.name!);
}
