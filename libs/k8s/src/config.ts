// KubeConfig loading: an explicit file, $KUBECONFIG / ~/.kube/config, or the in-cluster service account.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface KubeConfigOptions {
  /** Path of a kubeconfig file; wins over everything else. */
  kubeconfig?: string;
  /** Context to select inside the file. */
  context?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST must be set). */
  inCluster?: boolean;
}

export function loadKubeConfig(opts: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) {
    if (!existsSync(opts.kubeconfig)) throw new Error(`kubeconfig ${opts.kubeconfig} does not exist`);
    kc.loadFromFile(opts.kubeconfig);
  } else if (opts.inCluster) {
    if (!process.env.KUBERNETES_SERVICE_HOST) throw new Error('in-cluster config requested but KUBERNETES_SERVICE_HOST is not set');
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new Error(`kubeconfig has no context ${opts.context}`);
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig has no current cluster');
  return kc;
}

/** A kubeconfig document (YAML) for a plain-HTTP server with a bearer token, e.g. the recording server. */
export function kubeconfigYaml(server: string, token = 'fastpath-test', name = 'fastpath-loopback'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
  });
}

export function kubeConfigFor(server: string, token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigYaml(server, token));
  return kc;
}
