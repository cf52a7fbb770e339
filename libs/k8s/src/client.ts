// A thin layer over @kubernetes/client-node 1.4: server-side apply, get/list/delete with typed errors,
// and wait-until-ready. Watches live in watch.ts.
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { isNotFound, toApiError, WaitTimeoutError } from './errors.ts';

export type Propagation = 'Foreground' | 'Background' | 'Orphan';

/** What identifies an object: apiVersion, kind, name and (for namespaced kinds) namespace. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export function describeRef(o: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.kind ?? '?'} ${ns}${o.metadata?.name ?? '?'}`;
}

export interface ApplyOptions {
  /** Take ownership of fields another manager set (kubectl apply --server-side --force-conflicts). */
  force?: boolean;
  dryRun?: boolean;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Overrides the built-in readiness rule for the object's kind. */
  isReady?: (obj: any) => boolean;
}

/** Readiness rules per kind: Pod Ready condition, workload replicas available, Node Ready; else exists. */
export function isReady(obj: any): boolean {
  const cond = (type: string) => (obj?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
  switch (obj?.kind) {
    case 'Pod':
    case 'Node':
      return cond('Ready');
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet': {
      const want = obj.spec?.replicas ?? 1;
      const s = obj.status ?? {};
      return (s.observedGeneration ?? 0) >= (obj.metadata?.generation ?? 0) && (s.readyReplicas ?? 0) >= want && (s.updatedReplicas ?? want) >= want;
    }
    case 'DaemonSet': {
      const s = obj.status ?? {};
      return (s.desiredNumberScheduled ?? -1) >= 0 && s.numberReady === s.desiredNumberScheduled;
    }
    default:
      return true;
  }
}

export class K8sClient {
  readonly core: CoreV1Api;
  readonly objects: KubernetesObjectApi;

  constructor(
    readonly kc: KubeConfig,
    readonly fieldManager = 'fastpath',
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(kc);
  }

  /** Server-side apply: PATCH with application/apply-patch+yaml, our fieldManager and force. */
  async apply<T extends KubernetesObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    if (!obj?.apiVersion || !obj.kind || !obj.metadata?.name) throw new Error(`apply needs apiVersion, kind and metadata.name (got ${describeRef(obj)})`);
    try {
      return await this.objects.patch(obj, undefined, opts.dryRun ? 'All' : undefined, this.fieldManager, opts.force ?? true, PatchStrategy.ServerSideApply);
    } catch (err) {
      throw toApiError(err, `apply ${describeRef(obj)}`);
    }
  }

  async applyAll(objs: KubernetesObject[], opts: ApplyOptions = {}): Promise<KubernetesObject[]> {
    const out: KubernetesObject[] = [];
    for (const o of objs) out.push(await this.apply(o, opts));
    return out;
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends KubernetesObject = KubernetesObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return (await this.objects.read(ref)) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toApiError(err, `get ${describeRef(ref)}`);
    }
  }

  async list<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; fieldSelector?: string; labelSelector?: string } = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    try {
      const l = await this.objects.list<T>(apiVersion, kind, opts.namespace, undefined, undefined, undefined, opts.fieldSelector, opts.labelSelector);
      return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
    } catch (err) {
      throw toApiError(err, `list ${apiVersion} ${kind}`);
    }
  }

  /** Deletes with the given propagation policy; false when it was already gone. */
  async delete(ref: ObjectRef, opts: { propagation?: Propagation; gracePeriodSeconds?: number } = {}): Promise<boolean> {
    try {
      await this.objects.delete(ref, undefined, undefined, opts.gracePeriodSeconds, undefined, opts.propagation ?? 'Foreground');
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw toApiError(err, `delete ${describeRef(ref)}`);
    }
  }

  /** Polls until the object satisfies its readiness rule; returns it. */
  async waitUntilReady<T extends KubernetesObject = KubernetesObject>(ref: ObjectRef, opts: WaitOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const interval = opts.intervalMs ?? 1000;
    const ready = opts.isReady ?? isReady;
    const deadline = Date.now() + timeoutMs;
    let last = 'not found';
    for (;;) {
      const obj = await this.get<T>(ref);
      if (obj) {
        if (ready(obj)) return obj;
        last = JSON.stringify((obj as any).status ?? {}).slice(0, 200);
      }
      if (Date.now() + interval > deadline) throw new WaitTimeoutError(describeRef(ref), timeoutMs, last);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** Waits until a deleted object is gone. */
  async waitUntilGone(ref: ObjectRef, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    while (await this.get(ref)) {
      if (Date.now() > deadline) throw new WaitTimeoutError(describeRef(ref), timeoutMs, 'still present');
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
    }
  }
}
