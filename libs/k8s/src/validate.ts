// Manifest validation against the Kubernetes OpenAPI schemas shipped in kubernetes-models
// (one generated model class per kind: kubernetes-models/<group>/<version>/<Kind>).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import { describeRef } from './client.ts';
import { ManifestValidationError } from './errors.ts';
import { splitApiVersion } from './resources.ts';

const require = createRequire(import.meta.url);

function modelFor(apiVersion: string, kind: string): (new (o: unknown) => { validate(): void }) | undefined {
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const { group, version } = splitApiVersion(apiVersion);
  const mod = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  try {
    return require(mod)[kind];
  } catch {
    return undefined;
  }
}

/** Throws ManifestValidationError unless obj is a valid object of a kind kubernetes-models knows. */
export function validateManifest(obj: unknown): void {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ManifestValidationError('?', 'not an object');
  const o = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  const name = describeRef(o as any);
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') throw new ManifestValidationError(name, 'apiVersion and kind must be strings');
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') throw new ManifestValidationError(name, 'metadata.name is required');
  const Model = modelFor(o.apiVersion, o.kind);
  if (!Model) throw new ManifestValidationError(name, `no schema for ${o.apiVersion} ${o.kind}`);
  try {
    new Model(obj).validate();
  } catch (err) {
    const e = err as { message?: string; errors?: unknown };
    throw new ManifestValidationError(name, e.errors ? JSON.stringify(e.errors) : String(e.message ?? err));
  }
}

/** Parses a multi-document YAML text; every document must be an object. */
export function parseManifests(text: string, source = '<yaml>'): any[] {
  const out: any[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new ManifestValidationError(source, doc.errors.map((e) => e.message).join('; '));
    const v = doc.toJS();
    if (v === null || v === undefined) continue;
    out.push(v);
  }
  return out;
}

/** Reads, parses and validates every document of a YAML file. */
export function validateManifestFile(path: string): any[] {
  const docs = parseManifests(readFileSync(path, 'utf8'), path);
  for (const d of docs) validateManifest(d);
  return docs;
}
