// spright-k8s: the Kubernetes target until `spright deploy --target k8s` is wired into the main
// CLI (see docs/reproduction/spright.md). Usage:
//   tsx apps/spright/src/k8s/cli.ts deploy -f chain.yaml [--dry-run] [-o yaml|json] [--namespace n] [--image i] [--kubeconfig f]
//   tsx apps/spright/src/k8s/cli.ts delete <chain> [--namespace n] [--with-agent] [--kubeconfig f]
import { Command } from 'commander';
import { loadKubeConfig } from '@fastpath/k8s';
import { loadChainSpec } from '../spec/index.ts';
import { deleteK8s, deployK8s } from './deploy.ts';
import { chainManifests, manifestsYaml } from './manifests.ts';

const program = new Command('spright-k8s').description('deploy SPRIGHT chains on Kubernetes').showHelpAfterError();

export function dryRunOutput(file: string, o: { output?: string; namespace?: string; image?: string }): string {
  // Dry runs use a fixed key so the output is stable; a real deploy generates a fresh one.
  const objs = chainManifests(loadChainSpec(file), { namespace: o.namespace, image: o.image, key: 'dry-run-key-generated-at-deploy' });
  return o.output === 'json' ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }, null, 2)}\n` : manifestsYaml(objs);
}

program
  .command('deploy')
  .requiredOption('-f, --file <chain.yaml>', 'chain spec')
  .option('--dry-run', 'print the manifests; contact no cluster')
  .option('-o, --output <fmt>', 'yaml | json (with --dry-run)', 'yaml')
  .option('--namespace <ns>', 'namespace', 'spright')
  .option('--image <image>', 'container image with this repository at /opt/fastpath')
  .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
  .action(async (o: { file: string; dryRun?: boolean; output: string; namespace: string; image?: string; kubeconfig?: string }) => {
    if (o.dryRun) return void process.stdout.write(dryRunOutput(o.file, o));
    const kc = loadKubeConfig({ kubeconfig: o.kubeconfig });
    await deployK8s(kc, loadChainSpec(o.file), { namespace: o.namespace, image: o.image, log: (m) => console.log(m) });
    console.log('chain is ready');
  });

program
  .command('delete <chain>')
  .option('--namespace <ns>', 'namespace', 'spright')
  .option('--with-agent', 'also delete the node agent DaemonSet')
  .option('--kubeconfig <file>', 'kubeconfig')
  .action(async (chain: string, o: { namespace: string; withAgent?: boolean; kubeconfig?: string }) => {
    const kc = loadKubeConfig({ kubeconfig: o.kubeconfig });
    const d = await deleteK8s(kc, chain, { namespace: o.namespace, withAgent: o.withAgent, log: (m) => console.log(m) });
    console.log(`deleted ${d.length} objects`);
  });

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  program.parseAsync(process.argv).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
