// A SPRIGHT chain driven from outside: deployed and deleted through the spright CLI as a separate
// process (apps never import apps), reached through its gateway's HTTP address.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const SPRIGHT_CLI = join(REPO, 'apps/spright/src/cli/main.ts');
const WORK_FUNCTION = fileURLToPath(new URL('./work-function.ts', import.meta.url));

export class ChainUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainUnavailableError';
  }
}

function spright(args: string[], stateDir: string, timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    // Our own agent (own state dir): it loads the checkout's current code, and it exits with our chain.
    const env = { ...process.env, SPRIGHT_STATE_DIR: stateDir };
    const p = spawn(process.execPath, ['--import', 'tsx', SPRIGHT_CLI, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGTERM'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, out });
    });
    p.on('error', (err) => {
      clearTimeout(timer);
      done({ code: 1, out: String(err) });
    });
  });
}

export interface LiveChain {
  name: string;
  url: string;
  delete(): Promise<void>;
}

/**
 * Deploys a one-function chain whose function takes `execMs` per request. `slots` sizes the gateway's
 * and the function's concurrency (Mu's admission keeps in-flight requests at or below it) and the pool.
 */
export async function deployWorkChain(opts: { execMs: number; slots: number; timeoutMs?: number }): Promise<LiveChain> {
  const name = `mulive-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'mu-live-'));
  const spec = join(dir, 'chain.yaml');
  const conc = Math.max(8, opts.slots);
  writeFileSync(
    spec,
    [
      'apiVersion: spright/v1',
      `name: ${name}`,
      'transport: h',
      'pool:',
      '  objectSize: 4096',
      `  objects: ${Math.max(64, 2 * conc)}`,
      'gateway:',
      '  port: 8080',
      `  concurrency: ${conc}`,
      `  timeoutMs: ${Math.max(5000, 20 * opts.execMs)}`,
      'functions:',
      '  - name: work',
      `    module: ${WORK_FUNCTION}`,
      `    concurrency: ${conc}`,
      `    env: { EXEC_MS: "${opts.execMs}" }`,
      'routes:',
      '  default: [work]',
      '',
    ].join('\n'),
  );
  const stateDir = join(dir, 'state');
  const del = async () => {
    await spright(['delete', name], stateDir, 60_000);
    rmSync(dir, { recursive: true, force: true });
  };
  const r = await spright(['deploy', '-f', spec], stateDir, opts.timeoutMs ?? 180_000);
  const url = /is up at (\S+)/.exec(r.out)?.[1];
  if (r.code !== 0 || !url) {
    await del();
    throw new ChainUnavailableError(`spright deploy failed (exit ${r.code}): ${r.out.trim().split('\n').slice(-5).join(' | ')}`);
  }
  return { name, url, delete: del };
}
