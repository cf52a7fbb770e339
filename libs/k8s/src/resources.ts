// Kind -> REST resource mapping for the kinds fastpath touches. The recording server uses it to answer
// discovery and route paths; the client uses it to build watch paths without a discovery round trip.

export interface ResourceInfo {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const table: ResourceInfo[] = [
  ['', 'v1', 'Pod', 'pods', true],
  ['', 'v1', 'Node', 'nodes', false],
  ['', 'v1', 'Namespace', 'namespaces', false],
  ['', 'v1', 'Event', 'events', true],
  ['', 'v1', 'Binding', 'bindings', true],
  ['', 'v1', 'Service', 'services', true],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', true],
  ['', 'v1', 'ConfigMap', 'configmaps', true],
  ['', 'v1', 'Secret', 'secrets', true],
  ['', 'v1', 'Endpoints', 'endpoints', true],
  ['apps', 'v1', 'Deployment', 'deployments', true],
  ['apps', 'v1', 'DaemonSet', 'daemonsets', true],
  ['apps', 'v1', 'StatefulSet', 'statefulsets', true],
  ['apps', 'v1', 'ReplicaSet', 'replicasets', true],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true],
  ['coordination.k8s.io', 'v1', 'Lease', 'leases', true],
  ['events.k8s.io', 'v1', 'Event', 'events', true],
].map(([group, version, kind, plural, namespaced]) => ({ group, version, kind, plural, namespaced }) as ResourceInfo);

export function knownResources(): readonly ResourceInfo[] {
  return table;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function resourceFor(apiVersion: string, kind: string, extra: readonly ResourceInfo[] = []): ResourceInfo {
  const { group, version } = splitApiVersion(apiVersion);
  const hit = [...extra, ...table].find((r) => r.group === group && r.version === version && r.kind === kind);
  if (!hit) throw new Error(`unknown resource kind ${apiVersion} ${kind}; add it to libs/k8s/src/resources.ts`);
  return hit;
}

/** /api/v1 or /apis/<group>/<version>. */
export function groupVersionPath(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
}

/** Collection path, namespaced when a namespace is given, cluster-wide (all namespaces) otherwise. */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  return r.namespaced && namespace ? `${groupVersionPath(r)}/namespaces/${namespace}/${r.plural}` : `${groupVersionPath(r)}/${r.plural}`;
}
