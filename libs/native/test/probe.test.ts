import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { libraryPath, loadLibrary, loadProbe, NativeLoadError, workspaceRoot } from '../src/index.ts';
import { runUnderAsan } from '../src/testing.ts';

describe('native probe binding (C -> .so -> koffi -> TS)', () => {
  const probe = loadProbe();

  it('reports its ABI and version', () => {
    expect(probe.abiVersion()).toBe(1);
    expect(probe.version()).toMatch(/^fastpath-probe 1 gcc-/);
  });

  it('reads the host', () => {
    expect(probe.cachelineSize()).toBeGreaterThanOrEqual(16);
    expect(probe.hugepagesFree()).toBeGreaterThanOrEqual(-1);
    const d = probe.describe();
    expect(Number(d.cpus)).toBeGreaterThan(0);
    expect(Number(d.pagesize)).toBe(4096);
    expect(d.abi).toBe('1');
  });

  it('exposes the 16-byte descriptor layout shared with TypeScript and eBPF', () => {
    expect(probe.descriptorLayout()).toEqual({ instance: 0, chain: 4, flags: 6, object: 8, size: 16 });
  });

  it('names the build command when a library is missing', () => {
    expect(() => loadLibrary('fastpath_nosuch')).toThrow(NativeLoadError);
    expect(() => loadLibrary('fastpath_nosuch')).toThrow(/nx run native-nosuch:build/);
  });

  it('the ASan/UBSan build loads under node and passes the same checks', () => {
    expect(libraryPath('fastpath_probe', 'asan')).toContain('/asan/');
    const r = runUnderAsan(join(workspaceRoot, 'libs/native/test/fixtures/probe-smoke.ts'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('asan-probe-ok');
  });
});
