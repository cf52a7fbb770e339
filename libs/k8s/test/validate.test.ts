import { describe, expect, it } from 'vitest';
import { ManifestValidationError, matchesFieldSelector, matchesLabelSelector, parseManifests, validateManifest } from '../src/index.ts';

describe('validateManifest', () => {
  it('accepts valid objects of several groups', () => {
    validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    validateManifest({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    validateManifest({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
  });

  it('rejects schema violations, unknown kinds and missing names with ManifestValidationError', () => {
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: { containers: 'nope' } })).toThrow(ManifestValidationError);
    expect(() => validateManifest({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} })).toThrow(/selector|template/);
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Frobnicator', metadata: { name: 'a' } })).toThrow(/no schema/);
    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: {} })).toThrow(/metadata.name/);
    expect(() => validateManifest([1])).toThrow(/not an object/);
  });

  it('parses multi-document YAML and reports syntax errors', () => {
    expect(parseManifests('a: 1\n---\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(() => parseManifests('a: [1\n', 'f.yaml')).toThrow(/f.yaml/);
  });
});

describe('selectors', () => {
  const o = { metadata: { labels: { app: 'x', tier: 'web' } }, spec: { nodeName: 'n1' } };
  it('field selectors compare dotted paths; a missing field equals the empty string', () => {
    expect(matchesFieldSelector(o, 'spec.nodeName=n1')).toBe(true);
    expect(matchesFieldSelector(o, 'spec.nodeName!=n1')).toBe(false);
    expect(matchesFieldSelector(o, 'spec.schedulerName=')).toBe(true);
    expect(() => matchesFieldSelector(o, 'garbage')).toThrow(/bad field selector/);
  });
  it('label selectors support =, !=, existence and absence', () => {
    expect(matchesLabelSelector(o, 'app=x,tier')).toBe(true);
    expect(matchesLabelSelector(o, 'app!=x')).toBe(false);
    expect(matchesLabelSelector(o, '!missing')).toBe(true);
  });
});
