// The out-of-tree Kubernetes scheduler: keep nodes and pods in memory from two list-watches, and once
// per epoch place every pending pod whose spec.schedulerName is ours with the placement core, then bind
// through the pods/binding subresource. Bound pods are assumed at once (their requests count on the
// node before the watch confirms them), as kube-scheduler's assume cache does.
// Binding errors: 409 (already bound or changed) -> re-read the pod and drop it if bound, else retry
// next epoch; 404 -> the pod is gone; others -> retry next epoch. Watch expiry (410) -> ListWatch re-lists.
import { hostname } from 'node:os';
import { K8sClient, ListWatch, isConflict, isNotFound, statusCodeOf } from '@fastpath/k8s';
import { client as prom, type Registry } from '@fastpath/metrics';
import { MU_DEFAULT_ALGORITHM, place, type Heuristic } from '../core/algorithms.ts';
import { CPU, MEMORY_MIB, type FunctionSpec, type NodeSpec, type PlacementInput } from '../core/model.ts';
import { sampleOf } from '../metrics/fairness.ts';
import { functionOf, isSchedulable, isTerminal, nodeAllocatable, podKey, podRequests, type Vec } from './pods.ts';

export const POD_DIM = { name: 'pods', k8sScale: 1 };
const DIMS = [CPU, MEMORY_MIB, POD_DIM];

export interface SchedulerOptions {
  client: K8sClient;
  schedulerName?: string;
  algorithm?: Heuristic;
  epochMs?: number;
  seed?: number;
  registry?: Registry;
  log?: (msg: string) => void;
  /** Minimum time between two FailedScheduling events for the same pod. */
  eventIntervalMs?: number;
}

export interface EpochReport {
  epoch: number;
  pending: number;
  bound: number;
  unschedulable: number;
  conflicts: number;
  errors: number;
  decisionMs: number;
}

