// List-then-watch with the resync rule of client-go's reflector: remember the last resourceVersion,
// re-watch from it when a watch ends, and re-list from scratch when the server says 410 Gone
// (the version was compacted away) either as an HTTP status or as an ERROR event.
import { Watch, type KubernetesObject } from '@kubernetes/client-node';
import type { K8sClient } from './client.ts';
import { K8sApiError, isGone } from './errors.ts';
import { collectionPath, resourceFor } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListWatchOptions<T extends KubernetesObject> {
  apiVersion: string;
  kind: string;
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Full state: on start and after every 410 resync. Replace what you held. */
  onList: (items: T[], resourceVersion: string) => void;
  onEvent: (type: WatchEventType, obj: T) => void;
  /** Errors that we recover from by retrying (network, 5xx); for logging and metrics. */
  onError?: (err: unknown) => void;
  retryDelayMs?: number;
}

export class ListWatch<T extends KubernetesObject = KubernetesObject> {
  private rv = '';
  private stopped = false;
  private abort?: AbortController;
  private timer?: NodeJS.Timeout;
  /** Number of full re-lists after the first one (410 Gone recoveries). */
  resyncs = 0;
  /** Number of watch requests issued. */
  watches = 0;

  constructor(
    private readonly client: K8sClient,
    private readonly opts: ListWatchOptions<T>,
  ) {}

  get resourceVersion(): string {
    return this.rv;
  }

  /** Lists once (throws if that fails), then keeps a watch running until stop(). */
  async start(): Promise<void> {
    await this.relist();
    this.watch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.list<T>(this.opts.apiVersion, this.opts.kind, {
      namespace: this.opts.namespace,
      fieldSelector: this.opts.fieldSelector,
      labelSelector: this.opts.labelSelector,
    });
    this.rv = resourceVersion;
    this.opts.onList(items, resourceVersion);
  }

  private schedule(fn: () => void, delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(fn, delay);
  }

  private resyncThenWatch(): void {
    this.resyncs++;
    this.relist().then(
      () => this.watch(),
      (err) => {
        this.opts.onError?.(err);
        this.schedule(() => this.resyncThenWatch(), this.opts.retryDelayMs ?? 1000);
      },
    );
  }

  private watch(): void {
    if (this.stopped) return;
    const path = collectionPath(resourceFor(this.opts.apiVersion, this.opts.kind), this.opts.namespace);
    let gone = false;
    let failed: unknown;
    this.watches++;
    const w = new Watch(this.client.kc);
    w.watch(
      path,
      {
        resourceVersion: this.rv || undefined,
        allowWatchBookmarks: true,
        fieldSelector: this.opts.fieldSelector,
        labelSelector: this.opts.labelSelector,
      },
      (type, obj) => {
        if (type === 'ERROR') {
          const code = typeof obj?.code === 'number' ? obj.code : 500;
          if (code === 410) gone = true;
          else failed = new K8sApiError(code, obj?.reason ?? String(code), `watch ${path}: ${obj?.message ?? 'error event'}`, obj);
          this.abort?.abort();
          return;
        }
        const rv = obj?.metadata?.resourceVersion;
        if (rv) this.rv = rv;
        if (type === 'BOOKMARK') return;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.opts.onEvent(type, obj as T);
      },
      (err) => {
        if (this.stopped) return;
        if (gone || isGone(err)) {
          this.resyncThenWatch();
          return;
        }
        const e = err ?? failed;
        if (e) {
          this.opts.onError?.(e);
          this.schedule(() => this.watch(), this.opts.retryDelayMs ?? 1000);
        } else {
          // A normal server-side close (timeoutSeconds): continue from the last version right away.
          this.schedule(() => this.watch(), 0);
        }
      },
    ).then(
      (ac) => {
        this.abort = ac;
        if (this.stopped) ac.abort();
      },
      (err) => {
        this.opts.onError?.(err);
        this.schedule(() => this.watch(), this.opts.retryDelayMs ?? 1000);
      },
    );
  }
}
