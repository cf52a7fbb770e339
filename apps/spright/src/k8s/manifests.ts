// Kubernetes objects for one chain (spright deploy --target k8s):
//   - Namespace
//   - the node agent as a privileged DaemonSet: hostPath /dev/hugepages and /sys/fs/bpf (SPROXY
//     pins), /run/fastpath (agent socket, shared with the chain's pods), hugepage resources,
//     hostPID (SPROXY registers sockets of other processes via pidfd_getfd), readiness = socket up
//   - a Secret with the chain topology (region name, key, instance ids, routes): the key is what
//     keeps another chain out of this chain's region
//   - one gateway Deployment + Service per chain
//   - one Deployment per function, pinned to the gateway's node by required pod affinity on
//     kubernetes.io/hostname (a chain's shared memory is node-local)
// Every object carries app.kubernetes.io labels with the chain name so delete finds them all.
import { createHash, randomBytes } from 'node:crypto';
import { isAbsolute, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { workspaceRoot } from '@fastpath/native';
import type { ChainSpec } from '../spec/index.ts';
import { buildTopology, regionBytes } from '../agent/topology.ts';

export interface ManifestOptions {
  namespace?: string;
  image?: string;
  /** Region key; generated when absent (dry runs pass a fixed one for stable output). */
  key?: string;
  /** Chain id in SPROXY maps; derived from the chain name when absent (stable). */
  chainId?: number;
  /** Hugepages the agent requests per node (a chain's pool must fit). */
  hugepages?: string;
}

export const MANAGED_BY = 'spright';
export const DEFAULT_IMAGE = 'localhost/fastpath-spright:dev';
const APP_DIR = '/opt/fastpath';
const NODE = ['node', '--import', 'tsx'];

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

export function chainIdFor(name: string): number {
  return 1 + (createHash('sha1').update(name).digest().readUInt16LE(0) % 0xfffe);
}

/** 2 MiB pages needed for the chain's region, rounded up, as a Kubernetes quantity. */
export function hugepagesFor(spec: ChainSpec): string {
  const topo = buildTopology(spec, 1, 'x', 'x');
  const mib = Math.ceil(regionBytes(spec, topo) / (2 << 20)) * 2;
  return `${mib}Mi`;
}

/** Where a function module lives inside the image (the repository is at APP_DIR). */
export function imagePath(module: string): string {
  if (!isAbsolute(module)) return module;
  const rel = relative(workspaceRoot, module);
  if (rel.startsWith('..')) throw new Error(`function module ${module} is outside the repository, so it is not in the image; put it under ${workspaceRoot}`);
  return join(APP_DIR, rel);
}

export function chainManifests(inputSpec: ChainSpec, o: ManifestOptions = {}): K8sObject[] {
  const spec: ChainSpec = { ...inputSpec, functions: inputSpec.functions.map((f) => ({ ...f, module: imagePath(f.module) })) };
  const ns = o.namespace ?? 'spright';
  const image = o.image ?? DEFAULT_IMAGE;
  const chainId = o.chainId ?? chainIdFor(spec.name);
  const key = o.key ?? randomBytes(16).toString('hex');
  const region = `sp-k8s-${spec.name}`;
  const topology = buildTopology(spec, chainId, region, key);
  const hp = o.hugepages ?? hugepagesFor(spec);
  const base = { 'app.kubernetes.io/managed-by': MANAGED_BY, 'app.kubernetes.io/part-of': 'fastpath' };
  const chainLabels = { ...base, 'spright.fastpath.dev/chain': spec.name };
  const gwLabels = { ...chainLabels, 'app.kubernetes.io/name': `${spec.name}-gateway`, 'spright.fastpath.dev/role': 'gateway' };
  const runVolumes = [
    { name: 'hugepages', hostPath: { path: '/dev/hugepages', type: 'Directory' } },
    { name: 'run-fastpath', hostPath: { path: '/run/fastpath', type: 'DirectoryOrCreate' } },
  ];
  const runMounts = [
    { name: 'hugepages', mountPath: '/dev/hugepages' },
    { name: 'run-fastpath', mountPath: '/run/fastpath' },
  ];
  const topoEnv = [
    { name: 'SPRIGHT_TOPOLOGY', valueFrom: { secretKeyRef: { name: `${spec.name}-topology`, key: 'topology.json' } } },
    { name: 'SPRIGHT_STATE_DIR', value: '/run/fastpath/spright' },
  ];
  const sproxyEnv = spec.transport === 's' ? [{ name: 'SPRIGHT_SPROXY_SOCKET', value: '/run/fastpath/spright/sproxy.sock' }] : [];
  const chainPodSecurity = {
    // Attaching the hugepage region and registering with SPROXY (pidfd_getfd by the agent) needs
    // the agent to see this pod's processes: hostPID; the data plane needs no other privilege.
    capabilities: { add: ['IPC_LOCK'] },
  };

  const objs: K8sObject[] = [];
  objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: base } });
  objs.push({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'spright-agent', namespace: ns, labels: { ...base, 'app.kubernetes.io/name': 'spright-agent' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'spright-agent' } },
      template: {
        metadata: { labels: { ...base, 'app.kubernetes.io/name': 'spright-agent' } },
        spec: {
          hostPID: true,
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'agent',
              image,
              workingDir: APP_DIR,
              command: [...NODE, 'apps/spright/src/agent/main.ts'],
              env: [{ name: 'SPRIGHT_STATE_DIR', value: '/run/fastpath/spright' }],
              securityContext: { privileged: true },
              resources: {
                requests: { cpu: '100m', memory: '256Mi', 'hugepages-2Mi': hp },
                limits: { memory: '256Mi', 'hugepages-2Mi': hp },
              },
              readinessProbe: { exec: { command: ['test', '-S', '/run/fastpath/spright/agent.sock'] }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { exec: { command: ['test', '-S', '/run/fastpath/spright/agent.sock'] }, initialDelaySeconds: 10, periodSeconds: 10 },
              volumeMounts: [...runMounts, { name: 'bpffs', mountPath: '/sys/fs/bpf', mountPropagation: 'Bidirectional' }],
            },
          ],
          volumes: [...runVolumes, { name: 'bpffs', hostPath: { path: '/sys/fs/bpf', type: 'Directory' } }],
        },
      },
    },
  });
  objs.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${spec.name}-topology`, namespace: ns, labels: chainLabels },
    type: 'Opaque',
    stringData: { 'topology.json': JSON.stringify(topology), 'chain.json': JSON.stringify(spec) },
  });
  const pinToGateway = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { 'spright.fastpath.dev/chain': spec.name, 'spright.fastpath.dev/role': 'gateway' } }, topologyKey: 'kubernetes.io/hostname' }],
    },
  };
  const gwPort = spec.gateway.port;
  objs.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${spec.name}-gateway`, namespace: ns, labels: gwLabels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'spright.fastpath.dev/chain': spec.name, 'spright.fastpath.dev/role': 'gateway' } },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: gwLabels },
        spec: {
          hostPID: true,
          containers: [
            {
              name: 'gateway',
              image,
              workingDir: APP_DIR,
              command: [...NODE, 'apps/spright/src/gateway/main.ts'],
              env: [...topoEnv, ...sproxyEnv, { name: 'SPRIGHT_INSTANCE', value: String(topology.gateway.id) }, { name: 'SPRIGHT_GATEWAY', value: JSON.stringify({ ...spec.gateway, address: '0.0.0.0', netns: false }) }],
              ports: [{ name: 'http', containerPort: gwPort, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10 },
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
    spec: { selector: { 'spright.fastpath.dev/chain': spec.name, 'spright.fastpath.dev/role': 'gateway' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  });
  for (const f of spec.functions) {
    const tf = topology.functions.find((x) => x.name === f.name)!;
    const labels = { ...chainLabels, 'app.kubernetes.io/name': `${spec.name}-${f.name}`, 'spright.fastpath.dev/role': 'function', 'spright.fastpath.dev/function': f.name };
    const res: Record<string, Record<string, string>> = { requests: { cpu: f.resources?.cpu ?? '100m', memory: f.resources?.memory ?? '128Mi' }, limits: { memory: f.resources?.memory ?? '256Mi' } };
    // One Deployment per instance: an instance id is part of the topology (its ring, its SPROXY
    // key), so instances are distinct pods rather than replicas of one template.
    tf.instances.forEach((inst, i) => {
      const name = f.instances === 1 ? `${spec.name}-${f.name}` : `${spec.name}-${f.name}-${i}`;
      objs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { 'spright.fastpath.dev/chain': spec.name, 'spright.fastpath.dev/function': f.name, 'spright.fastpath.dev/instance': String(inst.id) } },
          strategy: { type: 'Recreate' },
          template: {
            metadata: { labels: { ...labels, 'spright.fastpath.dev/instance': String(inst.id) } },
            spec: {
              hostPID: true,
              affinity: pinToGateway,
              containers: [
                {
                  name: f.name,
                  image,
                  workingDir: APP_DIR,
                  command: [...NODE, 'libs/spright-sdk/src/host-main.ts'],
                  env: [...topoEnv, ...sproxyEnv, { name: 'SPRIGHT_INSTANCE', value: String(inst.id) }, { name: 'SPRIGHT_MODULE', value: f.module }, { name: 'SPRIGHT_FUNCTION', value: f.name }, ...Object.entries(f.env).map(([k, v]) => ({ name: k, value: v }))],
                  // Ready once the data plane is attached: the host touches nothing else, so the
                  // probe checks the process is alive and attached to the region file.
                  readinessProbe: { exec: { command: ['sh', '-c', `grep -q ${region} /proc/1/maps`] }, periodSeconds: 2, failureThreshold: 3 },
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
    });
  }
  return objs;
}

/** The manifests as one multi-document YAML stream (stable key order). */
export function manifestsYaml(objs: K8sObject[]): string {
  return objs.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
}
