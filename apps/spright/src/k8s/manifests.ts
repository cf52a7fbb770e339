// Kubernetes objects for one chain (spright deploy --target k8s):
//   - Namespace and the node agent as a privileged DaemonSet (shared by every chain): hostPath
//     /dev/hugepages (regions) and /sys/fs/bpf (SPROXY pins), /run/fastpath (its control and adoption
//     sockets, shared with the chain's pods), hostPID (it must see pods' processes: SO_PEERCRED and
//     pidfds), hugepage resources sized for every chain in the namespace, readiness = sockets up
//   - a Secret with the chain spec and the chain's adoption token (the region key is not in it: the
//     agent creates the region and hands the key to admitted pods over the adoption socket)
//   - one gateway Deployment + Service per chain; the gateway pod registers the chain with its
//     node's agent and joins it (src/k8s/pod.ts)
//   - one Deployment per function (replicas = instances), pinned to the gateway's node by required
//     pod affinity on kubernetes.io/hostname (a chain's shared memory is node-local); its pods join
//     through the adoption socket
// Every chain object carries the chain label so delete finds them all.
import { createHash, randomBytes } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { workspaceRoot } from '@fastpath/native';
import type { ChainSpec } from '../spec/index.ts';
import { buildTopology, regionBytes } from '../agent/topology.ts';

export interface ManifestOptions {
  namespace?: string;
  image?: string;
  /** The chain's adoption token; generated when absent (dry runs pass a fixed one for stable output). */
  token?: string;
  /** Hugepages the agent requests per node: the sum over every chain (see deploy.ts); default this chain's. */
  hugepages?: string;
  /** Where the image holds this repository (default /opt/fastpath). */
  appDir?: string;
}

export const MANAGED_BY = 'spright';
export const DEFAULT_IMAGE = 'localhost/fastpath-spright:dev';
export const AGENT_NAME = 'spright-agent';
export const CHAIN_LABEL = 'spright.fastpath.dev/chain';
/** On a chain's Secret: the 2 MiB hugepages its region needs, so the agent is sized for all chains. */
export const HUGEPAGES_ANNOTATION = 'spright.fastpath.dev/hugepages';
const APP_DIR = '/opt/fastpath';
const STATE_DIR = '/run/fastpath/spright';
const READY_FILE = '/tmp/spright-ready';
const NODE = ['node', '--import', 'tsx'];
const POD_ENTRY = 'apps/spright/src/k8s/pod-main.ts';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

export function chainIdFor(name: string): number {
  return 1 + (createHash('sha1').update(name).digest().readUInt16LE(0) % 0xfffe);
}

/** 2 MiB pages needed for the chain's region, rounded up, in MiB. */
export function hugepagesMiFor(spec: ChainSpec): number {
  const topo = buildTopology(spec, 1, 'x', 'x');
  return Math.ceil(regionBytes(spec, topo) / (2 << 20)) * 2;
}

