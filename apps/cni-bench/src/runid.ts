// Run ids and leftovers. Every kernel object of a lab run (netns, the links inside them,
// BPF pins) and its scratch folder starts with the run id `cb<pid:5 base36><seq>` (8 chars,
// so derived link/netns names stay <= 15). A state file records the owner's pid and start
// time; objects whose owner is gone (Ctrl-C, SIGKILL, crash) are leftovers that the next run
// removes, while labs of live runs (another engineer, a parallel test) are left alone.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './exec.ts';

export const RID_RE = /^cb[0-9a-z]{6}/;
export const STATE_DIR = process.env.CNI_BENCH_STATE_DIR ?? '/run/fastpath-cni-bench';
export const SCRATCH_DIR = '/tmp/fastpath-cni-bench';
export const BPFFS = '/sys/fs/bpf';

let seq = 0;

export function newRunId(pid = process.pid): string {
  const s = (seq++ % 36).toString(36);
  return `cb${pid.toString(36).padStart(5, '0').slice(-5)}${s}`;
}

/** Process start time (clock ticks since boot), to tell a live owner from a reused pid. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function claim(rid: string, pid = process.pid): void {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(join(STATE_DIR, `${rid}.json`), JSON.stringify({ rid, pid, start: startTime(pid), at: new Date().toISOString() }));
}

export function release(rid: string): void {
  rmSync(join(STATE_DIR, `${rid}.json`), { force: true });
}

/** True while the process that created `rid` is still running. */
export function ownerAlive(rid: string): boolean {
  try {
    const s = JSON.parse(readFileSync(join(STATE_DIR, `${rid}.json`), 'utf8'));
    return s.start !== null && startTime(s.pid) === s.start;
  } catch {
    return false;
  }
}

export async function listNetns(): Promise<string[]> {
  const r = await run(['ip', 'netns', 'list'], { allowFail: true });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

export interface Leftovers {
  netns: string[];
  pins: string[];
  scratch: string[];
}

/** Objects carrying `rid` (or, with no rid, every run id whose owner is gone). */
export async function findObjects(rid?: string): Promise<Leftovers> {
  const match = (name: string) => {
    const m = RID_RE.exec(name);
    if (!m) return false;
    return rid ? m[0] === rid : !ownerAlive(m[0]);
  };
  const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  return {
    netns: (await listNetns()).filter(match),
    pins: ls(BPFFS).filter(match).map((n) => join(BPFFS, n)),
    scratch: ls(SCRATCH_DIR).filter(match).map((n) => join(SCRATCH_DIR, n)),
  };
}

/** Kills what runs inside the namespaces, then deletes namespaces, pins and scratch folders. */
export async function removeObjects(o: Leftovers): Promise<void> {
  for (const ns of o.netns) {
    const pids = (await run(['ip', 'netns', 'pids', ns], { allowFail: true })).stdout.split(/\s+/).filter(Boolean);
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  // Deleting a host netns destroys the links, routes, iptables/ipset state and tc filters in it.
  await Promise.all(o.netns.map((ns) => run(['ip', 'netns', 'del', ns], { allowFail: true })));
  for (const p of [...o.pins, ...o.scratch]) rmSync(p, { recursive: true, force: true });
  const rids = new Set([...o.netns, ...o.pins.map((p) => p.slice(BPFFS.length + 1)), ...o.scratch.map((p) => p.slice(SCRATCH_DIR.length + 1))].map((n) => RID_RE.exec(n)?.[0]));
  for (const r of rids) if (r && !ownerAlive(r)) release(r);
}

/** Removes leftovers of interrupted runs; returns what was removed (for the log). */
export async function cleanupStale(): Promise<Leftovers> {
  const o = await findObjects();
  await removeObjects(o);
  return o;
}

export function isEmpty(o: Leftovers): boolean {
  return o.netns.length + o.pins.length + o.scratch.length === 0;
}
