// Kubernetes target: every generated manifest validates against the Kubernetes OpenAPI schemas
// (kubernetes-models), `spright deploy|delete --target k8s` makes exactly the expected API calls
// against the recording loopback API server (server-side apply, list+watch with 410 Gone re-list,
// delete with a propagation policy), fails with clear errors, and --dry-run output is snapshot-stable.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RecordingApiServer, validateManifest, validateManifestFile, type RecordedRequest } from '@fastpath/k8s';
import { parse } from 'yaml';
import { loadChainSpec } from '../../src/spec/index.ts';
import { exampleSpec, workspaceRoot } from '../../src/paths.ts';
import { chainManifests, hugepagesMiFor, parseMi, type K8sObject } from '../../src/k8s/manifests.ts';
import { deployK8s, dryRunOutput } from '../../src/k8s/deploy.ts';
import { K8sTargetError } from '../../src/k8s/errors.ts';
import { WORKLOADS, workloadSpecPath } from '../../workloads/index.ts';
import { runCli } from '../run-cli.ts';

const specs = [exampleSpec, ...WORKLOADS.map(workloadSpecPath)];
const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];
const envOf = (c: any, name: string) => c.env.find((e: any) => e.name === name);
const tmp = mkdtempSync(join(tmpdir(), 'spright-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('manifests', () => {
  for (const file of specs) {
    it(`validate against the Kubernetes schemas: ${file.split('/').slice(-2).join('/')}`, () => {
      const objs = chainManifests(loadChainSpec(file));
      for (const o of objs) expect(() => validateManifest(o), `${o.kind} ${o.metadata.name}`).not.toThrow();
    });
  }

  it('validation rejects a broken manifest (the check can fail)', () => {
    const objs = chainManifests(loadChainSpec(exampleSpec));
    const gw = structuredClone(byKind(objs, 'Deployment')[0]);
    gw.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => validateManifest(gw)).toThrow();
    const ds = structuredClone(byKind(objs, 'DaemonSet')[0]);
    delete ds.spec.selector;
    expect(() => validateManifest(ds)).toThrow();
  });

  it('agent DaemonSet: privileged, hostPID, hugepages + bpffs + /run/fastpath hostPaths, hugepage resources, socket readiness', () => {
    const spec = loadChainSpec(workloadSpecPath('boutique'));
    const [ds] = byKind(chainManifests(spec), 'DaemonSet');
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];
    expect(c.securityContext.privileged).toBe(true);
    expect(pod.hostPID).toBe(true);
    expect(c.command).toContain('--persistent');
    expect(pod.volumes.map((v: any) => v.hostPath.path).sort()).toEqual(['/dev/hugepages', '/run/fastpath', '/sys/fs/bpf']);
    expect(c.resources.limits['hugepages-2Mi']).toBe(c.resources.requests['hugepages-2Mi']);
    // The boutique pool (4096 x 16 KiB) needs more than 64 MiB of 2 MiB pages.
    expect(parseMi(c.resources.requests['hugepages-2Mi'])).toBe(hugepagesMiFor(spec));
    expect(hugepagesMiFor(spec)).toBeGreaterThan(64);
    expect(c.readinessProbe.exec.command.join(' ')).toContain('/run/fastpath/spright/adopt.sock');
  });

  it('one gateway Deployment + Service per chain; one Deployment per function pinned to the gateway node; pods join by token, never see the region key', () => {
    const spec = loadChainSpec(workloadSpecPath('parking'));
    const objs = chainManifests(spec, { namespace: 'lab', token: 't'.repeat(32) });
    const deps = byKind(objs, 'Deployment');
    const gws = deps.filter((d) => d.metadata.labels['spright.fastpath.dev/role'] === 'gateway');
    expect(gws).toHaveLength(1);
    expect(gws[0].spec.template.spec.containers[0].command.slice(-2)).toEqual(['apps/spright/src/k8s/pod-main.ts', 'gateway']);
    expect(byKind(objs, 'Service')).toHaveLength(1);
    expect(byKind(objs, 'Service')[0].spec.selector).toEqual({ 'spright.fastpath.dev/chain': 'parking', 'spright.fastpath.dev/role': 'gateway' });
    const fns = deps.filter((d) => d.metadata.labels['spright.fastpath.dev/role'] === 'function');
    expect(fns.map((d) => d.metadata.labels['spright.fastpath.dev/function']).sort()).toEqual(spec.functions.map((f) => f.name).sort());
    for (const d of fns) {
      const fn = spec.functions.find((f) => f.name === d.metadata.labels['spright.fastpath.dev/function'])!;
      expect(d.spec.replicas).toBe(fn.instances);
      const term = d.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(term.labelSelector.matchLabels).toEqual({ 'spright.fastpath.dev/chain': 'parking', 'spright.fastpath.dev/role': 'gateway' });
      const c = d.spec.template.spec.containers[0];
      expect(c.command.slice(-2)).toEqual(['apps/spright/src/k8s/pod-main.ts', 'function']);
      expect(envOf(c, 'SPRIGHT_MODULE').value).toBe(`/opt/fastpath/apps/spright/workloads/parking/${fn.name}.ts`);
      expect(envOf(c, 'SPRIGHT_TOKEN').valueFrom.secretKeyRef).toEqual({ name: 'parking-chain', key: 'token' });
      expect(envOf(c, 'POD_UID').valueFrom.fieldRef.fieldPath).toBe('metadata.uid');
      expect(d.spec.template.spec.hostPID).toBeUndefined(); // only the agent needs the host's pids
    }
    for (const d of deps) expect(d.spec.template.spec.containers[0].readinessProbe, d.metadata.name).toBeDefined();
    for (const o of objs) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('lab');
    const [secret] = byKind(objs, 'Secret');
    expect(secret.stringData.token).toBe('t'.repeat(32));
    expect(Object.keys(secret.stringData).sort()).toEqual(['chain.json', 'token']); // no region key
    expect(secret.metadata.annotations['spright.fastpath.dev/hugepages']).toBe(`${hugepagesMiFor(spec)}Mi`);
  });

  it('--dry-run -o yaml|json is snapshot-stable and contacts no cluster', async () => {
    const a = await runCli('deploy', exampleSpec, '--target', 'k8s', '--dry-run', '-o', 'yaml', '--kubeconfig', '/nonexistent');
    expect(await runCli('deploy', '-f', exampleSpec, '--target', 'k8s', '--dry-run')).toBe(a);
    expect(a).toBe(dryRunOutput(exampleSpec));
    await expect(a).toMatchFileSnapshot(join(import.meta.dirname, '__snapshots__', 'shop.dry-run.yaml'));
    const j = JSON.parse(await runCli('deploy', exampleSpec, '--target', 'k8s', '--dry-run', '-o', 'json'));
    expect(j.kind).toBe('List');
    expect(j.items.length).toBe(a.split('\n---\n').length);
    await expect(runCli('deploy', exampleSpec, '--target', 'k8s', '--dry-run', '-o', 'xml')).rejects.toThrow(/-o must be yaml or json/);
  });

  it('infra/k8s/spright/shop.yaml is the current dry-run output and validates; the kind config mounts hugepages and bpffs into every node', () => {
    const file = join(workspaceRoot, 'infra', 'k8s', 'spright', 'shop.yaml');
    expect(readFileSync(file, 'utf8'), 'regenerate: spright deploy apps/spright/examples/chain.yaml --target k8s --dry-run > infra/k8s/spright/shop.yaml').toBe(dryRunOutput(exampleSpec));
    expect(validateManifestFile(file).map((o) => o.kind)).toEqual(['Namespace', 'DaemonSet', 'Secret', 'Deployment', 'Service', 'Deployment', 'Deployment', 'Deployment']);
    const kind = parse(readFileSync(join(workspaceRoot, 'infra', 'kind', 'cluster.yaml'), 'utf8'));
    expect(kind).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' });
    expect(kind.nodes.map((n: any) => n.role)).toContain('worker');
    for (const n of kind.nodes) {
      expect(n.extraMounts).toEqual(expect.arrayContaining([
        { hostPath: '/dev/hugepages', containerPath: '/dev/hugepages' },
        { hostPath: '/sys/fs/bpf', containerPath: '/sys/fs/bpf', propagation: 'Bidirectional' },
      ]));
    }
  });
});

