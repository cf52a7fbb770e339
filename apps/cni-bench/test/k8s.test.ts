// Cluster mode against the recording loopback API server of @fastpath/k8s (no cluster exists
// here). A fake "kubelet" loop plays the node: it marks the server pod Ready with an IP and
// completes client pods with the termination message their real command would produce.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';
import { K8sClient, RecordingApiServer, validateManifest, validateManifestFile } from '@fastpath/k8s';
import { DEFAULT_IMAGES, clientCommand, clientPod, namespace, serverPod } from '../src/k8s/manifests.ts';
import { parseIperfSummary, parseNetperfRr } from '../src/k8s/parse.ts';
import { runK8s, type K8sOptions } from '../src/k8s/run.ts';

const NS = 'cni-bench-test';
const node = (name: string, ready = true) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  spec: { podCIDR: `10.244.${name.at(-1)}.0/24` },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    addresses: [{ type: 'InternalIP', address: `192.0.2.${name.at(-1)}` }],
    nodeInfo: { kernelVersion: '6.8.0', osImage: 'Ubuntu 24.04', containerRuntimeVersion: 'containerd://1.7', kubeletVersion: 'v1.31.0' },
  },
});
const cniPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'calico-node-x7k2p', namespace: 'kube-system' }, spec: { containers: [{ name: 'c', image: 'calico/node' }] } };

const NETPERF = 'MIGRATED TCP REQUEST/RESPONSE TEST\n50th Percentile Latency Microseconds,99th Percentile Latency Microseconds,Mean Latency Microseconds,Transaction Rate Tran/s\n45,120,50.50,19800.12\n';
const IPERF = '[  5]   0.00-10.00  sec  1.10 GBytes   943 Mbits/sec    0             sender\n[  5]   0.00-10.04  sec  1.10 GBytes   941 Mbits/sec                  receiver\n\niperf Done.\n';
const ab = (c: number, n: number) => `Complete requests:      ${n}\nFailed requests:        0\nRequests per second:    ${100 + c} [#/sec] (mean)\nTime per request:       ${c * 10}.5 [ms] (mean)\nTime per request:       1.0 [ms] (mean, across all concurrent requests)\nTransfer rate:          500000.00 [Kbytes/sec] received\n  50%    ${c * 9}\n  99%    ${c * 20}\n`;

let server: RecordingApiServer | undefined;
let kubelet: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(kubelet);
  await server?.close();
});

function startKubelet(s: RecordingApiServer, fail?: string) {
  kubelet = setInterval(() => {
    for (const p of s.list('Pod')) {
      if (p.metadata.namespace !== NS || p.status?.phase) continue;
      const role = p.metadata.labels['cni-bench/role'];
      if (role === 'server') {
        s.upsert({ ...p, status: { phase: 'Running', podIP: '10.244.1.7', conditions: [{ type: 'Ready', status: 'True' }] } });
        continue;
      }
      const test = p.metadata.labels['cni-bench/test'];
      const cmd: string = p.spec.containers[0].command[2];
      const message = test === 'rr' ? NETPERF : test === 'stream' ? IPERF : ab(Number(/-c (\d+)/.exec(cmd)?.[1]), Number(/-n (\d+)/.exec(cmd)?.[1]));
      const failed = test === fail;
      s.upsert({ ...p, status: { phase: failed ? 'Failed' : 'Succeeded', containerStatuses: [{ name: 'client', state: { terminated: { exitCode: failed ? 1 : 0, message: failed ? 'connect failed: No route to host' : message } } }] } });
    }
  }, 10);
}

const opts = (o: Partial<K8sOptions> = {}): K8sOptions => ({
  namespace: NS,
  sameNode: false,
  seconds: 1,
  repeats: 2,
  httpConcurrency: [1, 50],
  images: DEFAULT_IMAGES,
  timeoutMs: 10_000,
  pollMs: 20,
  keep: false,
  ...o,
});

