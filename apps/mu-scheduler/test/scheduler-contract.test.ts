// Contract test: the real scheduler (client-node over HTTP) against the recording API server.
import { afterEach, describe, expect, it } from 'vitest';
import { K8sClient, RecordingApiServer } from '@fastpath/k8s';
import { createRegistry } from '@fastpath/metrics';
import { MuScheduler } from '../src/k8s/scheduler.ts';
import { node, pod } from './fixtures.ts';

let server: RecordingApiServer | undefined;
let sched: MuScheduler | undefined;
afterEach(async () => {
  await sched?.stop();
  await server?.close();
  sched = server = undefined;
});

async function setup(objects: any[], registry = createRegistry('mu_test_')) {
  server = await new RecordingApiServer({ objects, token: 'sched' }).start();
  sched = new MuScheduler({ client: new K8sClient(server.kubeConfig(), 'mu-scheduler'), registry, seed: 5 });
  await sched.start({ loop: false });
  return { server, sched, registry };
}

const bindings = (s: RecordingApiServer) => s.requestsTo('POST', /\/pods\/[^/]+\/binding$/).filter((r) => r.status === 201);

describe('mu-scheduler against the recording API server', () => {
  it('binds pending pods of its schedulerName within node capacity and reports the rest with Events', async () => {
    const { server, sched, registry } = await setup([
      node('n1', '4', '8Gi'),
      node('n2', '2', '4Gi'),
      node('n3', '64', '64Gi', { unschedulable: true }),
      node('n4', '64', '64Gi', { ready: false }),
      pod('existing', 'other', '1', '1Gi', { nodeName: 'n1', scheduler: 'default-scheduler' }),
      ...[0, 1, 2].map((i) => pod(`a-${i}`, 'a', '1', '1Gi')),
      ...[0, 1].map((i) => pod(`b-${i}`, 'b', '500m', '512Mi', { ns: 'team-b' })),
      pod('theirs', 'c', '100m', '10Mi', { scheduler: 'default-scheduler' }),
      pod('huge', 'h', '16', '1Gi'),
    ]);
    const r = await sched.runEpoch();
    expect(r).toMatchObject({ pending: 6, bound: 5, unschedulable: 1, conflicts: 0, errors: 0 });
    const bound = bindings(server);
    expect(bound.map((b) => b.path).sort()).toEqual(
      [
        '/api/v1/namespaces/default/pods/a-0/binding',
        '/api/v1/namespaces/default/pods/a-1/binding',
        '/api/v1/namespaces/default/pods/a-2/binding',
        '/api/v1/namespaces/team-b/pods/b-0/binding',
        '/api/v1/namespaces/team-b/pods/b-1/binding',
      ].sort(),
    );
    for (const b of bound) {
      expect(b.body.kind).toBe('Binding');
      expect(b.body.target).toMatchObject({ kind: 'Node' });
      expect(['n1', 'n2']).toContain(b.body.target.name);
    }
    // Capacity: n1 has 4 cores with 1 used by `existing`; n2 has 2.
    const cpuOn = (n: string) =>
      server.list('Pod').filter((p) => p.spec.nodeName === n).reduce((s, p) => s + Number(String(p.spec.containers[0].resources.requests.cpu).replace('500m', '0.5')), 0);
    expect(cpuOn('n1')).toBeLessThanOrEqual(4);
    expect(cpuOn('n2')).toBeLessThanOrEqual(2);
    expect(server.get('v1', 'Pod', 'theirs', 'default').spec.nodeName).toBeUndefined();
    const events = server.requestsTo('POST', '/api/v1/namespaces/default/events');
    expect(events).toHaveLength(1);
    expect(events[0].body).toMatchObject({ reason: 'FailedScheduling', type: 'Warning', involvedObject: { kind: 'Pod', name: 'huge' } });
    expect(events[0].body.message).toMatch(/exceed every node/);
    // Second epoch: nothing new is bound, the event is not repeated within the interval.
    const r2 = await sched.runEpoch();
    expect(r2).toMatchObject({ pending: 1, bound: 0, unschedulable: 1 });
    expect(server.requestsTo('POST', '/events')).toHaveLength(1);
    const text = await registry.metrics();
    expect(text).toMatch(/mu_scheduler_decision_seconds_count 2/);
    expect(text).toMatch(/mu_scheduler_pending_pods 1/);
    expect(text).toMatch(/mu_scheduler_bindings_total\{result="bound"\} 5/);
    expect(text).toMatch(/mu_scheduler_unfairness\{resource="cpu"\}/);
  });

  it('retries a binding after an injected 409 Conflict and after a 500, binding each pod exactly once', async () => {
    const { server, sched } = await setup([node('n1', '8', '8Gi'), pod('p-0', 'a', '1', '1Gi'), pod('p-1', 'a', '1', '1Gi'), pod('p-2', 'a', '1', '1Gi')]);
    server.inject({ method: 'POST', path: '/binding', status: 409 });
    server.inject({ method: 'POST', path: '/binding', status: 500 });
    const r1 = await sched.runEpoch();
    expect(r1).toMatchObject({ bound: 1, conflicts: 1, errors: 1 });
    const r2 = await sched.runEpoch();
    expect(r2).toMatchObject({ pending: 2, bound: 2, conflicts: 0, errors: 0 });
    expect((await sched.runEpoch()).pending).toBe(0);
    for (const n of ['p-0', 'p-1', 'p-2']) expect(server.get('v1', 'Pod', n, 'default').spec.nodeName).toBe('n1');
    const perPod = new Map<string, number>();
    for (const b of bindings(server)) perPod.set(b.path, (perPod.get(b.path) ?? 0) + 1);
    expect([...perPod.values()]).toEqual([1, 1, 1]);
  });

  it('on a real 409 (another scheduler bound the pod, our watch lags) re-reads the pod and drops it', async () => {
    const { server, sched } = await setup([node('n1', '8', '8Gi'), node('n2', '8', '8Gi'), pod('q', 'a', '1', '1Gi')]);
    const q = server.get('v1', 'Pod', 'q', 'default');
    server.upsert({ ...q, spec: { ...q.spec, nodeName: 'n2' } }, { quiet: true });
    const r1 = await sched.runEpoch();
    expect(r1).toMatchObject({ pending: 1, bound: 0, conflicts: 1 });
    expect(server.requestsTo('GET', '/api/v1/namespaces/default/pods/q')).toHaveLength(1);
    expect((await sched.runEpoch()).pending).toBe(0);
    expect(server.get('v1', 'Pod', 'q', 'default').spec.nodeName).toBe('n2');
  });

  it('survives watch expiry (410 Gone): re-lists and schedules pods created meanwhile', async () => {
    const { server, sched } = await setup([node('n1', '8', '8Gi')]);
    const watches = () => server.requests.filter((q) => q.query.watch).length;
    const lists = (path: string) => server.requests.filter((q) => q.method === 'GET' && q.path === path && !q.query.watch && q.status === 200).length;
    await server.waitFor(() => watches() === 2); // both watches are open
    server.compact();
    server.upsert(pod('late', 'a', '1', '1Gi'));
    server.compact();
    server.closeWatches();
    // Both watches resume from a compacted version, get 410 and re-list; then they watch again.
    await server.waitFor(() => lists('/api/v1/nodes') === 2 && lists('/api/v1/pods') === 2 && watches() === 6);
    expect(sched.resyncs).toBe(2);
    const r = await sched.runEpoch();
    expect(r.bound).toBe(1);
    expect(server.get('v1', 'Pod', 'late', 'default').spec.nodeName).toBe('n1');
  });

  it('reports pods with malformed requests instead of crashing, and keeps scheduling the others', async () => {
    const bad = pod('bad', 'x', 'lots', '1Gi');
    const { server, sched } = await setup([node('n1', '8', '8Gi'), bad, pod('good', 'a', '1', '1Gi')]);
    const r = await sched.runEpoch();
    expect(r.bound).toBe(1);
    const ev = server.requestsTo('POST', '/events');
    expect(ev[0].body.message).toMatch(/invalid resource requests: not a Kubernetes quantity: "lots"/);
  });
});
