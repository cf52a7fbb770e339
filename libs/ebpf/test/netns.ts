// Network namespaces for tests: pid-prefixed names, removed in finally/afterAll.
import { execFileSync } from 'node:child_process';

export const prefix = `fp${process.pid}`;
const made = new Set<string>();

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function addNetns(suffix: string): string {
  const name = `${prefix}${suffix}`;
  sh('ip', ['netns', 'add', name]);
  made.add(name);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function delNetns(name: string): void {
  try {
    sh('ip', ['netns', 'del', name]);
  } catch {
    /* already gone */
  }
  made.delete(name);
}

export function cleanupNetns(): void {
  for (const n of [...made]) delNetns(n);
}

/** Namespaces or links left behind by this process (must be none after cleanup). */
export function leftovers(): string[] {
  const ns = sh('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith(prefix));
  const links = sh('ip', ['-o', 'link', 'show']).split('\n').filter((l) => l.includes(prefix));
  return [...ns, ...links];
}
