// Parse + validate a chain spec. Errors name the field and the YAML line/column where it sits
// (or the nearest enclosing node when the field is missing), so `spright deploy` fails before
// anything is started.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { ChainSpecError, type SpecIssue } from './errors.ts';
import { chainSchema } from './schema.ts';
import type { ChainSpec } from './types.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(chainSchema);

/** Max topics per chain: the descriptor carries a 12-bit topic, 0 meaning "no topic". */
export const MAX_TOPICS = 0xfff;

type Segment = string | number;

function fieldName(path: Segment[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '');
}

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Line/column of the deepest node that exists along `path`. */
  at(path: Segment[]): { line?: number; column?: number } {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return {};
  }
}

function pointerToPath(pointer: string): Segment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function ajvIssue(e: ErrorObject, loc: Locator): SpecIssue {
  const path = pointerToPath(e.instancePath);
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path.push(extra);
    message = 'unknown field';
  } else if (e.keyword === 'required') {
    message = `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { field: fieldName(path), message, ...loc.at(path) };
}

/** Checks ajv cannot express: names must refer to defined, unique functions. */
function semanticIssues(spec: ChainSpec, loc: Locator, baseDir: string | undefined): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (path: Segment[], message: string) => issues.push({ field: fieldName(path), message, ...loc.at(path) });
  const names = new Set<string>();
  spec.functions.forEach((f, i) => {
    if (names.has(f.name)) add(['functions', i, 'name'], `duplicate function name "${f.name}"`);
    names.add(f.name);
    if (baseDir !== undefined) {
      const file = isAbsolute(f.module) ? f.module : resolve(baseDir, f.module);
      if (!existsSync(file)) add(['functions', i, 'module'], `module file not found: ${file}`);
    }
  });
  const known = (path: Segment[], name: string) => {
    if (!names.has(name)) add(path, `unknown function "${name}" (defined: ${[...names].join(', ')})`);
  };
  spec.routes.default.forEach((n, i) => known(['routes', 'default', i], n));
  spec.routes.sequences.forEach((s, i) => s.functions.forEach((n, j) => known(['routes', 'sequences', i, 'functions', j], n)));
  const seenTopic = new Set<string>();
  const topics = new Set<string>();
  spec.routes.topics.forEach((t, i) => {
    known(['routes', 'topics', i, 'from'], t.from);
    known(['routes', 'topics', i, 'to'], t.to);
    const key = `${t.from}/${t.topic}`;
    if (seenTopic.has(key)) add(['routes', 'topics', i], `duplicate route for (${t.from}, ${t.topic})`);
    seenTopic.add(key);
    topics.add(t.topic);
  });
  if (topics.size > MAX_TOPICS) add(['routes', 'topics'], `at most ${MAX_TOPICS} distinct topics`);
  if (spec.adapters.length > 0) add(['adapters'], 'protocol adapters are not supported by the local target yet');
  return issues;
}

export interface ParseOptions {
  /** File name used in messages. */
  file?: string;
  /** Resolve module paths against this folder and check that they exist. */
  baseDir?: string;
}

/** Parses YAML text into a validated ChainSpec with defaults filled in; throws ChainSpecError. */
export function parseChainSpec(source: string, opts: ParseOptions = {}): ChainSpec {
  const file = opts.file ?? '<spec>';
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ChainSpecError(
      file,
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { field: '', message: `YAML: ${e.message.split('\n')[0]}`, line, column: col };
      }),
    );
  }
  const data = doc.toJS();
  const loc = new Locator(doc, lines);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ChainSpecError(file, [{ field: '', message: 'must be a YAML mapping', ...loc.at([]) }]);
  }
  if (!validate(data)) throw new ChainSpecError(file, (validate.errors ?? []).map((e) => ajvIssue(e, loc)));
  const spec = data as unknown as ChainSpec;
  const issues = semanticIssues(spec, loc, opts.baseDir);
  if (issues.length > 0) throw new ChainSpecError(file, issues);
  if (opts.baseDir !== undefined) {
    for (const f of spec.functions) f.module = isAbsolute(f.module) ? f.module : resolve(opts.baseDir, f.module);
  }
  return spec;
}

/** Reads and validates a chain spec file; module paths become absolute. */
export function loadChainSpec(path: string): ChainSpec {
  const abs = resolve(path);
  let source: string;
  try {
    source = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ChainSpecError(path, [{ field: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseChainSpec(source, { file: path, baseDir: dirname(abs) });
}
