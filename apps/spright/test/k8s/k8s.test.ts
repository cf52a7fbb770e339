// Kubernetes target: every generated manifest validates against the Kubernetes OpenAPI schemas
// (kubernetes-models), the deploy/delete client makes exactly the expected API calls against the
// recording loopback API server, and the --dry-run output is snapshot-stable.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingApiServer, validateManifest, WaitTimeoutError } from '@fastpath/k8s';
import { loadChainSpec } from '../../src/spec/index.ts';
import { exampleSpec } from '../../src/paths.ts';
import { chainManifests, type K8sObject } from '../../src/k8s/manifests.ts';
import { deleteK8s, deployK8s } from '../../src/k8s/deploy.ts';
import { dryRunOutput } from '../../src/k8s/cli.ts';
import { WORKLOADS, workloadSpecPath } from '../../workloads/index.ts';

const specs = [exampleSpec, ...WORKLOADS.map(workloadSpecPath)];
const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind) as any[];

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

  it('agent DaemonSet: privileged, hugepages + bpffs hostPaths, hugepage resources, readiness probe', () => {
    const spec = loadChainSpec(workloadSpecPath('boutique'));
    const [ds] = byKind(chainManifests(spec), 'DaemonSet');
    const pod = ds.spec.template.spec;
    const c = pod.containers[0];
    expect(c.securityContext.privileged).toBe(true);
    expect(pod.hostPID).toBe(true);
    expect(pod.volumes.map((v: any) => v.hostPath.path).sort()).toEqual(['/dev/hugepages', '/run/fastpath', '/sys/fs/bpf']);
    expect(c.resources.requests['hugepages-2Mi']).toMatch(/^\d+Mi$/);
    expect(c.resources.limits['hugepages-2Mi']).toBe(c.resources.requests['hugepages-2Mi']);
    // The boutique pool (4096 x 16 KiB) needs more than 64 MiB of 2 MiB pages.
    expect(parseInt(c.resources.requests['hugepages-2Mi'], 10)).toBeGreaterThan(64);
    expect(c.readinessProbe.exec.command).toContain('/run/fastpath/spright/agent.sock');
  });

  it('one gateway Deployment + Service per chain; functions pinned to the gateway node; probes everywhere', () => {
    const spec = loadChainSpec(workloadSpecPath('parking'));
    const objs = chainManifests(spec, { namespace: 'lab' });
    const deps = byKind(objs, 'Deployment');
    const gws = deps.filter((d) => d.metadata.labels['spright.fastpath.dev/role'] === 'gateway');
    expect(gws).toHaveLength(1);
    expect(byKind(objs, 'Service')).toHaveLength(1);
    expect(byKind(objs, 'Service')[0].spec.selector).toEqual({ 'spright.fastpath.dev/chain': 'parking', 'spright.fastpath.dev/role': 'gateway' });
    const fns = deps.filter((d) => d.metadata.labels['spright.fastpath.dev/role'] === 'function');
    expect(fns.map((d) => d.metadata.labels['spright.fastpath.dev/function']).sort()).toEqual(spec.functions.map((f) => f.name).sort());
    for (const d of fns) {
      const term = d.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      expect(term.labelSelector.matchLabels).toEqual({ 'spright.fastpath.dev/chain': 'parking', 'spright.fastpath.dev/role': 'gateway' });
      expect(d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SPRIGHT_MODULE').value).toBe('/opt/fastpath/apps/spright/workloads/parking/' + d.metadata.labels['spright.fastpath.dev/function'] + '.ts');
    }
    for (const d of deps) expect(d.spec.template.spec.containers[0].readinessProbe, d.metadata.name).toBeDefined();
    for (const o of objs) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('lab');
    // Instance ids in the topology Secret match the pods' SPRIGHT_INSTANCE.
    const topo = JSON.parse(byKind(objs, 'Secret')[0].stringData['topology.json']);
    const ids = fns.map((d) => Number(d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'SPRIGHT_INSTANCE').value)).sort();
    expect(ids).toEqual(topo.functions.flatMap((f: any) => f.instances.map((i: any) => i.id)).sort());
  });

  it('--dry-run -o yaml is snapshot-stable', async () => {
    const a = dryRunOutput(exampleSpec, {});
    expect(dryRunOutput(exampleSpec, {})).toBe(a);
    await expect(a).toMatchFileSnapshot(join(import.meta.dirname, '__snapshots__', 'shop.dry-run.yaml'));
    const j = JSON.parse(dryRunOutput(exampleSpec, { output: 'json' }));
    expect(j.kind).toBe('List');
    expect(j.items.length).toBe(a.split('\n---\n').length);
  });
});

