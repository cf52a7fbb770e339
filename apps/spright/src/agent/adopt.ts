// The agent's side of adoption (protocol in adopt-protocol.ts): a Unix socket server that admits
// processes into the instance slots of chains deployed with `adopt`, and AdoptedInstance, the slot
// itself. A slot behaves like a Supervised process for the chain (start resolves once its process
// is ready, `died` fires when it goes, the chain reclaims and re-waits), so chain.ts treats spawned
// and adopted processes alike; "restarting" an adopted slot means waiting for the next adoption
// (Kubernetes restarts the pod).
import { createHash, timingSafeEqual } from 'node:crypto';
import { appendFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { functionId, type ChainTopology, type ToAgent, type ToChild } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import type { ProxyManager } from './proxy-manager.ts';
import { ADOPT_PROTOCOL, MAX_LINE, type Hello, type PodIdentity, type Refusal, type RefusalCode, type Welcome } from './adopt-protocol.ts';
import { StartError, Supervised, type ProcessSpec } from './supervisor.ts';
import { closeFd, peerCredentials, pidfdExited, pidfdKill, pidfdOpen, sendWithFds } from './unix-fds.ts';

/** Which processes of a chain are adopted instead of spawned, and the chain's token. */
export interface AdoptPlan {
  /** Function names; "gateway" for the gateway. */
  functions: string[];
  token: string;
}

/** A deploy request's `adopt` field is malformed. */
export class AdoptPlanError extends Error {
  constructor(message: string) {
    super(`spright: adopt: ${message}`);
    this.name = 'AdoptPlanError';
  }
}

export function checkAdoptPlan(plan: unknown, spec: ChainSpec): AdoptPlan {
  const p = plan as Partial<AdoptPlan> | null;
  if (!p || typeof p !== 'object' || !Array.isArray(p.functions) || typeof p.token !== 'string') throw new AdoptPlanError('must be { functions: string[], token: string }');
  if (p.token.length < 16) throw new AdoptPlanError('token must have at least 16 characters');
  const known = new Set(['gateway', ...spec.functions.map((f) => f.name)]);
  for (const f of p.functions) if (typeof f !== 'string' || !known.has(f)) throw new AdoptPlanError(`"${f}" is not a function of chain "${spec.name}" (has: ${[...known].join(', ')})`);
  return { functions: [...new Set(p.functions)], token: p.token };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** One adoptable instance slot of a chain. */
export class AdoptedInstance extends Supervised {
  #conn: net.Socket | undefined;
  #pid: number | undefined;
  #pidfd = -1;
  #waiter: { resolve: (ms: number) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  #stopped = false;
  #reserved = false;
  pod: PodIdentity | undefined;

  constructor(spec: ProcessSpec, readonly defaultTimeoutMs = 600_000) {
    super(spec);
  }

  override get pid(): number | undefined {
    return this.#conn ? this.#pid : undefined;
  }

  /** True while the slot waits for a process (the adoption server picks such a slot). */
  get open(): boolean {
    return this.#waiter !== undefined && this.#conn === undefined && !this.#reserved;
  }

  /** Holds the slot for one admission in progress (the SPROXY socket is created asynchronously). */
  reserve(): void {
    this.#reserved = true;
  }

  unreserve(): void {
    this.#reserved = false;
  }

  /** Resolves with the process's data-plane setup time once an adopted process is ready. */
  override start(timeoutMs = this.defaultTimeoutMs): Promise<number> {
    this.#stopped = false;
    this.state = 'starting';
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        this.state = 'failed';
        this.#note(`no process adopted within ${timeoutMs} ms`);
        reject(new StartError(this.spec.fn, this.spec.instance, `no process was adopted into this instance within ${timeoutMs} ms (is its pod running? see kubectl describe pod)`));
      }, timeoutMs);
      this.#waiter = { resolve, reject, timer };
    });
  }

  /** Takes over a connected, admitted process. */
  attach(conn: net.Socket, pid: number, pod: PodIdentity | undefined): void {
    this.#reserved = false;
    this.#conn = conn;
    this.#pid = pid;
    this.pod = pod;
    try {
      this.#pidfd = pid > 0 ? pidfdOpen(pid) : -1;
    } catch {
      this.#pidfd = -1; // not in our pid namespace: the connection alone tells us it died
    }
    this.#note(`adopted pid ${pid}${pod?.name ? ` (pod ${pod.namespace ?? ''}/${pod.name} uid ${pod.uid ?? '?'})` : ''}`);
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE) return void conn.destroy();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) this.#onMessage(JSON.parse(line) as ToAgent);
      }
    });
    conn.on('error', () => {});
    conn.on('close', () => void this.#onClose(conn));
  }

  #onMessage(m: ToAgent): void {
    const w = this.#waiter;
    if (m.t === 'ready' && w) {
      this.#waiter = undefined;
      clearTimeout(w.timer);
      this.state = 'ready';
      this.setupMs = m.setupMs;
      this.readyAt = Date.now();
      this.emit('ready', m.setupMs);
      w.resolve(m.setupMs);
    } else if (m.t === 'load-error' && w) {
      this.#failStart(m.stack);
    }
    this.emit('message', m);
  }

  #failStart(why: string): void {
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    clearTimeout(w.timer);
    this.state = 'failed';
    w.reject(new StartError(this.spec.fn, this.spec.instance, why));
  }

  async #onClose(conn: net.Socket): Promise<void> {
    if (this.#conn !== conn) return;
    // A process that dropped its control connection unasked must not touch the pool any more:
    // make sure it is gone before the chain reclaims its objects. (Asked to stop, it exits itself.)
    const pidfd = this.#pidfd;
    this.#pidfd = -1;
    if (pidfd >= 0) {
      if (!this.#stopped) {
        if (!pidfdExited(pidfd)) pidfdKill(pidfd);
        for (let i = 0; i < 500 && !pidfdExited(pidfd); i++) await new Promise((r) => setTimeout(r, 10));
      }
      closeFd(pidfd);
    }
    this.#conn = undefined;
    this.#note(`pid ${this.#pid} disconnected`);
    if (this.#stopped) {
      this.state = 'stopped';
      return;
    }
    if (this.#waiter) return this.#failStart(`the adopted process (pid ${this.#pid}) disconnected before it was ready`);
    if (Date.now() - this.readyAt > 10_000) this.restartsInARow = 0;
    this.state = 'restarting';
    this.emit('died', null, 'disconnected');
  }

  override send(m: ToChild): void {
    if (this.#conn && !this.#conn.destroyed) this.#conn.write(`${JSON.stringify(m)}\n`);
  }

  override async stop(graceMs = 2000): Promise<void> {
    this.#stopped = true;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      clearTimeout(w.timer);
      w.reject(new StartError(this.spec.fn, this.spec.instance, 'the chain is being deleted'));
    }
    const c = this.#conn;
    if (c && !c.destroyed) {
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      this.send({ t: 'shutdown' });
      const t = setTimeout(() => {
        if (this.#pidfd >= 0) pidfdKill(this.#pidfd); // did not stop in time
        c.destroy();
      }, graceMs);
      await closed;
      clearTimeout(t);
    }
    this.state = 'stopped';
  }

  #note(m: string): void {
    try {
      appendFileSync(this.spec.logFile, `${new Date().toISOString()} spright agent: ${m}\n`);
    } catch {
      // log dir already removed (chain deleted)
    }
  }
}

