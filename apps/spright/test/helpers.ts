// Shared by the app's tests: a private state dir (pid-based, so kernel object names are unique),
// spec writing, HTTP helpers and the "nothing left behind" probe.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';

export const fixtures = join(import.meta.dirname, 'fixtures', 'functions');

/** Points the agent code at a fresh state dir; returns it. Call before any deploy. */
export function useStateDir(label: string): string {
  const dir = `/tmp/spright-test-${process.pid}-${label}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.SPRIGHT_STATE_DIR = dir;
  return dir;
}

export function writeSpec(dir: string, name: string, yaml: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function http(url: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: false } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout ${url}`)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kernel objects and processes of an agent tag still present (regions, netns, veths). */
export function leftovers(tag: string, pids: number[] = []): string[] {
  const out: string[] = [];
  for (const dir of ['/dev/shm', '/dev/hugepages']) {
    if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.includes(`sp${tag}-`)) out.push(`${dir}/${f}`);
  }
  if (existsSync('/run/netns')) for (const n of readdirSync('/run/netns')) if (n.startsWith(`sp${tag}-`)) out.push(`netns ${n}`);
  for (const l of readdirSync('/sys/class/net')) if (l.startsWith(`sp${tag}`)) out.push(`link ${l}`);
  for (const p of pids) if (pidAlive(p)) out.push(`pid ${p}`);
  return out;
}
