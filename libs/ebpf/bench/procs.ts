// Child processes of the bench: spawned with a socket as fd 3, killed at the end whatever happens.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import { workspaceRoot } from '@fastpath/native';

export const PEER = join(import.meta.dirname, 'peer.ts');
export const PINGPONG = join(workspaceRoot, 'dist', 'ebpf', 'pingpong');

const children = new Set<ChildProcess>();
export function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Starts `cmd` with `fd3` as its fd 3; `line` is its first stdout line (rejects if it exits first). */
export function child(cmd: string[], fd3?: number | Socket): { proc: ChildProcess; line: Promise<string> } {
  const stdio = ['ignore', 'pipe', 'inherit', ...(fd3 === undefined ? [] : [fd3])] as StdioOptions;
  const proc = spawn(cmd[0], cmd.slice(1), { stdio });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  const line = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c, sig) => reject(new Error(`${cmd.slice(0, 3).join(' ')} exited (${c ?? sig}) before printing`)));
  });
  line.catch(() => {}); // echo sides never print; callers that need the line await it
  return { proc, line };
}

/** A Node peer (bench/peer.ts) in `mode` with key=value args. */
export const nodePeer = (mode: string, args: Record<string, string | number>, fd3?: number | Socket) =>
  child([process.execPath, '--import', 'tsx', PEER, mode, ...Object.entries(args).map(([k, v]) => `${k}=${v}`)], fd3);

export const exited = (c: ChildProcess): Promise<void> =>
  new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