export class MuScheduler {
  readonly name: string;
  private readonly client: K8sClient;
  private readonly algorithm: Heuristic;
  private readonly nodes = new Map<string, any>();
  private readonly pods = new Map<string, any>();
  /** Pods we bound whose watch update has not arrived yet: key -> node. */
  private readonly assumed = new Map<string, string>();
  private readonly lastEvent = new Map<string, number>();
  private nodeWatch?: ListWatch;
  private podWatch?: ListWatch;
  private timer?: NodeJS.Timeout;
  private running?: Promise<EpochReport>;
  private epoch = 0;
  private readonly m?: {
    decision: prom.Histogram;
    pending: prom.Gauge;
    unfairness: prom.Gauge;
    bindings: prom.Counter;
    events: prom.Counter;
  };

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.name = opts.schedulerName ?? 'mu-scheduler';
    this.algorithm = opts.algorithm ?? MU_DEFAULT_ALGORITHM;
    const r = opts.registry;
    if (r) {
      this.m = {
        decision: new prom.Histogram({
          name: 'mu_scheduler_decision_seconds',
          help: 'Time to place one epoch batch with the placement core',
          buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 2],
          registers: [r],
        }),
        pending: new prom.Gauge({ name: 'mu_scheduler_pending_pods', help: 'Pending pods for this scheduler at the start of the last epoch', registers: [r] }),
        unfairness: new prom.Gauge({
          name: 'mu_scheduler_unfairness',
          help: 'Eq. 4.2 unfairness of the last epoch: mean |R_f - M_f| per function (cpu cores, memory MiB)',
          labelNames: ['resource'],
          registers: [r],
        }),
        bindings: new prom.Counter({ name: 'mu_scheduler_bindings_total', help: 'Binding calls by result', labelNames: ['result'], registers: [r] }),
        events: new prom.Counter({ name: 'mu_scheduler_events_total', help: 'FailedScheduling events emitted', registers: [r] }),
      };
    }
  }

  private log(msg: string): void {
    this.opts.log?.(`[${this.name}] ${msg}`);
  }

  /** Lists and watches nodes and pods; resolves once both lists are in. */
  async start(opts: { loop?: boolean } = {}): Promise<void> {
    this.nodeWatch = new ListWatch(this.client, {
      apiVersion: 'v1',
      kind: 'Node',
      onList: (items) => {
        this.nodes.clear();
        for (const n of items) this.nodes.set(n.metadata!.name!, n);
      },
      onEvent: (type, n) => (type === 'DELETED' ? this.nodes.delete(n.metadata!.name!) : this.nodes.set(n.metadata!.name!, n)),
      onError: (e) => this.log(`node watch: ${(e as Error).message}`),
    });
    this.podWatch = new ListWatch(this.client, {
      apiVersion: 'v1',
      kind: 'Pod',
      onList: (items) => {
        this.pods.clear();
        for (const p of items) this.pods.set(podKey(p), p);
      },
      onEvent: (type, p) => {
        const k = podKey(p);
        if (type === 'DELETED') {
          this.pods.delete(k);
          this.assumed.delete(k);
        } else {
          this.pods.set(k, p);
          if ((p as any).spec?.nodeName) this.assumed.delete(k);
        }
      },
      onError: (e) => this.log(`pod watch: ${(e as Error).message}`),
    });
    await this.nodeWatch.start();
    await this.podWatch.start();
    if (opts.loop ?? true) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.runEpoch();
      this.running.then(
        () => this.schedule(),
        (err) => {
          this.log(`epoch failed: ${err?.stack ?? err}`);
          this.schedule();
        },
      );
    }, this.opts.epochMs ?? 2000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.nodeWatch?.stop();
    this.podWatch?.stop();
    await this.running?.catch(() => undefined);
  }

  get resyncs(): number {
    return (this.nodeWatch?.resyncs ?? 0) + (this.podWatch?.resyncs ?? 0);
  }

  private isOursPending(p: any): boolean {
    return p.spec?.schedulerName === this.name && !p.spec?.nodeName && !isTerminal(p) && !p.metadata?.deletionTimestamp && !this.assumed.has(podKey(p));
  }

  /** One scheduling epoch: snapshot, place, bind. Exposed for tests and `--once`. */
  async runEpoch(): Promise<EpochReport> {
    const epoch = ++this.epoch;
    const nodeList = [...this.nodes.values()].filter(isSchedulable).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const nodeIndex = new Map(nodeList.map((n, i) => [n.metadata.name as string, i]));
    const used: Vec[] = nodeList.map(() => [0, 0, 0]);
    const running = new Map<string, number>();
    const pending: any[] = [];
    for (const p of this.pods.values()) {
      if (isTerminal(p)) continue;
      const node = p.spec?.nodeName ?? this.assumed.get(podKey(p));
      if (node) {
        const i = nodeIndex.get(node);
        if (i !== undefined) podRequests(p).forEach((v, j) => (used[i][j] += v));
        running.set(functionOf(p), (running.get(functionOf(p)) ?? 0) + 1);
      } else if (this.isOursPending(p)) pending.push(p);
    }
    const report: EpochReport = { epoch, pending: pending.length, bound: 0, unschedulable: 0, conflicts: 0, errors: 0, decisionMs: 0 };
    this.m?.pending.set(pending.length);
    if (pending.length === 0) return report;

    // One FunctionSpec per (function, request vector): pods of a function normally share a template.
    pending.sort((a, b) => String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) || podKey(a).localeCompare(podKey(b)));
    const groups = new Map<string, { fn: FunctionSpec; pods: any[] }>();
    const invalid: any[] = [];
    for (const p of pending) {
      let d: Vec;
      try {
        d = podRequests(p);
      } catch (err) {
        invalid.push([p, (err as Error).message]);
        continue;
      }
      const key = `${functionOf(p)}|${d.join(',')}`;
      let g = groups.get(key);
      if (!g) {
        g = { fn: { name: functionOf(p), demand: d, pods: 0, existing: running.get(functionOf(p)) ?? 0 }, pods: [] };
        groups.set(key, g);
      }
      g.fn.pods++;
      g.pods.push(p);
    }
    for (const [p, msg] of invalid) await this.emitFailed(p, `invalid resource requests: ${msg}`);

    const nodes: NodeSpec[] = nodeList.map((n, i) => ({ name: n.metadata.name, capacity: nodeAllocatable(n), allocated: used[i] }));
    const input: PlacementInput = { dims: DIMS, nodes, functions: [...groups.values()].map((g) => g.fn) };
    const t0 = performance.now();
    const placement = place(this.algorithm, input, (this.opts.seed ?? 1) + epoch);
    report.decisionMs = performance.now() - t0;
    this.m?.decision.observe(report.decisionMs / 1000);
    if (this.m && input.functions.length > 0 && nodes.length > 0) {
      const s = sampleOf(input, placement);
      this.m.unfairness.set({ resource: 'cpu' }, s.deviation[0] / s.functions);
      this.m.unfairness.set({ resource: 'memory' }, s.deviation[1] / s.functions);
    }

    const groupList = [...groups.values()];
    const next = groupList.map(() => 0);
    for (const { fn, node } of placement.order) {
      const pod = groupList[fn].pods[next[fn]++];
      const r = await this.bind(pod, nodes[node].name);
      if (r === 'bound') report.bound++;
      else if (r === 'conflict') report.conflicts++;
      else if (r === 'error') report.errors++;
    }
    for (const u of placement.unplaced) {
      const g = groupList[u.fn];
      for (const pod of g.pods.slice(next[u.fn])) {
        report.unschedulable++;
        const why =
          u.reason === 'infeasible-demand'
            ? `0/${nodes.length} nodes are available: the pod's requests exceed every node's allocatable`
            : `0/${nodes.length} nodes are available: insufficient free resources this epoch (fair share placement, ${this.algorithm})`;
        await this.emitFailed(pod, why);
      }
    }
    if (report.bound || report.unschedulable || report.conflicts || report.errors) {
      this.log(`epoch ${epoch}: pending ${report.pending}, bound ${report.bound}, unschedulable ${report.unschedulable}, conflicts ${report.conflicts}, errors ${report.errors}, decision ${report.decisionMs.toFixed(2)} ms`);
    }
    return report;
  }

  private async bind(pod: any, node: string): Promise<'bound' | 'conflict' | 'gone' | 'error'> {
    const name = pod.metadata.name;
    const namespace = pod.metadata.namespace ?? 'default';
    try {
      await this.client.core.createNamespacedPodBinding({
        name,
        namespace,
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
      });
      this.assumed.set(podKey(pod), node);
      this.m?.bindings.inc({ result: 'bound' });
      return 'bound';
    } catch (err) {
      if (isNotFound(err)) {
        this.pods.delete(podKey(pod));
        this.m?.bindings.inc({ result: 'gone' });
        return 'gone';
      }
      if (isConflict(err)) {
        this.m?.bindings.inc({ result: 'conflict' });
        // Someone else bound it, or it changed under us: trust the server's current object.
        try {
          const fresh = await this.client.core.readNamespacedPod({ name, namespace });
          this.pods.set(podKey(pod), fresh);
        } catch (e) {
          if (isNotFound(e)) this.pods.delete(podKey(pod));
        }
        return 'conflict';
      }
      this.m?.bindings.inc({ result: 'error' });
      this.log(`bind ${podKey(pod)} -> ${node}: HTTP ${statusCodeOf(err) ?? '?'} ${(err as Error).message}; retrying next epoch`);
      return 'error';
    }
  }

  private async emitFailed(pod: any, message: string): Promise<void> {
    const k = podKey(pod);
    const now = Date.now();
    if (now - (this.lastEvent.get(k) ?? -Infinity) < (this.opts.eventIntervalMs ?? 60_000)) return;
    this.lastEvent.set(k, now);
    const namespace = pod.metadata.namespace ?? 'default';
    try {
      await this.client.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${pod.metadata.name}.`, namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace, uid: pod.metadata.uid },
          reason: 'FailedScheduling',
          message,
          type: 'Warning',
          source: { component: this.name },
          reportingComponent: this.name,
          reportingInstance: hostname(),
          firstTimestamp: new Date(now),
          lastTimestamp: new Date(now),
          count: 1,
        },
      });
      this.m?.events.inc();
    } catch (err) {
      this.log(`event for ${k}: ${(err as Error).message}`);
    }
  }
}
