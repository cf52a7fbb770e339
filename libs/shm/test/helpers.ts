// Shared test helpers: unique pid-based region names, cleanup of everything a test created,
// and spawning TypeScript children (tsx) that attach to a region.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { Region } from '../src/index.ts';

// Regions of earlier runs that were killed outright (their creator pid is dead): remove them.
Region.sweepStale('fpt-');

let seq = 0;
const created = new Set<string>();

/** A region name unique to this process and call (fpt-<pid>-<tag>-<n>). */
export function regionName(tag: string): string {
  const n = `fpt-${process.pid}-${tag}-${seq++}`;
  created.add(n);
  return n;
}

/** Removes every region this process named (call from afterAll/afterEach). */
export function cleanupRegions(): void {
  for (const n of created) Region.unlink(n);
  created.clear();
}

export const fixture = (name: string) => join(workspaceRoot, 'libs/shm/test/fixtures', name);

export interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when a stdout line starts with `prefix`, with the rest of the line. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
}

const children = new Set<ChildProcess>();

/** Runs libs/shm/test/fixtures/<script> under tsx with extra env. */
export function spawnChild(script: string, args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], {
    cwd: workspaceRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const c: Child = {
    proc,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) =>
      proc.on('exit', (code, signal) => {
        children.delete(proc);
        resolve({ code, signal });
      }),
    ),
    line(prefix, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child ${script}: no "${prefix}" line within ${timeoutMs} ms; stderr:\n${c.stderr}`)), timeoutMs);
        const check = () => {
          const l = c.stdout.split('\n').find((x) => x.startsWith(prefix));
          if (l !== undefined) {
            clearTimeout(t);
            proc.stdout!.off('data', check);
            resolve(l.slice(prefix.length).trim());
          }
        };
        proc.stdout!.on('data', check);
        proc.on('exit', () => setImmediate(() => {
          check();
          clearTimeout(t);
          reject(new Error(`child ${script} exited before "${prefix}"; stderr:\n${c.stderr}`));
        }));
        check();
      });
    },
  };
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (c.stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (c.stderr += d));
  return c;
}

/** SIGKILLs children still running (afterAll). */
export function killChildren(): void {
  for (const p of children) p.kill('SIGKILL');
  children.clear();
}