describe('cluster mode against a recording API server', () => {
  it('pins server and clients to two nodes, collects results, detects the CNI, tears down', async () => {
    server = await new RecordingApiServer({ objects: [node('node1'), node('node2'), cniPod] }).start();
    startKubelet(server);
    const r = await runK8s(new K8sClient(server.kubeConfig(), 'cni-bench'), opts());
    expect(r.cni).toEqual(['calico']);
    expect(r.placement).toBe('two-nodes');
    expect(r.server).toMatchObject({ name: 'node1', kernel: '6.8.0', podCIDR: '10.244.1.0/24', internalIP: '192.0.2.1' });
    expect(r.client.name).toBe('node2');
    expect(r.rr.p50.mean).toBe(45);
    expect(r.rr.runs).toHaveLength(2);
    expect(r.stream.gbps.mean).toBeCloseTo(0.941);
    expect(r.http.map((h) => [h.concurrency, h.requests, h.rps])).toEqual([[1, 20, 101], [50, 100, 150]]);

    // The API calls: server-side apply with our field manager, each object schema-valid and pinned.
    const applies = server.requests.filter((q) => q.method === 'PATCH');
    expect(applies.every((q) => q.contentType.startsWith('application/apply-patch+yaml') && q.query.fieldManager === 'cni-bench')).toBe(true);
    for (const q of applies) validateManifest(q.body);
    const pods = applies.filter((q) => q.body.kind === 'Pod').map((q) => q.body);
    expect(pods[0].metadata.name).toBe('cni-bench-server');
    expect(pods[0].spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'node1' });
    const clients = pods.slice(1);
    expect(clients).toHaveLength(2 * 2 + 2);
    expect(clients.every((p) => p.spec.nodeSelector['kubernetes.io/hostname'] === 'node2' && p.spec.restartPolicy === 'Never')).toBe(true);
    expect(clients.find((p) => p.metadata.labels['cni-bench/test'] === 'rr').spec.containers[0].command[2]).toContain('netperf -H 10.244.1.7 -p 12865 -t TCP_RR');
    // client pods are deleted after reading, the namespace at the end, and it is gone
    expect(server.requestsTo('DELETE', /\/namespaces\/cni-bench-test\/pods\/cni-bench-(rr|stream|http)-/).length).toBe(6);
    expect(server.requestsTo('DELETE', '/api/v1/namespaces/cni-bench-test').at(-1)?.query.propagationPolicy ?? server.requestsTo('DELETE', '/api/v1/namespaces/cni-bench-test').at(-1)?.body?.propagationPolicy).toBe('Foreground');
    expect(server.get('v1', 'Namespace', NS)).toBeUndefined();
  });

  it('--same-node puts both on one node; two nodes are required otherwise', async () => {
    server = await new RecordingApiServer({ objects: [node('node1'), node('node2', false)] }).start();
    startKubelet(server);
    const c = new K8sClient(server.kubeConfig(), 'cni-bench');
    await expect(runK8s(c, opts())).rejects.toThrow(/two-node placement needs two Ready nodes.*--same-node/);
    const r = await runK8s(c, opts({ sameNode: true, repeats: 1, httpConcurrency: [] }));
    expect(r.placement).toBe('same-node');
    expect(r.cni).toEqual([]);
  });

  it('a failed client pod is reported with its message, and the namespace is still deleted', async () => {
    server = await new RecordingApiServer({ objects: [node('node1'), node('node2')] }).start();
    startKubelet(server, 'stream');
    await expect(runK8s(new K8sClient(server.kubeConfig(), 'cni-bench'), opts())).rejects.toThrow(/stream client pod .* failed \(exit 1\): connect failed: No route to host/);
    expect(server.get('v1', 'Namespace', NS)).toBeUndefined();
  });

  it('rejects a namespace that is not a DNS label before touching the API', async () => {
    server = await new RecordingApiServer({ objects: [node('node1')] }).start();
    await expect(runK8s(new K8sClient(server.kubeConfig(), 'cni-bench'), opts({ namespace: 'Bad_NS' }))).rejects.toThrow(/not a valid DNS label/);
    expect(server.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });
});

describe('manifests and parsers', () => {
  it('every manifest validates against the Kubernetes schemas', () => {
    for (const m of [
      namespace(NS),
      serverPod(NS, 'n1', DEFAULT_IMAGES),
      clientPod(NS, 'c1', 'n2', { kind: 'rr', seconds: 5 }, '10.0.0.1', DEFAULT_IMAGES),
      clientPod(NS, 'c2', 'n2', { kind: 'http', concurrency: 400, requests: 800 }, '10.0.0.1', DEFAULT_IMAGES),
    ])
      validateManifest(m);
    expect(() => validateManifest({ ...serverPod(NS, 'n1', DEFAULT_IMAGES), spec: { containers: 'nope' } })).toThrow();
    expect(clientCommand({ kind: 'stream', seconds: 3 }, '10.1.2.3').script).toContain('iperf3 -c 10.1.2.3 -p 5201 -t 3');
  });

  it('infra/k8s/cni-bench/manifests.yaml validates and is what `k8s manifests` renders', () => {
    const docs = validateManifestFile(join(workspaceRoot, 'infra', 'k8s', 'cni-bench', 'manifests.yaml'));
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'Pod', 'Pod', 'Pod', 'Pod']);
    expect(docs[1]).toEqual(serverPod('cni-bench-example', 'NODE-A', DEFAULT_IMAGES));
    expect(docs[2]).toEqual(clientPod('cni-bench-example', 'cni-bench-rr-1', 'NODE-B', { kind: 'rr', seconds: 10 }, 'SERVER_POD_IP', DEFAULT_IMAGES));
  });

  it('parses netperf and iperf3 summaries and rejects garbage', () => {
    expect(parseNetperfRr(NETPERF)).toEqual({ p50_us: 45, p99_us: 120, mean_us: 50.5, tps: 19800.12 });
    expect(parseIperfSummary(IPERF).gbps).toBeCloseTo(0.941);
    expect(() => parseNetperfRr('establish control: are you sure there is a netserver listening')).toThrow(/no result row/);
    expect(() => parseIperfSummary('iperf3: error - unable to connect')).toThrow(/no receiver summary/);
  });
});
