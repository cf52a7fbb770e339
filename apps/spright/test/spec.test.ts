import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainSpecError, loadChainSpec, parseChainSpec } from '../src/spec/index.ts';
import { exampleSpec } from '../src/paths.ts';

function issuesOf(src: string, baseDir?: string) {
  try {
    parseChainSpec(src, { file: 'c.yaml', baseDir });
  } catch (err) {
    expect(err).toBeInstanceOf(ChainSpecError);
    return (err as ChainSpecError).issues;
  }
  throw new Error('spec was accepted');
}

const ok = `name: demo
functions:
  - name: a
    module: a.ts
  - name: b
    module: b.ts
routes:
  default: [a, b]
`;

describe('chain spec', () => {
  const dir = mkdtempSync(join(tmpdir(), `spright-spec-${process.pid}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the bundled example with defaults and absolute module paths', () => {
    const s = loadChainSpec(exampleSpec);
    expect(s.name).toBe('shop');
    expect(s.transport).toBe('h');
    expect(s.functions.map((f) => f.name)).toEqual(['frontend', 'cart', 'checkout']);
    expect(s.functions[0].module).toMatch(/^\/.*examples\/functions\/frontend\.ts$/);
    expect(s.functions[0].instances).toBe(1);
    expect(s.gateway).toMatchObject({ port: 8080, netns: true, address: '0.0.0.0' });
    expect(s.routes.topics).toEqual([{ from: 'frontend', topic: 'empty-cart', to: 'checkout' }]);
  });

  it('fills defaults for a minimal spec', () => {
    const s = parseChainSpec(ok);
    expect(s.transport).toBe('h');
    expect(s.pool).toEqual({ objectSize: 65536, objects: 1024 });
    expect(s.functions[1]).toMatchObject({ instances: 1, concurrency: 32, env: {} });
    expect(s.routes.sequences).toEqual([]);
  });

  it('names field and line of a wrong value', () => {
    const issues = issuesOf(ok.replace('name: demo', 'name: demo\ntransport: x').replace('    module: b.ts', '    module: b.ts\n    instances: 0'));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'transport', line: 2 }));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'functions[1].instances', line: 8, message: 'must be >= 1' }));
  });

  it('names an unknown field at its own line', () => {
    const issues = issuesOf(ok.replace('    module: a.ts', '    module: a.ts\n    replicas: 3'));
    expect(issues).toEqual([expect.objectContaining({ field: 'functions[0].replicas', message: 'unknown field', line: 5 })]);
  });

  it('names a missing required field at the enclosing node', () => {
    const issues = issuesOf(ok.replace('    module: b.ts\n', ''));
    expect(issues).toEqual([expect.objectContaining({ field: 'functions[1]', message: 'missing required field "module"', line: 5 })]);
  });

  it('rejects routes to undefined functions, with the line of the reference', () => {
    const issues = issuesOf(ok.replace('default: [a, b]', 'default: [a, c]\n  topics:\n    - { from: a, topic: t, to: zz }'));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'routes.default[1]', line: 8 }));
    expect(issues).toContainEqual(expect.objectContaining({ field: 'routes.topics[0].to', line: 10 }));
    expect(issues[0].message).toMatch(/unknown function "c"/);
  });

  it('rejects duplicate function names and duplicate topic routes', () => {
    const issues = issuesOf(ok.replace('name: b', 'name: a').replace('default: [a, b]', 'default: [a]\n  topics:\n    - { from: a, topic: t, to: a }\n    - { from: a, topic: t, to: a }'));
    expect(issues.map((i) => i.field)).toEqual(['functions[1].name', 'routes.topics[1]']);
  });

  it('checks module files relative to the spec folder', () => {
    writeFileSync(join(dir, 'a.ts'), '');
    const issues = issuesOf(ok, dir);
    expect(issues).toEqual([expect.objectContaining({ field: 'functions[1].module', line: 6 })]);
    expect(issues[0].message).toContain(join(dir, 'b.ts'));
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('name: demo\nfunctions: [\n  - x\n');
    expect(issues[0].message).toMatch(/^YAML:/);
    expect(issues[0].line).toBeGreaterThanOrEqual(2);
  });

  it('rejects non-mappings and unsupported adapters clearly', () => {
    expect(issuesOf('- 1\n- 2\n')[0].message).toBe('must be a YAML mapping');
    expect(issuesOf(`${ok}adapters:\n  - { protocol: mqtt, port: 1883 }\n`)).toEqual([expect.objectContaining({ field: 'adapters', line: 10 })]);
  });

  it('formats every issue as file:line:col: field: message', () => {
    try {
      parseChainSpec('name: Bad Name\nfunctions: []\nroutes: {default: [a]}\n', { file: 'c.yaml' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).message).toContain('c.yaml:1:7: name: must match pattern');
      expect((err as Error).message).toContain('c.yaml:2:12: functions: must NOT have fewer than 1 items');
    }
  });

  it('reports an unreadable file as a spec error', () => {
    expect(() => loadChainSpec(join(dir, 'nope.yaml'))).toThrow(ChainSpecError);
  });
});
