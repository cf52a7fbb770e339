// The `spright` CLI as a user runs it. Argument handling runs in-process (fast); the full
// deploy / status / invoke / delete cycle runs real CLI processes with the agent started on
// demand, and must leave nothing behind.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuShare } from '../src/agent/proc.ts';
import { agentSocket, agentTag, cliEntry, workspaceRoot } from '../src/paths.ts';
import { fixtures, leftovers, useStateDir, writeSpec } from './helpers.ts';
import { runCli } from './run-cli.ts';

const dir = useStateDir('cli');
const tag = agentTag();

/** A real `spright` process. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: workspaceRoot, env: { ...process.env, SPRIGHT_STATE_DIR: dir } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

const run = runCli;

const name = `c${process.pid}`;
const good = `name: ${name}
transport: h
pool: { objectSize: 4096, objects: 32 }
functions:
  - { name: a, module: ${fixtures}/relay.ts }
  - { name: c, module: ${fixtures}/echo.ts }
routes:
  default: [a, c]
`;

describe('spright CLI', () => {
  afterAll(async () => {
    // Safety net if a test failed half-way: ask the agent to delete the chain.
    if (existsSync(agentSocket(dir))) await cli('delete', name);
    rmSync(dir, { recursive: true, force: true });
  });

  it('has --help on every command', async () => {
    const top = await run('--help');
    for (const c of ['deploy', 'status', 'logs', 'invoke', 'delete', 'demo']) expect(top).toContain(c);
    for (const [c, flag] of [['deploy', '--dry-run'], ['deploy', '--kubeconfig'], ['deploy', '--timeout'], ['status', '--json'], ['logs', '--lines'], ['invoke', '--data'], ['delete', '<chain>'], ['delete', '--target'], ['demo', '--duration']]) {
      expect(await run(c, '--help'), c).toContain(flag);
    }
    await expect(run('deploy')).rejects.toThrow(/give the chain spec, as an argument or with -f/);
    await expect(run('deploy', 'a.yaml', '-f', 'b.yaml')).rejects.toThrow(/two chain specs given/);
  });

  it('an invalid spec fails with field and line, and starts nothing (not even the agent)', async () => {
    const file = writeSpec(dir, 'bad', good.replace('{ name: c, module', '{ name: c, instances: -2, module'));
    await expect(run('deploy', '-f', file)).rejects.toThrow(`${file}:6:`);
    await expect(run('deploy', '-f', file)).rejects.toThrow('functions[1].instances: must be >= 1');
    expect(existsSync(agentSocket(dir))).toBe(false);
    expect(leftovers(tag)).toEqual([]);
  });

  it('unknown targets and k8s-only options on the local target are refused; --dry-run prints the plan and starts nothing', async () => {
    const file = writeSpec(dir, name, good);
    await expect(run('deploy', '-f', file, '--target', 'moon')).rejects.toThrow(/unknown target "moon"/);
    await expect(run('delete', name, '--target', 'moon')).rejects.toThrow(/unknown target "moon"/);
    await expect(run('deploy', file, '--namespace', 'x', '--dry-run')).rejects.toThrow(/--namespace only apply to --target k8s/);
    const d = await run('deploy', file, '--dry-run');
    expect(d).toContain('dry run: nothing was started');
    const plan = JSON.parse(d.slice(0, d.lastIndexOf('}') + 1));
    expect(plan.plan.functions.map((f: { name: string }) => f.name)).toEqual(['a', 'c']);
    expect(existsSync(agentSocket(dir))).toBe(false);
  });

  it('deploy -> status -> invoke -> logs -> idle CPU -> delete, leaving nothing behind', async () => {
    const file = writeSpec(dir, name, good);
    const d = await cli('deploy', '-f', file);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toMatch(/data-plane setup \d+\.\d+ ms/);
    expect(d.out).toContain(`chain ${name} (transport h) is up at http://10.`);
    expect(d.err).toContain(`starting ${name}`); // progress while starting

    const st = JSON.parse(await run('status', '--json'));
    expect(st).toHaveLength(1);
    const pids: number[] = st[0].instances.map((i: { pid: number }) => i.pid);
    expect(pids).toHaveLength(3);
    expect(await run('status')).toMatch(new RegExp(`${name}\\s+running\\s+transport h`));

    const inv = await cli('invoke', name, '/hello', '--data', 'hi there', '-i');
    expect(inv.code, inv.err).toBe(0);
    expect(inv.out).toContain('HTTP 200');
    expect(inv.out).toContain('x-fn: c');
    expect(inv.out.trim().endsWith('hi there')).toBe(true);
    expect(await run('invoke', name, '/status?code=404', '-X', 'GET', '-H', 'x-a: b')).toContain('custom status');
    expect(process.exitCode).toBe(1); // a non-2xx answer makes the command fail
    process.exitCode = 0;

    expect(await run('logs', 'gateway')).toContain('==> gateway');
    await expect(run('logs', 'nope')).rejects.toThrow(/no deployed chain has a function "nope"/);

    // Idle CPU of the warm chain (H mode): reported, not asserted (apps/spright/bench/idle-cpu.ts does 60 s).
    const idle = await cpuShare(pids, 3000);
    console.log(`idle CPU over 3 s, H mode (share of one core): ${Object.values(idle).map((v) => `${(v * 100).toFixed(2)}%`).join(', ')}`);
    for (const v of Object.values(idle)) expect(v).toBeGreaterThanOrEqual(0);

    const del = await cli('delete', name);
    expect(del.code, del.err).toBe(0);
    // The on-demand agent exits with its last chain.
    for (let i = 0; i < 50 && existsSync(agentSocket(dir)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(agentSocket(dir))).toBe(false);
    expect(leftovers(tag, pids)).toEqual([]);
    expect(existsSync(join(dir, 'logs', name))).toBe(false);
    expect(await run('status')).toContain('no spright agent running');
  }, 120_000);
});
