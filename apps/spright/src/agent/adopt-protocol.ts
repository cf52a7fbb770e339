// Adoption: how a process the agent did not spawn (a function or gateway in a Kubernetes pod, on
// the same node) joins a chain's data plane. It connects to the agent's adoption socket (a hostPath
// Unix socket), says which chain and function it is and proves membership with the chain's token
// (from the chain's Secret). The agent answers with its instance id and the chain topology (region
// name and key: they travel only over this socket, never through the API server), plus, in S mode,
// the SPROXY socket it created and registered for it, attached with SCM_RIGHTS. The connection then
// stays open as the control channel (the same messages as the Node IPC channel of spawned
// processes, one JSON per line); when it closes the agent reclaims what the process held.
import { join } from 'node:path';
import type { ChainTopology } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import { stateDir } from '../paths.ts';
import { closeFd, recvWithFds, sendWithFds, unixConnect, UnixFdError } from './unix-fds.ts';

export const ADOPT_PROTOCOL = 1;
/** Longest hello or welcome line (a topology of a large chain fits easily). */
export const MAX_LINE = 1 << 20;

export function adoptSocket(dir = stateDir()): string {
  return join(dir, 'adopt.sock');
}

export interface PodIdentity {
  name?: string;
  namespace?: string;
  uid?: string;
}

export interface Hello {
  v: number;
  chain: string;
  /** A function name, or "gateway". */
  fn: string;
  token: string;
  pod?: PodIdentity;
}

export interface Welcome {
  ok: true;
  instance: number;
  topology: ChainTopology;
  gateway: ChainSpec['gateway'];
  /** An SCM_RIGHTS fd came with this line: the registered SPROXY socket. */
  sproxyFd: boolean;
}

export type RefusalCode = 'bad-request' | 'unknown-chain' | 'unknown-function' | 'bad-token' | 'no-free-instance' | 'internal';

export interface Refusal {
  ok: false;
  code: RefusalCode;
  error: string;
}

/** The agent refused to adopt this process (wrong token, unknown chain, ...). */
export class AdoptRefusedError extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(`spright: the node agent refused adoption (${code}): ${message}`);
    this.name = 'AdoptRefusedError';
  }
}

/** The agent's socket is missing or does not answer. */
export class AgentUnreachableError extends Error {
  constructor(
    readonly socket: string,
    detail: string,
  ) {
    super(`spright: cannot reach the node agent's adoption socket ${socket}: ${detail} (is the spright-agent DaemonSet running on this node, and /run/fastpath mounted?)`);
    this.name = 'AgentUnreachableError';
  }
}

export interface Adopted {
  welcome: Welcome;
  /** The control connection's fd (open it with `new net.Socket({ fd })`). */
  fd: number;
  /** The SPROXY socket's fd in S mode. */
  sproxyFd?: number;
}

/** The handshake, blocking (a process has nothing else to do before it joins its chain). */
export function adoptSelf(hello: Omit<Hello, 'v'>, o: { socket?: string; timeoutMs?: number } = {}): Adopted {
  const path = o.socket ?? adoptSocket();
  let fd: number;
  try {
    fd = unixConnect(path);
  } catch (err) {
    const e = err as UnixFdError;
    throw new AgentUnreachableError(path, e.errno === 2 ? 'no such socket' : e.errno === 111 ? 'connection refused' : e.message);
  }
  try {
    sendWithFds(fd, Buffer.from(`${JSON.stringify({ v: ADOPT_PROTOCOL, ...hello })}\n`), []);
    // The welcome line arrives in one sendmsg; a long topology may need more reads.
    const first = recvWithFds(fd, MAX_LINE, o.timeoutMs ?? 30_000);
    const fds = first.fds;
    let data = first.data;
    let text = data.toString('utf8');
    while (data.length > 0 && !text.includes('\n')) {
      data = recvWithFds(fd, MAX_LINE, o.timeoutMs ?? 30_000).data;
      text += data.toString('utf8');
    }
    if (!text.includes('\n')) throw new AgentUnreachableError(path, 'the agent closed the connection without an answer');
    const reply = JSON.parse(text.slice(0, text.indexOf('\n'))) as Welcome | Refusal;
    if (!reply.ok) {
      for (const f of fds) closeFd(f);
      throw new AdoptRefusedError(reply.code, reply.error);
    }
    if (reply.sproxyFd && fds.length !== 1) throw new AdoptRefusedError('internal', `expected the SPROXY socket with the answer, got ${fds.length} fds`);
    return { welcome: reply, fd, sproxyFd: reply.sproxyFd ? fds[0] : undefined };
  } catch (err) {
    closeFd(fd);
    if (err instanceof UnixFdError) throw new AgentUnreachableError(path, err.message);
    throw err;
  }
}
