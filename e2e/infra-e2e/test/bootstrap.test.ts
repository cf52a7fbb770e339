// The machine set-up, driven from outside as a user runs it: bootstrap is idempotent and
// reports the host's capabilities; the doctor CLI answers --help and --json.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';

const sh = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { cwd: workspaceRoot, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' }, timeout: 600_000 });

describe('scripts/bootstrap.sh', () => {
  it('run twice in a row, the second run changes nothing and prints the capability table', () => {
    const first = sh('bash', [join(workspaceRoot, 'scripts/bootstrap.sh')]);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const second = sh('bash', [join(workspaceRoot, 'scripts/bootstrap.sh')]);
    expect(second.status, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toContain('done: nothing to change, the machine was already set up');
    expect(second.stdout).toMatch(/[✓✗] BPF sk_msg \+ sockmap/);
    expect(second.stdout).toMatch(/[✓✗] hugepages \(2 MiB\)/);
    expect(second.stdout).toMatch(/[✓✗] SCTP/);
  });

  it('rejects a bad option with a pointer to --help, and --help explains itself', () => {
    const bad = sh('bash', [join(workspaceRoot, 'scripts/bootstrap.sh'), '--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown option --frobnicate (see --help)');
    const help = sh('bash', [join(workspaceRoot, 'scripts/bootstrap.sh'), '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--hugepages N');
    const hp = sh('bash', [join(workspaceRoot, 'scripts/bootstrap.sh'), '--hugepages', 'lots']);
    expect(hp.status).not.toBe(0);
    expect(hp.stderr).toContain("--hugepages takes a whole number, got 'lots'");
  });

  it('refuses to run without root, saying why', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', join(workspaceRoot, 'scripts/bootstrap.sh')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('must run as root');
  });
});

describe('infra:doctor', () => {
  it('reports every capability as JSON with a consequence', () => {
    // the CLI behind `pnpm nx run infra:doctor`, called directly so stdout is pure JSON
    const r = sh(process.execPath, ['--import', 'tsx', 'infra/local/src/doctor.ts', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    const names = json.map((c: { name: string }) => c.name);
    for (const n of ['root', 'BTF', 'bpffs', 'BPF sk_msg + sockmap', 'XDP', 'tc (sched_cls)', 'hugepages (2 MiB)', 'network namespaces', 'SCTP', 'IPIP']) {
      expect(names).toContain(n);
    }
    for (const c of json) expect(c.consequence.length).toBeGreaterThan(10);
    // this kernel is known to lack SCTP and IPIP; the probe must say so rather than guess
    expect(json.find((c: { name: string }) => c.name === 'root').ok).toBe(true);
  });
});
