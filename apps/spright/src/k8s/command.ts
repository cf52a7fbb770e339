// `spright deploy --target k8s` and `spright delete --target k8s`: kubeconfig selection, progress
// output and a one-screen summary around deploy.ts.
import { loadKubeConfig } from '@fastpath/k8s';
import { progress } from '@fastpath/bench';
import { loadChainSpec } from '../spec/index.ts';
import { deleteK8s, deployK8s, deploySteps, dryRunOutput } from './deploy.ts';
import { K8sTargetError, kubeconfigSource } from './errors.ts';
import { chainManifests } from './manifests.ts';

export interface K8sCommandOptions {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  /** Seconds to wait until ready / gone. */
  timeout?: string;
  image?: string;
  agentHugepages?: string;
  quiet?: boolean;
  out?: (s: string) => void;
}

function kubeConfig(o: K8sCommandOptions) {
  const source = kubeconfigSource(o.kubeconfig);
  try {
    return { kc: loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context }), source };
  } catch (err) {
    throw new K8sTargetError('no-kubeconfig', `spright: kubeconfig ${source}: ${(err as Error).message}`);
  }
}

function timeoutMs(o: K8sCommandOptions, dflt: number): number {
  if (o.timeout === undefined) return dflt;
  const s = Number(o.timeout);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`spright: --timeout must be a positive number of seconds, not "${o.timeout}"`);
  return s * 1000;
}

export async function k8sDeployCommand(file: string, o: K8sCommandOptions & { dryRun?: boolean; output?: string }): Promise<void> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  if (o.dryRun) return void out(dryRunOutput(file, o).trimEnd());
  const spec = loadChainSpec(file); // a bad spec contacts no cluster
  const wait = timeoutMs(o, 300_000);
  const { kc, source } = kubeConfig(o);
  const ns = o.namespace ?? 'spright';
  if (!o.quiet) out(`deploying chain ${spec.name} to ${kc.getCurrentCluster()?.server} (context ${kc.getCurrentContext()}, kubeconfig ${source}), namespace ${ns}`);
  const bar = o.quiet ? undefined : progress(`deploying ${spec.name}`, deploySteps(chainManifests(spec, { namespace: ns, hugepages: '0Mi' })));
  const t0 = Date.now();
  try {
    const objs = await deployK8s(kc, spec, { namespace: ns, image: o.image, agentHugepages: o.agentHugepages, timeoutMs: wait, onStep: () => bar?.tick() });
    bar?.stop();
    if (!o.quiet) {
      out(`chain ${spec.name} is ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${objs.length} objects applied (server-side apply, field manager "spright")`);
      out(`  reach it:  kubectl -n ${ns} port-forward svc/${spec.name}-gateway 8080:80   then   curl -d '{}' http://127.0.0.1:8080/`);
      out(`  remove it: spright delete ${spec.name} --target k8s${ns !== 'spright' ? ` --namespace ${ns}` : ''}`);
    }
  } catch (err) {
    bar?.stop();
    throw err;
  }
}

export async function k8sDeleteCommand(chain: string, o: K8sCommandOptions & { withAgent?: boolean }): Promise<void> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const { kc } = kubeConfig(o);
  const deleted = await deleteK8s(kc, chain, { namespace: o.namespace, withAgent: o.withAgent, timeoutMs: timeoutMs(o, 120_000), log: o.quiet ? undefined : out });
  if (deleted.length === 0) throw new K8sTargetError('api', `spright: no objects of chain "${chain}" in namespace ${o.namespace ?? 'spright'}`);
  out(`deleted chain ${chain}: ${deleted.length} objects (${deleted.join(', ')})`);
}
