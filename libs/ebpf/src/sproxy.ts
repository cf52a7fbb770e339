// The per-node SPROXY manager (runs as root): loads sproxy.bpf.o, owns the sockhash, creates
// every function's established TCP loopback socket, registers it, and hands it to the function
// process, which then needs no BPF rights at all.
//
// Each function socket is the client end of a TCP pair whose server end (the "peer") stays in
// the manager: the peer sees EOF when the function's socket closes (function exited or was
// killed; the kernel has then already removed the sockhash entry), and it receives the
// descriptors SPROXY refused for crossing a security domain (SK_PASS falls through to TCP).
import { EventEmitter } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { attachSkMsg, type Attachment } from './attach.ts';
import { DescriptorIo } from './descriptor-io.ts';
import { BpfUsageError } from './errors.ts';
import { closeFd, connectLoopback, localPort, pidfdGetfd, peerPid, socketKind } from './libc.ts';
import { u32Codec, UpdateFlags, type TypedMap } from './map.ts';
import { BpfObject } from './object.ts';
import {
  DESCRIPTOR_SIZE, SP_DEADLETTER_INSTANCE, decodeDescriptor, spIdentity, spMetricKey, spMetrics, spRoute, spRouteKey, sumSpMetrics,
  type Descriptor, type SpIdentity, type SpMetrics, type SpRoute, type SpRouteKey,
} from './layout.ts';
import type { FunctionIdentity } from './transport.ts';

export const sproxyObjectPath = (): string => join(workspaceRoot, 'dist', 'bpf', 'sproxy.bpf.o');

export interface SproxyOptions {
  /** Object file (default dist/bpf/sproxy.bpf.o). */
  objectPath?: string;
}

/** A registered function socket, before and after hand-off. */
export interface FunctionEndpoint {
  readonly identity: FunctionIdentity;
  /** The manager's copy of the function socket's fd (until handed off). Put it in a child's
   *  stdio array (e.g. index 3) and the child opens `CreditTransport.fromFd(3, ...)`. */
  readonly fd: number;
  /** Gives up the manager's copy after the child got it (spawn returned / send completed).
   *  From now on only the function holds the socket, so its death removes the sockhash entry. */
  release(): void;
  /** Opens the socket in this process instead (tests, benches, in-process functions). */
  openHere(): net.Socket;
  /** Resolves when the function's socket is closed everywhere (the peer saw EOF). */
  readonly closed: Promise<void>;
}

interface Registration {
  identity: FunctionIdentity;
  peer: net.Socket;
  seq: number;
}

export interface MetricsRow extends SpMetrics { chain: number; function: number }

interface ManagerEvents {
  /** A descriptor for an unknown or gone target, read from the dead-letter socket. */
  deadLetter: [Descriptor];
  /** A descriptor SPROXY refused (security domain), read from the sender's peer socket. */
  dropped: [Descriptor, FunctionIdentity];
  /** A function's socket closed (process exited or was killed). */
  exit: [FunctionIdentity];
  error: [Error];
}

export class SproxyManager extends EventEmitter<ManagerEvents> implements AsyncDisposable {
  readonly object: BpfObject;
  private readonly sockets;
  private readonly sender: TypedMap<number, SpIdentity>;
  private readonly instances: TypedMap<number, SpIdentity>;
  private readonly routes: TypedMap<SpRouteKey, SpRoute>;
  private readonly metricsMap: TypedMap<{ chain: number; function: number }, SpMetrics>;
  private readonly verdict: Attachment;
  private listener!: net.Server;
  private port = 0;
  private readonly awaitingPeer = new Map<number, (s: net.Socket) => void>();
  private readonly earlyPeers = new Map<number, net.Socket>();
  private readonly registered = new Map<number, Registration>();
  private deadLetter?: net.Socket;
  private regServer?: net.Server;
  private regPath?: string;
  private seq = 0;
  private closing = false;
  /** Descriptors read from the dead-letter socket / from peers (security drops). */
  readonly counts = { deadLetters: 0, dropped: 0 };

  private constructor(object: BpfObject) {
    super();
    this.object = object;
    this.sockets = object.map('sp_sockets');
    this.sender = object.map('sp_sender').typed(u32Codec, spIdentity);
    this.instances = object.map('sp_instances').typed(u32Codec, spIdentity);
    this.routes = object.map('sp_routes').typed(spRouteKey, spRoute);
    this.metricsMap = object.map('sp_metrics').typed(spMetricKey, spMetrics);
    this.verdict = attachSkMsg(object, object.program('sproxy_msg'), this.sockets);
  }

