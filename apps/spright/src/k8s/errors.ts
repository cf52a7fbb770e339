// What can go wrong talking to a cluster, as typed errors with messages that say what to do.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { K8sApiError, WaitTimeoutError } from '@fastpath/k8s';

export type K8sFailure = 'no-kubeconfig' | 'unreachable' | 'unauthorized' | 'forbidden' | 'not-ready' | 'api';

export class K8sTargetError extends Error {
  constructor(
    readonly failure: K8sFailure,
    message: string,
    readonly details: string[] = [],
  ) {
    super(details.length ? `${message}\n${details.map((d) => `  ${d}`).join('\n')}` : message);
    this.name = 'K8sTargetError';
  }
}

/** The kubeconfig files client-node would read, or an error when there is none (it would silently use localhost:8080). */
export function kubeconfigSource(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new K8sTargetError('no-kubeconfig', `spright: kubeconfig ${explicit} does not exist`);
    return explicit;
  }
  const listed = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  const found = listed.length ? listed.filter((f) => existsSync(f)) : existsSync(home) ? [home] : [];
  if (found.length) return found.join(':');
  if (env.KUBERNETES_SERVICE_HOST) return 'in-cluster service account';
  throw new K8sTargetError(
    'no-kubeconfig',
    `spright: no kubeconfig (looked at ${listed.length ? `KUBECONFIG=${env.KUBECONFIG}` : home}); pass --kubeconfig <file>, set KUBECONFIG, or create a cluster first (docs/kubernetes.md: kind create cluster --config infra/kind/cluster.yaml)`,
  );
}

function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && /^E[A-Z]+/.test(e.code)) return e.code;
    const m = typeof e.message === 'string' ? /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)\b/.exec(e.message) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** Turns what client-node and @fastpath/k8s throw into a K8sTargetError naming the cause. */
export function explainK8sError(err: unknown, server: string, what: string): unknown {
  if (err instanceof K8sTargetError) return err;
  if (err instanceof K8sApiError) {
    if (err.code === 401) return new K8sTargetError('unauthorized', `spright: the API server at ${server} rejected our credentials (HTTP 401) while trying to ${what}; refresh the kubeconfig's token or certificate`);
    if (err.code === 403) {
      return new K8sTargetError('forbidden', `spright: RBAC forbids ${what} (HTTP 403): ${(err.body as { message?: string })?.message ?? err.message}`, [
        'the deploying identity needs get/list/watch/patch/delete on namespaces, secrets, services, deployments and daemonsets (apps) in the target namespace (docs/kubernetes.md, "Permissions")',
      ]);
    }
    return new K8sTargetError('api', `spright: ${what} failed: ${err.message}`);
  }
  const code = networkCode(err);
  if (code) return new K8sTargetError('unreachable', `spright: cannot reach the Kubernetes API server at ${server} (${code}) while trying to ${what}; is the cluster running and the kubeconfig's server address right?`);
  if (err instanceof WaitTimeoutError) return new K8sTargetError('not-ready', `spright: ${err.message}`);
  return err;
}