/** Plays the workload controllers: marks every DaemonSet/Deployment ready. */
function markReady(s: RecordingApiServer): void {
  for (const d of s.list('Deployment', 'apps/v1')) {
    if (d.status?.readyReplicas) continue;
    const n = d.spec.replicas ?? 1;
    s.upsert({ ...d, status: { observedGeneration: d.metadata.generation ?? 1, replicas: n, readyReplicas: n, updatedReplicas: n, availableReplicas: n } });
  }
  for (const d of s.list('DaemonSet', 'apps/v1')) {
    if (d.status?.numberReady) continue;
    s.upsert({ ...d, status: { desiredNumberScheduled: 1, numberReady: 1, currentNumberScheduled: 1, numberMisscheduled: 0 } });
  }
}

const isDiscovery = (r: RecordedRequest) => /^\/(api(\/v1)?|apis(\/[^/]+\/[^/]+)?)$/.test(r.path);
const isWatch = (r: RecordedRequest) => r.method === 'GET' && r.query.watch === 'true';
const isList = (r: RecordedRequest, plural: string) => r.method === 'GET' && !r.query.watch && r.path.endsWith(`/${plural}`);

describe('spright deploy|delete --target k8s against the recording API server', () => {
  let server: RecordingApiServer | undefined;
  let controller: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearInterval(controller);
    await server?.close();
    server = undefined;
  });
  const start = async () => {
    server = await new RecordingApiServer().start();
    return { s: server, kubeconfig: server.writeKubeconfig(join(tmp, `kc-${Date.now()}-${Math.random()}`)) };
  };

  it('deploy: server-side apply of every object in order, list+watch until ready (410 Gone -> re-list), then delete with Foreground propagation', async () => {
    const { s, kubeconfig } = await start();
    // The controller waits for both watches, expires their version (etcd compaction + watch
    // timeout), waits for the client's re-list and only then marks the workloads ready.
    let compactedAt = 0;
    const playController = (async () => {
      await s.waitFor((rs) => rs.some((r) => isWatch(r) && r.path.endsWith('/deployments')) && rs.some((r) => isWatch(r) && r.path.endsWith('/daemonsets')));
      s.compact();
      compactedAt = Number(s.resourceVersion);
      s.closeWatches();
      await s.waitFor((rs) => rs.filter((r) => isList(r, 'deployments')).length >= 2 && rs.filter((r) => isList(r, 'daemonsets')).length >= 2);
      markReady(s);
    })();
    const out = await runCli('deploy', exampleSpec, '--target', 'k8s', '--kubeconfig', kubeconfig, '--timeout', '60');
    await playController;
    expect(out).toContain('chain shop is ready');
    expect(out).toContain('kubectl -n spright port-forward svc/shop-gateway 8080:80');

    const patches = s.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).toEqual([
      '/api/v1/namespaces/spright',
      '/apis/apps/v1/namespaces/spright/daemonsets/spright-agent',
      '/api/v1/namespaces/spright/secrets/shop-chain',
      '/apis/apps/v1/namespaces/spright/deployments/shop-gateway',
      '/api/v1/namespaces/spright/services/shop-gateway',
      '/apis/apps/v1/namespaces/spright/deployments/shop-frontend',
      '/apis/apps/v1/namespaces/spright/deployments/shop-cart',
      '/apis/apps/v1/namespaces/spright/deployments/shop-checkout',
    ]);
    for (const p of patches) {
      expect(p.contentType).toBe('application/apply-patch+yaml');
      expect(p.query).toMatchObject({ fieldManager: 'spright', force: 'true' });
      expect(p.status).toBeLessThan(300);
    }
    // Before applying: the chains already in the namespace (agent hugepages) and the agent's current size.
    const calls = s.requests.filter((r) => !isDiscovery(r));
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/spright/secrets' });
    expect(calls[0].query.labelSelector).toBe('app.kubernetes.io/managed-by=spright,spright.fastpath.dev/chain');
    expect(calls[1]).toMatchObject({ method: 'GET', path: '/apis/apps/v1/namespaces/spright/daemonsets/spright-agent', status: 404 });

    // Readiness is watched, not polled: list, then watch from the list's version with the chain's selector.
    const lastPatch = s.requests.lastIndexOf(patches.at(-1)!);
    const after = s.requests.slice(lastPatch + 1);
    expect(after.filter((r) => r.method === 'GET' && /\/deployments\/|\/daemonsets\//.test(r.path))).toEqual([]); // no per-object polling
    const depWatches = after.filter((r) => isWatch(r) && r.path === '/apis/apps/v1/namespaces/spright/deployments');
    const dsWatches = after.filter((r) => isWatch(r) && r.path === '/apis/apps/v1/namespaces/spright/daemonsets');
    for (const w of depWatches) expect(w.query.labelSelector).toBe('spright.fastpath.dev/chain=shop');
    for (const w of dsWatches) expect(w.query.fieldSelector).toBe('metadata.name=spright-agent');
    for (const w of [...depWatches, ...dsWatches]) expect(Number(w.query.resourceVersion)).toBeGreaterThan(0);
    // The watch resumed after the close from a compacted version (answered 410 in an ERROR event),
    // then re-listed and watched again from the new list's version.
    expect(depWatches.some((w) => Number(w.query.resourceVersion) < compactedAt)).toBe(true);
    expect(depWatches.some((w) => Number(w.query.resourceVersion) >= compactedAt)).toBe(true);
    expect(after.filter((r) => isList(r, 'deployments'))).toHaveLength(2);
    expect(s.get('v1', 'Secret', 'shop-chain', 'spright').stringData.token).toMatch(/^[0-9a-f]{48}$/);

    const before = s.requests.length;
    const del = await runCli('delete', 'shop', '--target', 'k8s', '--kubeconfig', kubeconfig, '--timeout', '30');
    expect(del).toContain('deleted chain shop: 6 objects');
    const delReqs = s.requests.slice(before);
    const lists = delReqs.filter((r) => r.method === 'GET' && r.query.labelSelector);
    expect(lists.map((r) => r.path)).toEqual(['/apis/apps/v1/namespaces/spright/deployments', '/api/v1/namespaces/spright/services', '/api/v1/namespaces/spright/secrets']);
    for (const l of lists) expect(l.query.labelSelector).toBe('spright.fastpath.dev/chain=shop');
    const dels = delReqs.filter((r) => r.method === 'DELETE');
    expect(dels.map((d) => d.path.split('/').slice(-2).join('/')).sort()).toEqual(
      ['deployments/shop-cart', 'deployments/shop-checkout', 'deployments/shop-frontend', 'deployments/shop-gateway', 'secrets/shop-chain', 'services/shop-gateway'].sort(),
    );
    for (const d of dels) expect(d.query.propagationPolicy ?? d.body?.propagationPolicy).toBe('Foreground');
    expect(s.list('Deployment', 'apps/v1')).toEqual([]);
    // The shared agent and namespace stay for other chains; deleting again finds nothing.
    expect(s.get('apps/v1', 'DaemonSet', 'spright-agent', 'spright')).toBeDefined();
    await expect(runCli('delete', 'shop', '--target', 'k8s', '--kubeconfig', kubeconfig)).rejects.toThrow(/no objects of chain "shop"/);
  });

  it('the agent asks for the sum of every chain\'s hugepages, and never shrinks by itself', async () => {
    const { s } = await start();
    controller = setInterval(() => markReady(s), 20);
    const shop = loadChainSpec(exampleSpec);
    const boutique = loadChainSpec(workloadSpecPath('boutique'));
    const agentHp = () => parseMi(s.get('apps/v1', 'DaemonSet', 'spright-agent', 'spright').spec.template.spec.containers[0].resources.requests['hugepages-2Mi']);
    await deployK8s(s.kubeConfig(), shop, { timeoutMs: 20_000 });
    expect(agentHp()).toBe(hugepagesMiFor(shop));
    await deployK8s(s.kubeConfig(), boutique, { timeoutMs: 20_000 });
    expect(agentHp()).toBe(hugepagesMiFor(shop) + hugepagesMiFor(boutique));
    // Re-deploying one chain keeps the sum (it is counted once, from its own Secret).
    await deployK8s(s.kubeConfig(), shop, { timeoutMs: 20_000 });
    expect(agentHp()).toBe(hugepagesMiFor(shop) + hugepagesMiFor(boutique));
    await deployK8s(s.kubeConfig(), shop, { timeoutMs: 20_000, agentHugepages: '2Gi' });
    expect(agentHp()).toBe(2048);
  });

  it('a workload that never becomes ready: timeout naming the pods that are not ready and why', async () => {
    const { s, kubeconfig } = await start();
    s.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shop-gateway-7d9f-x2', namespace: 'spright', labels: { 'spright.fastpath.dev/chain': 'shop' } }, spec: { nodeName: 'kind-worker' }, status: { phase: 'Pending', containerStatuses: [{ name: 'gateway', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "localhost/fastpath-spright:dev"' } } }] } });
    s.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'spright-agent-abcde', namespace: 'spright', labels: { 'app.kubernetes.io/name': 'spright-agent' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    const err = await runCli('deploy', exampleSpec, '--target', 'k8s', '--kubeconfig', kubeconfig, '--timeout', '1').catch((e) => e);
    expect(err).toBeInstanceOf(K8sTargetError);
    expect(err.failure).toBe('not-ready');
    expect(err.message).toContain('chain shop not ready after 1 s');
    expect(err.message).toContain('pod shop-gateway-7d9f-x2 on kind-worker');
    expect(err.message).toContain('ImagePullBackOff: Back-off pulling image');
    expect(err.message).toContain('Deployment shop-cart: not ready');
    expect(err.message).not.toContain('spright-agent-abcde'); // ready pods are not blamed
  });

  it('RBAC 403 on apply: a clear error naming what was refused; nothing after it is sent', async () => {
    const { s, kubeconfig } = await start();
    const msg = 'daemonsets.apps "spright-agent" is forbidden: User "dev" cannot patch resource "daemonsets" in API group "apps" in the namespace "spright"';
    s.inject({ method: 'PATCH', path: '/daemonsets/spright-agent', status: 403, reason: 'Forbidden', message: msg });
    const err = await runCli('deploy', exampleSpec, '--target', 'k8s', '--kubeconfig', kubeconfig).catch((e) => e);
    expect(err).toBeInstanceOf(K8sTargetError);
    expect(err.failure).toBe('forbidden');
    expect(err.message).toContain('RBAC forbids apply DaemonSet spright/spright-agent (HTTP 403)');
    expect(err.message).toContain(msg);
    expect(s.requests.filter((r) => r.method === 'PATCH').map((r) => r.path.split('/').pop())).toEqual(['spright', 'spright-agent']);
  });

  it('an API server that is not there: unreachable, naming the address', async () => {
    const { s, kubeconfig } = await start();
    await s.close(); // the port is now closed
    server = undefined;
    const err = await runCli('deploy', exampleSpec, '--target', 'k8s', '--kubeconfig', kubeconfig).catch((e) => e);
    expect(err).toBeInstanceOf(K8sTargetError);
    expect(err.failure).toBe('unreachable');
    expect(err.message).toMatch(/cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('no kubeconfig anywhere: says where it looked and what to do, contacts nothing', async () => {
    const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
    process.env.HOME = join(tmp, 'empty-home');
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      const err = await runCli('deploy', exampleSpec, '--target', 'k8s').catch((e) => e);
      expect(err).toBeInstanceOf(K8sTargetError);
      expect(err.failure).toBe('no-kubeconfig');
      expect(err.message).toContain(`no kubeconfig (looked at ${join(tmp, 'empty-home', '.kube', 'config')})`);
      await expect(runCli('delete', 'shop', '--target', 'k8s', '--kubeconfig', join(tmp, 'missing'))).rejects.toThrow(/kubeconfig .*missing does not exist/);
      await expect(runCli('deploy', exampleSpec, '--target', 'k8s', '--timeout', 'soon')).rejects.toThrow(/--timeout must be a positive number/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
});