interface Offer {
  spec: ChainSpec;
  topology: ChainTopology;
  token: Buffer;
  slots: AdoptedInstance[];
  proxy?: ProxyManager;
}

/** Serves the adoption socket for every chain that has adoptable slots. */
export class AdoptionServer {
  readonly #offers = new Map<string, Offer>();
  #server: net.Server | undefined;
  /** Refused and accepted attempts, for metrics and tests. */
  readonly counts = { adopted: 0, refused: 0 };

  constructor(
    readonly path: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  async listen(): Promise<void> {
    rmSync(this.path, { force: true });
    const server = net.createServer((c) => this.#handle(c));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, resolve);
    });
    this.#server = server;
  }

  offer(spec: ChainSpec, topology: ChainTopology, plan: AdoptPlan, slots: AdoptedInstance[], proxy?: ProxyManager): void {
    this.#offers.set(spec.name, { spec, topology, token: digest(plan.token), slots, proxy });
  }

  withdraw(chain: string): void {
    this.#offers.delete(chain);
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
    rmSync(this.path, { force: true });
  }

  #handle(c: net.Socket): void {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_LINE) return void this.#refuse(c, 'bad-request', 'hello line too long');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      c.off('data', onData);
      c.pause();
      let hello: Hello;
      try {
        hello = JSON.parse(buf.slice(0, nl)) as Hello;
      } catch {
        return void this.#refuse(c, 'bad-request', 'the hello line is not JSON');
      }
      this.#admit(c, hello).catch((err: Error) => this.#refuse(c, 'internal', err.message));
    };
    c.on('data', onData);
    c.on('error', () => {});
  }

  async #admit(c: net.Socket, h: Hello): Promise<void> {
    if (h?.v !== ADOPT_PROTOCOL || typeof h.chain !== 'string' || typeof h.fn !== 'string' || typeof h.token !== 'string') {
      return this.#refuse(c, 'bad-request', `hello must be {v: ${ADOPT_PROTOCOL}, chain, fn, token, pod?}`);
    }
    const o = this.#offers.get(h.chain);
    if (!o) return this.#refuse(c, 'unknown-chain', `no chain "${h.chain}" on this node accepts adopted processes (deployed: ${[...this.#offers.keys()].join(', ') || 'none'})`);
    // Compare digests: constant time whatever the token's length.
    if (!timingSafeEqual(digest(h.token), o.token)) return this.#refuse(c, 'bad-token', `wrong token for chain "${h.chain}" (it is the "token" key of the chain's Secret)`);
    const mine = o.slots.filter((s) => s.spec.fn === h.fn);
    if (mine.length === 0) return this.#refuse(c, 'unknown-function', `chain "${h.chain}" adopts no "${h.fn}" (adopts: ${[...new Set(o.slots.map((s) => s.spec.fn))].join(', ')})`);
    const slot = mine.find((s) => s.open);
    if (!slot) return this.#refuse(c, 'no-free-instance', `all ${mine.length} instance(s) of "${h.fn}" in chain "${h.chain}" are taken`);
    slot.reserve();
    let pid: number;
    try {
      const fd = (c as unknown as { _handle: { fd: number } })._handle.fd;
      pid = peerCredentials(fd).pid;
      const welcome: Welcome = { ok: true, instance: slot.spec.instance, topology: o.topology, gateway: o.spec.gateway, sproxyFd: o.proxy !== undefined };
      const line = Buffer.from(`${JSON.stringify(welcome)}\n`);
      if (o.proxy) {
        const ep = await o.proxy.sproxy.createFunctionSocket({ instance: slot.spec.instance, chain: o.topology.chainId, function: functionId(o.topology, h.fn) });
        if (c.destroyed) {
          ep.release(); // the process left while we created its socket
          return slot.unreserve();
        }
        try {
          sendWithFds(fd, line, [ep.fd]);
        } finally {
          ep.release(); // from now on only the adopted process holds it: its death unregisters it
        }
      } else {
        sendWithFds(fd, line, []);
      }
    } catch (err) {
      slot.unreserve();
      throw err;
    }
    this.counts.adopted++;
    this.log(`[${h.chain}] adopted pid ${pid} as ${h.fn} (instance ${slot.spec.instance & 0xffff})${h.pod?.name ? ` from pod ${h.pod.namespace ?? ''}/${h.pod.name}` : ''}`);
    slot.attach(c, pid, h.pod);
    c.resume();
  }

  #refuse(c: net.Socket, code: RefusalCode, error: string): void {
    this.counts.refused++;
    this.log(`adoption refused (${code}): ${error}`);
    const r: Refusal = { ok: false, code, error };
    c.end(`${JSON.stringify(r)}\n`);
  }
}