describe('contract with the API server (recording loopback server)', () => {
  let server: RecordingApiServer | undefined;
  let controller: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearInterval(controller);
    await server?.close();
    server = undefined;
  });

  /** Plays the workload controllers: marks every DaemonSet/Deployment ready after it appears. */
  function fakeControllers(s: RecordingApiServer): NodeJS.Timeout {
    return setInterval(() => {
      for (const d of s.list('Deployment', 'apps/v1')) {
        if (d.status?.readyReplicas) continue;
        s.upsert({ ...d, status: { observedGeneration: d.metadata.generation ?? 1, replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
      }
      for (const d of s.list('DaemonSet', 'apps/v1')) {
        if (d.status?.numberReady) continue;
        s.upsert({ ...d, status: { desiredNumberScheduled: 1, numberReady: 1, currentNumberScheduled: 1, numberMisscheduled: 0 } });
      }
    }, 20);
  }

  it('deploy = server-side apply of every object in order, then waits until each workload is ready; delete removes the chain', async () => {
    server = await new RecordingApiServer().start();
    controller = fakeControllers(server);
    const spec = loadChainSpec(exampleSpec);
    const objs = await deployK8s(server.kubeConfig(), spec, { intervalMs: 20, timeoutMs: 10_000 });
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path)).toEqual([
      '/api/v1/namespaces/spright',
      '/apis/apps/v1/namespaces/spright/daemonsets/spright-agent',
      '/api/v1/namespaces/spright/secrets/shop-topology',
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
    expect(objs).toHaveLength(8);
    // Readiness is read back for the DaemonSet and all 4 Deployments, after the applies.
    const lastPatch = server.requests.lastIndexOf(patches.at(-1)!);
    const gets = server.requests.slice(lastPatch + 1).filter((r) => r.method === 'GET').map((r) => r.path);
    for (const n of ['daemonsets/spright-agent', 'deployments/shop-gateway', 'deployments/shop-frontend', 'deployments/shop-cart', 'deployments/shop-checkout']) {
      expect(gets.some((g) => g.endsWith(n)), n).toBe(true);
    }
    expect(server.get('v1', 'Secret', 'shop-topology', 'spright').stringData['topology.json']).toContain('"chain":"shop"');

    const before = server.requests.length;
    const deleted = await deleteK8s(server.kubeConfig(), 'shop', { intervalMs: 20, timeoutMs: 10_000 });
    expect(deleted.sort()).toEqual(['Deployment spright/shop-cart', 'Deployment spright/shop-checkout', 'Deployment spright/shop-frontend', 'Deployment spright/shop-gateway', 'Secret spright/shop-topology', 'Service spright/shop-gateway'].sort());
    const after = server.requests.slice(before);
    const lists = after.filter((r) => r.method === 'GET' && r.query.labelSelector);
    expect(lists.map((r) => r.path)).toEqual(['/apis/apps/v1/namespaces/spright/deployments', '/api/v1/namespaces/spright/services', '/api/v1/namespaces/spright/secrets']);
    for (const l of lists) expect(l.query.labelSelector).toBe('spright.fastpath.dev/chain=shop');
    const dels = after.filter((r) => r.method === 'DELETE');
    expect(dels).toHaveLength(6);
    for (const d of dels) expect(d.query.propagationPolicy ?? d.body?.propagationPolicy).toBe('Foreground');
    expect(server.list('Deployment', 'apps/v1')).toEqual([]);
    // The shared agent and namespace stay for other chains.
    expect(server.get('apps/v1', 'DaemonSet', 'spright-agent', 'spright')).toBeDefined();
  });

  it('a workload that never becomes ready fails the deploy with a timeout naming it', async () => {
    server = await new RecordingApiServer().start();
    const err = await deployK8s(server.kubeConfig(), loadChainSpec(workloadSpecPath('chain2')), { intervalMs: 20, timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(String(err.message)).toContain('spright-agent');
  });

  it('an API error on apply stops the deploy at that object', async () => {
    server = await new RecordingApiServer().start();
    server.inject({ method: 'PATCH', path: '/deployments/chain2-gateway', status: 500, message: 'etcd down' });
    const err = await deployK8s(server.kubeConfig(), loadChainSpec(workloadSpecPath('chain2')), { intervalMs: 20, timeoutMs: 300 }).catch((e) => e);
    expect(String(err.message)).toMatch(/chain2-gateway/);
    expect(server.requests.filter((r) => r.method === 'PATCH').map((r) => r.path.split('/').pop())).toEqual(['spright', 'spright-agent', 'chain2-topology', 'chain2-gateway']);
  });
});
