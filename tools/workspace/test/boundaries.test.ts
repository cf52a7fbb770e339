// Workspace rules that must hold for every project: module boundaries are enforced,
// every project is tagged, and one version of each toolchain package is used.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';

describe('module boundaries (apps -> libs -> nothing above)', () => {
  it('rejects app -> app and lib -> app imports with the real eslint config, allows app -> lib', async () => {
    const mod = await import(join(workspaceRoot, 'eslint.config.js'));
    const config = (mod.default as object[]).filter((c) => c !== mod.boundaryFixtures);
    const eslint = new ESLint({ cwd: workspaceRoot, overrideConfigFile: true, overrideConfig: config as never });
    const results = await eslint.lintFiles(['tools/boundary-fixtures/**/*.ts']);
    const violations = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => `${r.filePath.replace(workspaceRoot + '/', '')}:${m.line}`),
    );
    expect(violations.sort()).toEqual(['tools/boundary-fixtures/app-a/src/index.ts:2', 'tools/boundary-fixtures/lib-c/src/index.ts:2']);
  });
});

describe('project graph', () => {
  // One nx invocation: the graph file carries every project's root, tags and dependencies.
  const file = join(mkdtempSync(join(tmpdir(), 'fp-graph-')), 'graph.json');
  execFileSync('pnpm', ['exec', 'nx', 'graph', `--file=${file}`], { cwd: workspaceRoot, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } });
  const graph: { nodes: Record<string, { data: { root: string; tags?: string[] } }>; dependencies: Record<string, { target: string }[]> } =
    JSON.parse(readFileSync(file, 'utf8')).graph;
  rmSync(dirname(file), { recursive: true, force: true });
  const type = (n: string) => graph.nodes[n]?.data.tags?.find((t) => t.startsWith('type:'));

  it('lists the workspace projects', () => {
    for (const p of ['native', 'native-probe', 'bpf', 'bench', 'plot', 'metrics', 'infra', 'all']) expect(Object.keys(graph.nodes)).toContain(p);
  });

  it('every project carries a type and a scope tag', () => {
    for (const [name, p] of Object.entries(graph.nodes)) {
      if (p.data.root === '.') continue; // the root package.json
      expect(p.data.tags?.some((t) => t.startsWith('type:')), `${name} has no type: tag`).toBe(true);
      expect(p.data.tags?.some((t) => t.startsWith('scope:')), `${name} has no scope: tag`).toBe(true);
    }
  });

  it('libs never depend on apps, and apps never on other apps', () => {
    for (const [from, deps] of Object.entries(graph.dependencies)) {
      if (from.startsWith('fixture-')) continue; // the deliberate violations above
      for (const d of deps) {
        if (type(from) === 'type:lib' || type(from) === 'type:app') expect(type(d.target), `${from} -> ${d.target}`).not.toBe('type:app');
      }
    }
  });
});

describe('single version policy', () => {
  it('all @nx/* packages match nx, and @kubernetes/client-node stays on 1.4.x (2.x needs Node 22)', () => {
    const pkg = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8'));
    const all = { ...pkg.dependencies, ...pkg.devDependencies } as Record<string, string>;
    for (const [name, v] of Object.entries(all)) if (name.startsWith('@nx/')) expect(v, name).toBe(all.nx);
    expect(all['@kubernetes/client-node']).toMatch(/^[~^]?1\.4\./);
    expect(pkg.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
  });
});
