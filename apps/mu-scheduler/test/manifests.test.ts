import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateManifestFile } from '@fastpath/k8s';
import { workspaceRoot } from '@fastpath/native';
import { buildCli } from '../src/cli/main.ts';

const dir = join(workspaceRoot, 'infra', 'k8s', 'mu-scheduler');

describe('infra/k8s/mu-scheduler manifests', () => {
  const docs = validateManifestFile(join(dir, 'manifests.yaml'));
  const byKind = (k: string) => docs.filter((d) => d.kind === k);

  it('validate against the Kubernetes schemas', () => {
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment']);
    const fn = validateManifestFile(join(dir, 'example-function.yaml'));
    expect(fn[0].spec.template.spec.schedulerName).toBe('mu-scheduler');
  });

  it('grant exactly the API calls the scheduler makes', () => {
    const rules = byKind('ClusterRole')[0].rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const allowed = (group: string, resource: string, verb: string) => rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const v of ['list', 'watch', 'get']) {
      expect(allowed('', 'pods', v)).toBe(true);
      expect(allowed('', 'nodes', v)).toBe(true);
    }
    expect(allowed('', 'pods/binding', 'create')).toBe(true);
    expect(allowed('', 'events', 'create')).toBe(true);
    expect(allowed('', 'pods', 'delete')).toBe(false);
    const crb = byKind('ClusterRoleBinding')[0];
    const sa = byKind('ServiceAccount')[0];
    expect(crb.subjects[0]).toMatchObject({ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace });
  });

  it('run the scheduler with arguments the CLI accepts', () => {
    const dep = byKind('Deployment')[0];
    const c = dep.spec.template.spec.containers[0];
    expect(dep.spec.template.spec.serviceAccountName).toBe('mu-scheduler');
    const run = buildCli().commands.find((x) => x.name() === 'run')!;
    run.exitOverride();
    // Parse only (no action): commander validates every option and choice.
    run.action(() => {});
    run.parse(c.args.slice(1), { from: 'user' });
    expect(run.opts()).toMatchObject({ inCluster: true, schedulerName: 'mu-scheduler', algorithm: 'bestfit', epochMs: 2000, metricsPort: 10260 });
    expect(c.ports[0].containerPort).toBe(10260);
  });
});
