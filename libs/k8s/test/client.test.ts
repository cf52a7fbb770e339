import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { K8sApiError, K8sClient, ListWatch, RecordingApiServer, WaitTimeoutError, isReady, loadKubeConfig } from '../src/index.ts';

const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const pod = (name: string, extra: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { schedulerName: 'mu-scheduler', containers: [{ name: 'c', image: 'busybox' }] },
  ...extra,
});

let server: RecordingApiServer;
let client: K8sClient;

beforeEach(async () => {
  server = await new RecordingApiServer({ token: 't0k', objects: [pod('p1'), pod('p2', { spec: { nodeName: 'n1', containers: [] } })] }).start();
  client = new K8sClient(server.kubeConfig(), 'fastpath-test');
});
afterEach(async () => {
  await server.close();
});

describe('K8sClient against the recording server', () => {
  it('server-side apply sends apply-patch+yaml with fieldManager and force, creates then updates', async () => {
    const srv2 = await new RecordingApiServer({ token: 'tok' }).start();
    const c = new K8sClient(srv2.kubeConfig(), 'fastpath-test');
    const created = await c.apply(cm('cfg', { a: '1' }));
    expect((created.metadata as { resourceVersion?: string }).resourceVersion).toBeTruthy();
    await c.apply(cm('cfg', { a: '2' }));
    const patches = srv2.requestsTo('PATCH', '/api/v1/namespaces/default/configmaps/cfg');
    expect(patches).toHaveLength(2);
    for (const p of patches) {
      expect(p.contentType).toBe('application/apply-patch+yaml');
      expect(p.query.fieldManager).toBe('fastpath-test');
      expect(p.query.force).toBe('true');
    }
    expect(srv2.get('v1', 'ConfigMap', 'cfg', 'default').data).toEqual({ a: '2' });
    await srv2.close();
  });

  it('rejects a client without the bearer token', async () => {
    const kc = loadKubeConfig({ kubeconfig: writeTmp('kc.yaml', server.kubeconfigYaml().replace('t0k', 'wrong')) });
    await expect(new K8sClient(kc).list('v1', 'Pod')).rejects.toMatchObject({ code: 401 });
  });

  it('get returns undefined for a missing object; list honours field selectors', async () => {
    expect(await client.get({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nope', namespace: 'default' } })).toBeUndefined();
    const pending = await client.list('v1', 'Pod', { fieldSelector: 'spec.schedulerName=mu-scheduler,spec.nodeName=' });
    expect(pending.items.map((p) => p.metadata?.name)).toEqual(['p1']);
    expect(Number(pending.resourceVersion)).toBeGreaterThan(1000);
  });

  it('delete sends the propagation policy and reports already-gone objects', async () => {
    const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' } };
    expect(await client.delete(ref, { propagation: 'Background' })).toBe(true);
    const del = server.requestsTo('DELETE', '/pods/p1')[0];
    expect(del.query.propagationPolicy ?? del.body?.propagationPolicy).toBe('Background');
    expect(await client.delete(ref)).toBe(false);
  });

  it('turns injected server errors into typed K8sApiError', async () => {
    server.inject({ method: 'PATCH', status: 500, message: 'etcd down' });
    const err = await client.apply(cm('x', {})).catch((e) => e);
    expect(err).toBeInstanceOf(K8sApiError);
    expect(err.code).toBe(500);
    expect(err.message).toContain('etcd down');
    await expect(client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as any)).rejects.toThrow(/metadata.name/);
  });

  it('waitUntilReady polls until the readiness rule holds, and times out with the last state', async () => {
    const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' } };
    setTimeout(() => server.upsert({ ...server.get('v1', 'Pod', 'p1', 'default'), status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 150);
    const ready = await client.waitUntilReady(ref, { timeoutMs: 5000, intervalMs: 50 });
    expect(isReady(ready)).toBe(true);
    await expect(client.waitUntilReady({ ...ref, metadata: { ...ref.metadata, name: 'p2' } }, { timeoutMs: 200, intervalMs: 50 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('isReady knows Deployments and DaemonSets', () => {
    expect(isReady({ kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 2 }, status: { observedGeneration: 2, readyReplicas: 2, updatedReplicas: 2 } })).toBe(true);
    expect(isReady({ kind: 'Deployment', metadata: { generation: 2 }, spec: { replicas: 2 }, status: { observedGeneration: 1, readyReplicas: 2 } })).toBe(false);
    expect(isReady({ kind: 'DaemonSet', status: { desiredNumberScheduled: 3, numberReady: 2 } })).toBe(false);
  });

  it('binding an already-bound pod answers 409 Conflict', async () => {
    await client.core.createNamespacedPodBinding({ name: 'p1', namespace: 'default', body: { metadata: { name: 'p1' }, target: { kind: 'Node', name: 'n9' } } });
    expect(server.get('v1', 'Pod', 'p1', 'default').spec.nodeName).toBe('n9');
    const err = await client.core
      .createNamespacedPodBinding({ name: 'p1', namespace: 'default', body: { metadata: { name: 'p1' }, target: { kind: 'Node', name: 'n8' } } })
      .catch((e) => e);
    expect(err.code).toBe(409);
  });
});

describe('ListWatch', () => {
  it('lists, then streams events, and re-lists after a 410 ERROR event from a compacted version', async () => {
    const lists: string[][] = [];
    const events: string[] = [];
    const lw = new ListWatch(client, {
      apiVersion: 'v1',
      kind: 'Pod',
      onList: (items) => lists.push(items.map((p) => p.metadata!.name!)),
      onEvent: (type, o) => events.push(`${type} ${o.metadata?.name}`),
      retryDelayMs: 20,
    });
    await lw.start();
    expect(lists).toEqual([['p1', 'p2']]);
    server.upsert(pod('p3'));
    await until(() => events.includes('ADDED p3'));
    // History is compacted and the stream ends: the re-watch from the old version gets 410 -> re-list.
    server.compact();
    server.upsert(pod('p4'));
    server.compact();
    server.closeWatches();
    await until(() => lists.length === 2);
    expect(lw.resyncs).toBe(1);
    expect(lists[1]).toEqual(['p1', 'p2', 'p3', 'p4']);
    server.upsert(pod('p5'));
    await until(() => events.includes('ADDED p5'));
    lw.stop();
  });

  it('re-lists on an HTTP 410 and retries after a 500 on the watch request', async () => {
    const errors: unknown[] = [];
    let lists = 0;
    server.inject({ watch: true, status: 500 });
    server.inject({ watch: true, status: 410 });
    const lw = new ListWatch(client, {
      apiVersion: 'v1',
      kind: 'Pod',
      onList: () => lists++,
      onEvent: () => {},
      onError: (e) => errors.push(e),
      retryDelayMs: 20,
    });
    await lw.start();
    await until(() => lists === 2 && server.requests.filter((r) => r.query.watch && r.status === 200).length >= 1);
    expect(errors).toHaveLength(1);
    expect(lw.resyncs).toBe(1);
    lw.stop();
  });
});

describe('loadKubeConfig', () => {
  it('loads a file and a context, and explains what is missing', () => {
    const file = writeTmp('kc.yaml', server.kubeconfigYaml());
    expect(loadKubeConfig({ kubeconfig: file }).getCurrentCluster()?.server).toBe(server.url);
    expect(() => loadKubeConfig({ kubeconfig: '/nonexistent/kc' })).toThrow(/does not exist/);
    expect(() => loadKubeConfig({ kubeconfig: file, context: 'other' })).toThrow(/no context other/);
  });
});

function writeTmp(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'fp-k8s-')), name);
  writeFileSync(p, text);
  return p;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