/** A hugepage quantity as the manifests write it ("24Mi", "1Gi") in MiB. */
export function parseMi(q: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(q.trim());
  if (!m) throw new Error(`hugepage quantity "${q}" must look like 64Mi or 1Gi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** Where a function module lives inside the image (the repository is at appDir). */
export function imagePath(module: string, appDir = APP_DIR): string {
  if (!isAbsolute(module)) return module;
  const rel = relative(workspaceRoot, module);
  if (rel.startsWith('..')) throw new Error(`function module ${module} is outside the repository, so it is not in the image; put it under ${workspaceRoot}`);
  return join(appDir, rel);
}

const base = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/part-of': 'fastpath' };
const runVolumes = [
  { name: 'hugepages', hostPath: { path: '/dev/hugepages', type: 'Directory' } },
  { name: 'run-fastpath', hostPath: { path: '/run/fastpath', type: 'DirectoryOrCreate' } },
];
const runMounts = [
  { name: 'hugepages', mountPath: '/dev/hugepages' },
  { name: 'run-fastpath', mountPath: '/run/fastpath' },
];
const podIdentityEnv = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
];

/** The Namespace and the node agent DaemonSet every chain shares. */
export function agentManifests(o: { namespace?: string; image?: string; hugepages: string; appDir?: string }): K8sObject[] {
  const ns = o.namespace ?? 'spright';
  const labels = { ...base, 'app.kubernetes.io/name': AGENT_NAME };
  const socketsUp = ['sh', '-c', `test -S ${STATE_DIR}/agent.sock && test -S ${STATE_DIR}/adopt.sock`];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: base } },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: AGENT_NAME, namespace: ns, labels },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } },
        template: {
          metadata: { labels },
          spec: {
            hostPID: true,
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'agent',
                image: o.image ?? DEFAULT_IMAGE,
                workingDir: o.appDir ?? APP_DIR,
                command: [...NODE, 'apps/spright/src/agent/main.ts', '--persistent'],
                env: [{ name: 'SPRIGHT_STATE_DIR', value: STATE_DIR }],
                securityContext: { privileged: true },
                resources: {
                  requests: { cpu: '100m', memory: '256Mi', 'hugepages-2Mi': o.hugepages },
                  limits: { memory: '256Mi', 'hugepages-2Mi': o.hugepages },
                },
                readinessProbe: { exec: { command: socketsUp }, periodSeconds: 2, failureThreshold: 3 },
                livenessProbe: { exec: { command: socketsUp }, initialDelaySeconds: 10, periodSeconds: 10 },
                volumeMounts: [...runMounts, { name: 'bpffs', mountPath: '/sys/fs/bpf', mountPropagation: 'Bidirectional' }],
              },
            ],
            volumes: [...runVolumes, { name: 'bpffs', hostPath: { path: '/sys/fs/bpf', type: 'Directory' } }],
          },
        },
      },
    },
  ];
}

export function chainManifests(inputSpec: ChainSpec, o: ManifestOptions = {}): K8sObject[] {
  const appDir = o.appDir ?? APP_DIR;
  const spec: ChainSpec = { ...inputSpec, functions: inputSpec.functions.map((f) => ({ ...f, module: imagePath(f.module, appDir) })) };
  const ns = o.namespace ?? 'spright';
  const image = o.image ?? DEFAULT_IMAGE;
  const token = o.token ?? randomBytes(24).toString('hex');
  const ownMi = hugepagesMiFor(spec);
  const chainLabels = { ...base, [CHAIN_LABEL]: spec.name };
  const gwSelector = { [CHAIN_LABEL]: spec.name, 'spright.fastpath.dev/role': 'gateway' };
  const gwLabels = { ...chainLabels, 'app.kubernetes.io/name': `${spec.name}-gateway`, 'spright.fastpath.dev/role': 'gateway' };
  const secret = `${spec.name}-chain`;
  const chainEnv = [
    { name: 'SPRIGHT_CHAIN', value: spec.name },
    { name: 'SPRIGHT_TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'token' } } },
    { name: 'SPRIGHT_STATE_DIR', value: STATE_DIR },
    ...podIdentityEnv,
  ];
  // The data plane needs no privilege in the pods: the agent creates the region and the SPROXY
  // socket; IPC_LOCK lets the process lock its mapping of the pool.
  const chainPodSecurity = { capabilities: { add: ['IPC_LOCK'] } };

  const objs: K8sObject[] = agentManifests({ namespace: ns, image, appDir, hugepages: o.hugepages ?? `${ownMi}Mi` });
  objs.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret, namespace: ns, labels: chainLabels, annotations: { [HUGEPAGES_ANNOTATION]: `${ownMi}Mi` } },
    type: 'Opaque',
    stringData: { 'chain.json': JSON.stringify(spec), token },
  });
  const pinToGateway = {
    podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: gwSelector }, topologyKey: 'kubernetes.io/hostname' }] },
  };
  const gwPort = spec.gateway.port;
  objs.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${spec.name}-gateway`, namespace: ns, labels: gwLabels },
    spec: {
      replicas: 1,
      selector: { matchLabels: gwSelector },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: gwLabels },
        spec: {
          containers: [
            {
              name: 'gateway',
              image,
              workingDir: appDir,
              command: [...NODE, POD_ENTRY, 'gateway'],
              env: [...chainEnv, { name: 'SPRIGHT_CHAIN_SPEC', valueFrom: { secretKeyRef: { name: secret, key: 'chain.json' } } }],
              ports: [{ name: 'http', containerPort: gwPort, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10 },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: chainPodSecurity,
              volumeMounts: runMounts,
            },
          ],
          volumes: runVolumes,
        },
      },
    },
  });
  objs.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${spec.name}-gateway`, namespace: ns, labels: gwLabels },
    spec: { selector: gwSelector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  });
  for (const f of spec.functions) {
    const selector = { [CHAIN_LABEL]: spec.name, 'spright.fastpath.dev/function': f.name };
    const labels = { ...chainLabels, 'app.kubernetes.io/name': `${spec.name}-${f.name}`, 'spright.fastpath.dev/role': 'function', 'spright.fastpath.dev/function': f.name };
    const res = { requests: { cpu: f.resources?.cpu ?? '100m', memory: f.resources?.memory ?? '128Mi' }, limits: { memory: f.resources?.memory ?? '256Mi' } };
    // Replicas are the function's instances: the agent assigns each pod a free instance slot.
    objs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${spec.name}-${f.name}`, namespace: ns, labels },
      spec: {
        replicas: f.instances,
        selector: { matchLabels: selector },
        // A replacement pod can only join once the old one left its slot.
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: {
            affinity: pinToGateway,
            containers: [
              {
                name: f.name,
                image,
                workingDir: appDir,
                command: [...NODE, POD_ENTRY, 'function'],
                env: [
                  ...chainEnv,
                  { name: 'SPRIGHT_FUNCTION', value: f.name },
                  { name: 'SPRIGHT_MODULE', value: f.module },
                  { name: 'SPRIGHT_READY_FILE', value: READY_FILE },
                  ...Object.entries(f.env).map(([k, v]) => ({ name: k, value: v })),
                ],
                // Ready once adopted and attached to the data plane (pod.ts touches the file).
                readinessProbe: { exec: { command: ['test', '-f', READY_FILE] }, periodSeconds: 2, failureThreshold: 3 },
                resources: res,
                securityContext: chainPodSecurity,
                volumeMounts: runMounts,
              },
            ],
            volumes: runVolumes,
          },
        },
      },
    });
  }
  return objs;
}

/** The manifests as one multi-document YAML stream (stable key order). */
export function manifestsYaml(objs: K8sObject[]): string {
  return objs.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
