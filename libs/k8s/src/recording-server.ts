// A loopback Kubernetes API server for contract tests. It keeps objects in memory and answers
// discovery, GET/LIST (field and label selectors), WATCH (chunked JSON events, resourceVersion
// semantics, 410 Gone for compacted versions), POST (create, pods/binding), PATCH (apply, merge),
// PUT (optimistic concurrency) and DELETE. Every request is recorded; faults (409/410/500...) can be
// injected. It is not a re-implementation of the API server: only the behaviour clients depend on.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { kubeConfigFor, kubeconfigYaml } from './config.ts';
import { knownResources, splitApiVersion, type ResourceInfo } from './resources.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** Parsed JSON or YAML body when there was one, else undefined. */
  body: any;
  status: number;
  at: number;
}

export interface Fault {
  method?: string;
  /** Substring or pattern the request path must match. */
  path?: string | RegExp;
  /** Only watch requests (true), only non-watch (false), either (undefined). */
  watch?: boolean;
  status: number;
  reason?: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface RecordingServerOptions {
  objects?: any[];
  /** Extra kinds beyond libs/k8s/src/resources.ts. */
  resources?: ResourceInfo[];
  /** Bearer token clients must send (default: any or none). */
  token?: string;
}

interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  res: ResourceInfo;
  obj: any;
}

interface Route {
  res: ResourceInfo;
  namespace?: string;
  name?: string;
  sub?: string;
}

interface Watcher {
  route: Route;
  query: Record<string, string>;
  res: ServerResponse;
}

const clone = <T>(o: T): T => structuredClone(o);

function status(code: number, reason: string, message: string, details?: object) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', code, reason, message, details };
}

function getPath(obj: any, dotted: string): unknown {
  let cur = obj;
  for (const k of dotted.split('.')) cur = cur?.[k];
  return cur;
}

/** Field selectors: comma-separated `a.b=v`, `a.b==v`, `a.b!=v`; a missing field equals ''. */
export function matchesFieldSelector(obj: any, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const m = /^([^!=]+)(==|!=|=)(.*)$/.exec(term.trim());
    if (!m) throw new Error(`bad field selector term "${term}"`);
    const v = getPath(obj, m[1]);
    const s = v === undefined || v === null ? '' : String(v);
    return m[2] === '!=' ? s !== m[3] : s === m[3];
  });
}

/** Label selectors: comma-separated `k=v`, `k==v`, `k!=v`, `k`, `!k`. */
export function matchesLabelSelector(obj: any, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels: Record<string, string> = obj?.metadata?.labels ?? {};
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    const m = /^([^!=]+)(==|!=|=)(.*)$/.exec(term);
    if (!m) return term in labels;
    return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
  });
}

function deepMerge(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}

