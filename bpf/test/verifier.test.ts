// Every program under dist/bpf must pass this kernel's verifier: load it with bpftool
// (which creates its maps), check its programs are pinned, then unpin everything.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';

const out = join(workspaceRoot, 'dist', 'bpf');
const objects = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.bpf.o')) : [];

function loadAll(obj: string) {
  if (!existsSync('/sys/fs/bpf')) throw new Error('bpffs is not mounted at /sys/fs/bpf; run scripts/bootstrap.sh');
  const pin = join('/sys/fs/bpf', `fastpath-verify-${process.pid}-${Date.now()}`);
  const r = spawnSync('bpftool', ['-d', 'prog', 'loadall', obj, pin], { encoding: 'utf8', maxBuffer: 64 << 20 /* -d logs of looping programs exceed 1 MiB */ });
  const pinned = existsSync(pin) ? readdirSync(pin) : [];
  rmSync(pin, { recursive: true, force: true });
  return { ...r, pinned };
}

describe('eBPF verifier on this kernel', () => {
  it('the bpf build produced objects', () => {
    expect(objects.length, `no objects in ${out}; run pnpm nx run bpf:build`).toBeGreaterThan(0);
  });

  for (const obj of objects) {
    it(`${obj} passes the verifier`, () => {
      const r = loadAll(join(out, obj));
      expect(r.status, `verifier rejected ${obj}:\n${r.stderr.slice(-4000)}`).toBe(0);
      expect(r.pinned.length).toBeGreaterThan(0);
    });
  }

  it('a program reading packets without bounds checks is rejected, with the verifier log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-bpf-'));
    const o = join(dir, 'rejected.bpf.o');
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-I${out}`, '-c', join(import.meta.dirname, 'fixtures', 'rejected.bpf.c'), '-o', o]);
    const r = loadAll(o);
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/invalid access to packet|R\d+ .*pkt/);
  });
});
