// Shared vitest settings: every project resolves @fastpath/* to the library sources
// (the same map as tsconfig.base.json), and writes a JSON report that .ci/run aggregates.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));

function aliases(): { find: RegExp; replacement: string }[] {
  const ts = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  // Exact matches, in tsconfig order: '@fastpath/native/testing' before '@fastpath/*';
  // a '*' stands for one path segment (a library's folder name).
  return Object.entries<string[]>(ts.compilerOptions.paths ?? {}).map(([name, targets]) => ({
    find: new RegExp(`^${escape(name).replace('\\*', '([^/]+)')}$`),
    replacement: resolve(root, targets[0]).replace('*', '$1'),
  }));
}

export interface PresetOptions {
  /** Test timeout in ms (multi-process and namespace tests need more than the default). */
  testTimeout?: number;
  /** Run test files one at a time (tests that own kernel objects or measure CPU). */
  serial?: boolean;
  include?: string[];
}

export function fastpathVitest(projectDir: string, opts: PresetOptions = {}): UserConfig {
  const name = relative(root, projectDir).replaceAll('/', '-');
  const reportDir = join(root, 'dist', 'test-results');
  return defineConfig({
    resolve: { alias: aliases() },
    test: {
      name,
      root: projectDir,
      include: opts.include ?? ['test/**/*.test.ts'],
      testTimeout: opts.testTimeout ?? 30_000,
      hookTimeout: opts.testTimeout ?? 30_000,
      pool: 'forks',
      fileParallelism: !opts.serial,
      reporters: ['default', ['json', { outputFile: join(reportDir, `${name}.json`) }]],
    },
  });
}