export class RecordingApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly store = new Map<string, any>();
  private readonly log: StoredEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly faults: (Fault & { left: number })[] = [];
  private readonly resources: ResourceInfo[];
  private rv = 1000;
  /** Versions at or below this were compacted: watching from them answers 410 Gone. */
  private compactedRv = 0;
  private server?: Server;
  private listeners: (() => void)[] = [];

  constructor(private readonly opts: RecordingServerOptions = {}) {
    this.resources = [...(opts.resources ?? []), ...knownResources()];
    for (const o of opts.objects ?? []) this.upsert(o);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) this.send(res, 500, status(500, 'InternalError', String(err?.stack ?? err)));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    if (!this.server) throw new Error('recording server not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(): KubeConfig {
    return kubeConfigFor(this.url, this.opts.token);
  }

  kubeconfigYaml(): string {
    return kubeconfigYaml(this.url, this.opts.token);
  }

  writeKubeconfig(path: string): string {
    writeFileSync(path, this.kubeconfigYaml());
    return path;
  }

  async close(): Promise<void> {
    this.closeWatches();
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  // ---- test controls -------------------------------------------------------------------------

  /** Makes the next `times` matching requests fail with `status`. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /**
   * Forgets history, as etcd compaction after unrelated writes does: the global version moves on and
   * every watch that resumes from a version older than it gets 410 Gone.
   */
  compact(): void {
    this.compactedRv = ++this.rv;
  }

  /** Ends every open watch stream cleanly (as a server-side timeout does). */
  closeWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /**
   * Create or replace an object as if another client did it. Emits a watch event unless `quiet`,
   * which models a lagging watch: clients see the change only by reading or re-listing.
   */
  upsert(obj: any, opts: { quiet?: boolean } = {}): any {
    const res = this.resourceOf(obj);
    const o = clone(obj);
    o.metadata ??= {};
    if (res.namespaced) o.metadata.namespace ??= 'default';
    const key = this.key(res, o.metadata.namespace, o.metadata.name);
    const old = this.store.get(key);
    return this.write(res, key, o, old ? 'MODIFIED' : 'ADDED', old, opts.quiet);
  }

  remove(apiVersion: string, kind: string, name: string, namespace?: string): boolean {
    const res = this.resourceOf({ apiVersion, kind });
    const key = this.key(res, res.namespaced ? (namespace ?? 'default') : undefined, name);
    const old = this.store.get(key);
    if (!old) return false;
    this.store.delete(key);
    this.emit('DELETED', res, { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } });
    return true;
  }

  get(apiVersion: string, kind: string, name: string, namespace?: string): any {
    const res = this.resourceOf({ apiVersion, kind });
    const o = this.store.get(this.key(res, res.namespaced ? (namespace ?? 'default') : undefined, name));
    return o ? clone(o) : undefined;
  }

  list(kind: string, apiVersion = 'v1'): any[] {
    const res = this.resourceOf({ apiVersion, kind });
    return [...this.store.entries()].filter(([k]) => k.startsWith(this.prefix(res))).map(([, v]) => clone(v));
  }

  /** Requests matching method and a path pattern. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path.includes(path) : path.test(r.path)));
  }

  /** Resolves when pred holds on the recorded requests (checked after every request). */
  waitFor(pred: (reqs: RecordedRequest[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (pred(this.requests)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`recording server: condition not met after ${timeoutMs} ms (${this.requests.length} requests)`));
      }, timeoutMs);
      const check = () => {
        if (pred(this.requests)) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== check);
          resolve();
        }
      };
      this.listeners.push(check);
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private resourceOf(obj: { apiVersion?: string; kind?: string }): ResourceInfo {
    const { group, version } = splitApiVersion(obj.apiVersion ?? '');
    const r = this.resources.find((x) => x.group === group && x.version === version && x.kind === obj.kind);
    if (!r) throw new Error(`recording server: unknown kind ${obj.apiVersion} ${obj.kind}`);
    return r;
  }

  private prefix(res: ResourceInfo): string {
    return `${res.group}/${res.plural}/`;
  }

  private key(res: ResourceInfo, ns: string | undefined, name: string): string {
    return `${this.prefix(res)}${res.namespaced ? ns : ''}/${name}`;
  }

  private write(res: ResourceInfo, key: string, o: any, type: 'ADDED' | 'MODIFIED', old?: any, quiet = false): any {
    o.apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    o.kind = res.kind;
    o.metadata.uid = old?.metadata?.uid ?? o.metadata.uid ?? randomUUID();
    o.metadata.creationTimestamp = old?.metadata?.creationTimestamp ?? o.metadata.creationTimestamp ?? new Date().toISOString();
    o.metadata.resourceVersion = String(++this.rv);
    this.store.set(key, o);
    if (!quiet) this.emit(type, res, o);
    return clone(o);
  }

  private emit(type: StoredEvent['type'], res: ResourceInfo, obj: any): void {
    const ev: StoredEvent = { rv: this.rv, type, res, obj: clone(obj) };
    this.log.push(ev);
    for (const w of this.watchers) this.deliver(w, ev);
  }

  private deliver(w: Watcher, ev: StoredEvent): void {
    if (ev.res !== w.route.res) return;
    if (w.route.namespace && ev.obj.metadata?.namespace !== w.route.namespace) return;
    if (!matchesFieldSelector(ev.obj, w.query.fieldSelector) || !matchesLabelSelector(ev.obj, w.query.labelSelector)) return;
    w.res.write(JSON.stringify({ type: ev.type, object: ev.obj }) + '\n');
  }

  private route(path: string): Route | 'discovery' | undefined {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
    if (!m) return undefined;
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    const segs = (m[4] ?? '').split('/').filter(Boolean);
    if (segs.length === 0) return 'discovery';
    let namespace: string | undefined;
    if (segs[0] === 'namespaces' && segs.length >= 3) {
      namespace = segs[1];
      segs.splice(0, 2);
    }
    const res = this.resources.find((r) => r.group === group && r.version === version && r.plural === segs[0]);
    if (!res) return undefined;
    return { res, namespace, name: segs[1], sub: segs[2] };
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async readBody(req: IncomingMessage): Promise<{ text: string; parsed: any }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return { text, parsed: undefined };
    try {
      return { text, parsed: JSON.parse(text) };
    } catch {
      try {
        return { text, parsed: parseYaml(text) };
      } catch {
        return { text, parsed: undefined };
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const { parsed } = await this.readBody(req);
    const isWatch = query.watch === 'true' || query.watch === '1';
    const rec: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      contentType: String(req.headers['content-type'] ?? ''),
      body: parsed,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);
    const reply = (code: number, body: unknown) => {
      rec.status = code;
      this.send(res, code, body);
      this.notify();
    };

    if (this.opts.token && req.headers.authorization !== `Bearer ${this.opts.token}`) {
      return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method === method) &&
        (f.watch === undefined || f.watch === isWatch) &&
        (!f.path || (typeof f.path === 'string' ? url.pathname.includes(f.path) : f.path.test(url.pathname))),
    );
    if (fault) {
      fault.left--;
      const reason = fault.reason ?? ({ 409: 'Conflict', 410: 'Expired', 500: 'InternalError', 503: 'ServiceUnavailable' } as Record<number, string>)[fault.status] ?? 'Injected';
      return reply(fault.status, status(fault.status, reason, fault.message ?? `injected ${fault.status}`));
    }

    if (url.pathname === '/api') return reply(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') {
      const groups = [...new Set(this.resources.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))].map((gv) => {
        const [name, version] = gv.split('/');
        return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      return reply(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const route = this.route(url.pathname);
    if (route === undefined) return reply(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    if (route === 'discovery') {
      const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))/.exec(url.pathname)!;
      const group = m[2] ?? '';
      const version = m[1] ?? m[3];
      const resources = this.resources
        .filter((r) => r.group === group && r.version === version)
        .map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }));
      if (!group) resources.push({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
      return reply(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources });
    }

    const { res: r, namespace, name, sub } = route;
    const ns = r.namespaced ? namespace : undefined;
    if (r.namespaced && name && !ns) return reply(404, status(404, 'NotFound', `namespaced ${r.plural} need a namespace in the path`));

    if (method === 'GET' && !name) {
      let items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(this.prefix(r)))
        .map(([, v]) => v)
        .filter((o) => !ns || o.metadata?.namespace === ns);
      try {
        items = items.filter((o) => matchesFieldSelector(o, query.fieldSelector) && matchesLabelSelector(o, query.labelSelector));
      } catch (err) {
        return reply(400, status(400, 'BadRequest', String((err as Error).message)));
      }
      if (!isWatch) {
        const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
        return reply(200, { kind: `${r.kind}List`, apiVersion, metadata: { resourceVersion: String(this.rv) }, items: items.map(clone) });
      }
      return this.startWatch(rec, res, { res: r, namespace: ns }, query, items);
    }

    const key = name ? this.key(r, ns, name) : undefined;
    const existing = key ? this.store.get(key) : undefined;

    if (method === 'GET') {
      if (!existing) return reply(404, status(404, 'NotFound', `${r.plural} "${name}" not found`, { name, kind: r.plural }));
      return reply(200, existing);
    }

    if (method === 'POST' && name && sub === 'binding' && r.kind === 'Pod') {
      if (!existing) return reply(404, status(404, 'NotFound', `pods "${name}" not found`));
      const target = parsed?.target;
      if (target?.kind !== 'Node' || !target?.name) return reply(400, status(400, 'BadRequest', 'binding target must be a Node with a name'));
      if (existing.spec?.nodeName) return reply(409, status(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${existing.spec.nodeName}"`));
      const o = clone(existing);
      o.spec = { ...o.spec, nodeName: target.name };
      o.status = { ...o.status, conditions: [...(o.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled'), { type: 'PodScheduled', status: 'True' }] };
      this.write(r, key!, o, 'MODIFIED', existing);
      return reply(201, status(201, '', '', { name, kind: 'pods' }));
    }

    if (method === 'POST' && !name) {
      if (!parsed || typeof parsed !== 'object') return reply(400, status(400, 'BadRequest', 'body must be an object'));
      const o = clone(parsed);
      o.metadata ??= {};
      if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomUUID().slice(0, 5)}`;
      if (!o.metadata.name) return reply(422, status(422, 'Invalid', 'metadata.name: Required value'));
      if (ns) o.metadata.namespace = ns;
      const k = this.key(r, ns, o.metadata.name);
      if (this.store.has(k)) return reply(409, status(409, 'AlreadyExists', `${r.plural} "${o.metadata.name}" already exists`));
      return reply(201, this.write(r, k, o, 'ADDED'));
    }

    if (method === 'PATCH' && key) {
      const ct = rec.contentType.split(';')[0].trim();
      if (!parsed || typeof parsed !== 'object') return reply(400, status(400, 'BadRequest', 'patch body must be an object'));
      if (ct === 'application/apply-patch+yaml') {
        if (!query.fieldManager) return reply(400, status(400, 'BadRequest', 'PATCH with apply-patch+yaml requires the fieldManager parameter'));
        const o = deepMerge(existing ?? {}, parsed);
        o.metadata ??= {};
        o.metadata.name = name;
        if (ns) o.metadata.namespace = ns;
        const mf = { manager: query.fieldManager, operation: 'Apply', apiVersion: parsed.apiVersion };
        o.metadata.managedFields = [...(existing?.metadata?.managedFields ?? []).filter((f: any) => f.manager !== mf.manager), mf];
        return reply(existing ? 200 : 201, this.write(r, key, o, existing ? 'MODIFIED' : 'ADDED', existing));
      }
      if (!existing) return reply(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      if (ct === 'application/merge-patch+json' || ct === 'application/strategic-merge-patch+json') {
        return reply(200, this.write(r, key, deepMerge(existing, parsed), 'MODIFIED', existing));
      }
      return reply(415, status(415, 'UnsupportedMediaType', `the recording server does not implement ${ct}`));
    }

    if (method === 'PUT' && key) {
      if (!existing) return reply(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      const want = parsed?.metadata?.resourceVersion;
      if (want && want !== existing.metadata.resourceVersion) {
        return reply(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
      }
      const o = clone(parsed);
      o.metadata = { ...o.metadata, name, namespace: ns };
      return reply(200, this.write(r, key, o, 'MODIFIED', existing));
    }

    if (method === 'DELETE' && key) {
      if (!existing) return reply(404, status(404, 'NotFound', `${r.plural} "${name}" not found`));
      this.store.delete(key);
      this.emit('DELETED', r, { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } });
      return reply(200, status(200, '', '', { name, kind: r.plural, uid: existing.metadata.uid }));
    }

    return reply(405, status(405, 'MethodNotAllowed', `${method} ${url.pathname} is not supported`));
  }

  private startWatch(rec: RecordedRequest, res: ServerResponse, route: Route, query: Record<string, string>, current: any[]): void {
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const w: Watcher = { route, query, res };
    const from = query.resourceVersion;
    if (from && from !== '0' && Number(from) < this.compactedRv) {
      // The real server answers 200 and then one ERROR event with a 410 Status.
      res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`) }) + '\n');
      this.notify();
      return;
    }
    if (!from || from === '0') {
      for (const o of current) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      for (const ev of this.log) if (ev.rv > Number(from)) this.deliver(w, ev);
    }
    this.watchers.add(w);
    res.on('close', () => this.watchers.delete(w));
    const timeout = Number(query.timeoutSeconds);
    if (timeout > 0) setTimeout(() => res.end(), timeout * 1000).unref();
    this.notify();
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
