// The bench's command line: --help, and bad sizes refused before anything is set up.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';

const RUN = join(import.meta.dirname, '..', 'bench', 'run.ts');
const bench = (env: Record<string, string>, args: string[] = []) =>
  spawnSync(process.execPath, ['--import', 'tsx', RUN, ...args], { cwd: workspaceRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });

describe('ebpf bench CLI', { timeout: 150_000 }, () => {
  it('--help lists the size variables and exits 0', () => {
    const r = bench({}, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/EBPF_BENCH_ROUNDS=3 .*EBPF_BENCH_RULES=0,1000,10000/s);
  });

  it.each([
    [{ EBPF_BENCH_ROUNDS: '0' }, /EBPF_BENCH_ROUNDS=0 must be an integer >= 1/],
    [{ EBPF_BENCH_RTT_ITERS: 'lots' }, /EBPF_BENCH_RTT_ITERS=lots must be an integer/],
    [{ EBPF_BENCH_RULES: '0,x' }, /EBPF_BENCH_RULES=0,x must list rule counts/],
    [{ EBPF_BENCH_RULES: '100000' }, /must list rule counts 0\.\.65535/],
  ])('refuses %o with exit 2 and says what is wrong', (env, message) => {
    const r = bench(env as Record<string, string>);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
