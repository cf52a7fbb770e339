// Test helpers shared by native/* projects: run C unit tests (ASan/UBSan builds) as vitest cases,
// and run a Node snippet with the ASan build of a library preloaded.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { nativeDir, workspaceRoot } from './paths.ts';

/** One vitest case per C unit test executable dist/native/asan/test/<lib>-*. */
export function defineCTests(lib: string): void {
  const dir = join(nativeDir(), 'asan', 'test');
  const bins = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${lib}-`)) : [];
  it(`${lib}: C unit tests are built`, () => {
    expect(bins.length, `no C tests for ${lib} in ${dir}; run its nx build target`).toBeGreaterThan(0);
  });
  for (const bin of bins) {
    it(`${bin} passes under ASan+UBSan`, () => {
      const r = spawnSync(join(dir, bin), { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0' } });
      expect(r.status, `${bin} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    });
  }
}

/** Path of the sanitizer runtimes to LD_PRELOAD so node can load an ASan-built .so. */
export function sanitizerPreload(): string {
  const lib = (name: string) => execFileSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
  return [lib('libasan.so'), lib('libubsan.so')].join(' ');
}

/** Runs a TypeScript/JS module with tsx under the ASan build of every native library. */
export function runUnderAsan(script: string, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      LD_PRELOAD: sanitizerPreload(),
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0',
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
      FASTPATH_NATIVE_VARIANT: 'asan',
    },
  });
}