  /** Loads SPROXY, attaches it to its sockhash and sets up the dead-letter socket. */
  static async start(opts: SproxyOptions = {}): Promise<SproxyManager> {
    const obj = BpfObject.load(opts.objectPath ?? sproxyObjectPath());
    let m: SproxyManager | undefined;
    try {
      m = new SproxyManager(obj);
      await m.listen();
      await m.openDeadLetter();
      return m;
    } catch (e) {
      if (m) await m.close();
      else obj.dispose();
      throw e;
    }
  }

  private listen(): Promise<void> {
    this.listener = net.createServer({ pauseOnConnect: true }, (s) => {
      const port = s.remotePort!;
      const want = this.awaitingPeer.get(port);
      if (want) {
        this.awaitingPeer.delete(port);
        want(s);
      } else this.earlyPeers.set(port, s);
    });
    return new Promise((resolve, reject) => {
      this.listener.once('error', reject);
      this.listener.listen(0, '127.0.0.1', () => {
        this.port = (this.listener.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private peerFor(port: number): Promise<net.Socket> {
    const early = this.earlyPeers.get(port);
    if (early) {
      this.earlyPeers.delete(port);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => this.awaitingPeer.set(port, resolve));
  }

  private async openDeadLetter(): Promise<void> {
    const fd = connectLoopback(this.port);
    const peer = await this.peerFor(localPort(fd));
    peer.on('error', () => {});
    this.sockets.update(u32Codec.encode(SP_DEADLETTER_INSTANCE), fdValue(fd));
    this.deadLetter = new net.Socket({ fd, readable: true, writable: true });
    framed(this.deadLetter, (d) => {
      this.counts.deadLetters++;
      this.emit('deadLetter', d);
    });
    this.deadLetter.on('error', (e) => this.emit('error', e));
    this.deadLetter.on('close', () => peer.destroy());
  }

  /** Creates, registers and returns a function's socket (see FunctionEndpoint). */
  async createFunctionSocket(identity: FunctionIdentity): Promise<FunctionEndpoint> {
    checkIdentity(identity);
    const fd = connectLoopback(this.port);
    let owned = true;
    try {
      const peer = await this.peerFor(localPort(fd));
      const reg = this.register(fd, identity, peer);
      const closed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
      return {
        identity,
        fd,
        release: () => {
          if (owned) closeFd(fd);
          owned = false;
        },
        openHere: () => {
          if (!owned) throw new BpfUsageError('this function socket was already released or opened');
          owned = false;
          return new net.Socket({ fd, readable: true, writable: true });
        },
        closed: closed.then(() => void reg),
      };
    } catch (e) {
      closeFd(fd);
      throw e;
    }
  }

  /**
   * Registers a socket that lives in another process (and maybe another network namespace):
   * duplicates its fds with pidfd_getfd. `fd` is the function's connected TCP socket, `peerFd`
   * the other end of its pair (the manager keeps it; the function closes its copy).
   */
  adoptFromProcess(pid: number, fd: number, peerFd: number, identity: FunctionIdentity): void {
    checkIdentity(identity);
    const mine = pidfdGetfd(pid, fd);
    let peerMine = -1;
    try {
      const [domain, type] = socketKind(mine);
      if ((domain !== 2 && domain !== 10) || type !== 1) throw new BpfUsageError(`fd ${fd} of pid ${pid} is not a TCP socket`);
      peerMine = pidfdGetfd(pid, peerFd);
      const peer = new net.Socket({ fd: peerMine, readable: true, writable: true });
      peerMine = -1;
      this.register(mine, identity, peer);
    } finally {
      closeFd(mine); // the function's own fd keeps the socket alive; the sockhash holds the sock
      if (peerMine >= 0) closeFd(peerMine);
    }
  }

  /**
   * Serves registrations on a Unix socket path (reachable from other network namespaces
   * through the filesystem): one JSON line {fd, peerFd, instance, chain, function}; the pid
   * comes from SO_PEERCRED, not from the message. Replies {"ok":true} or {"error":"..."}.
   */
  async serveRegistrations(path: string): Promise<void> {
    if (existsSync(path)) rmSync(path);
    this.regPath = path;
    this.regServer = net.createServer((c) => {
      let buf = '';
      c.on('error', () => {});
      c.on('data', (b) => {
        buf += b.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        try {
          const msg = JSON.parse(buf.slice(0, nl));
          const pid = peerPid((c as any)._handle.fd);
          this.adoptFromProcess(pid, msg.fd, msg.peerFd, { instance: msg.instance, chain: msg.chain, function: msg.function });
          c.end('{"ok":true}\n');
        } catch (e) {
          c.end(JSON.stringify({ error: (e as Error).message }) + '\n');
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.regServer!.once('error', reject);
      this.regServer!.listen(path, resolve);
    });
  }

  private register(fd: number, identity: FunctionIdentity, peer: net.Socket): Registration {
    const key = u32Codec.encode(identity.instance);
    this.sender.set(fd, identity);
    this.instances.set(identity.instance, identity);
    // BPF_ANY: a restarted instance replaces its predecessor's entry.
    this.sockets.update(key, fdValue(fd), UpdateFlags.ANY);
    const reg: Registration = { identity, peer, seq: ++this.seq };
    this.registered.set(identity.instance, reg);
    framed(peer, (d) => {
      this.counts.dropped++;
      this.emit('dropped', d, identity);
    });
    peer.on('error', () => {});
    peer.on('close', () => this.onPeerClosed(reg));
    return reg;
  }

  private onPeerClosed(reg: Registration): void {
    const cur = this.registered.get(reg.identity.instance);
    if (cur !== reg) return; // replaced by a restart meanwhile
    this.registered.delete(reg.identity.instance);
    if (!this.object.disposed) this.instances.delete(reg.identity.instance);
    if (!this.closing) this.emit('exit', reg.identity);
  }

  /** Removes a function: its sockhash entry and identity (its socket stays open in its process). */
  unregister(instance: number): boolean {
    const reg = this.registered.get(instance);
    if (!reg) return false;
    this.registered.delete(instance);
    this.instances.delete(instance);
    this.sockets.delete(u32Codec.encode(instance));
    reg.peer.destroy();
    return true;
  }

  /** Whether the kernel still holds a socket for this instance. */
  hasSocket(instance: number): boolean {
    return this.sockets.lookup(u32Codec.encode(instance)) !== undefined;
  }

  /** Registered instances (manager's view). */
  get functions(): FunctionIdentity[] {
    return [...this.registered.values()].map((r) => r.identity);
  }

  /** DFR: descriptors with the ROUTE flag from (chain, function) on `topic` go round-robin to `instances`. */
  setRoute(chain: number, fromFunction: number, topic: number, instances: number[]): void {
    if (instances.length === 0) throw new BpfUsageError('a route needs at least one instance; use deleteRoute');
    this.routes.set({ chain, function: fromFunction, topic, pad: 0 }, { count: instances.length, next: 0, instances });
  }

  deleteRoute(chain: number, fromFunction: number, topic: number): boolean {
    return this.routes.delete({ chain, function: fromFunction, topic, pad: 0 });
  }

  /** Per (chain, function) counters, summed over CPUs. */
  metrics(): MetricsRow[] {
    const rows: MetricsRow[] = [];
    for (const [k, v] of this.metricsMap.aggregated(sumSpMetrics)) rows.push({ chain: k.chain, function: k.function, ...v });
    return rows.sort((a, b) => a.chain - b.chain || a.function - b.function);
  }

  /** Clears all counters (e.g. between benchmark phases). */
  resetMetrics(): void {
    for (const k of [...this.metricsMap.raw.keys()]) this.metricsMap.raw.delete(k);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const r of this.registered.values()) r.peer.destroy();
    this.registered.clear();
    for (const s of this.earlyPeers.values()) s.destroy();
    this.deadLetter?.destroy();
    await new Promise<void>((r) => (this.listener ? this.listener.close(() => r()) : r()));
    if (this.regServer) await new Promise<void>((r) => this.regServer!.close(() => r()));
    if (this.regPath && existsSync(this.regPath)) rmSync(this.regPath);
    this.verdict.detach();
    this.object.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function checkIdentity(id: FunctionIdentity): void {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(id.instance, 0xfffffffe) || id.instance === 0) throw new BpfUsageError(`instance ${id.instance} must be in 1..0xfffffffe (0 means "route", 0xffffffff is the dead-letter socket)`);
  if (!ok(id.chain, 0xffff) || !ok(id.function, 0xffff)) throw new BpfUsageError(`chain ${id.chain} and function ${id.function} must be u16`);
}

/** A sockhash value on update: the socket fd as u64. */
function fdValue(fd: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(fd, 0);
  return b;
}

/** Reads a socket as descriptors (DescriptorIo does the framing). */
function framed(socket: net.Socket, each: (d: Descriptor) => void): void {
  DescriptorIo.fromSocket(socket).onUnits((b, start, end) => {
    for (let off = start; off < end; off += DESCRIPTOR_SIZE) each(decodeDescriptor(b, off));
  });
}
