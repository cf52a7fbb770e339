// API objects for the scheduler contract tests.
export const node = (name: string, cpu: string, memory: string, extra: { ready?: boolean; unschedulable?: boolean; pods?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: extra.unschedulable ? { unschedulable: true } : {},
  status: {
    allocatable: { cpu, memory, pods: extra.pods ?? '110' },
    conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
  },
});

export const pod = (name: string, fn: string, cpu: string, memory: string, extra: { scheduler?: string; nodeName?: string; ns?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: extra.ns ?? 'default', labels: { 'mu.fastpath.io/function': fn } },
  spec: {
    schedulerName: extra.scheduler ?? 'mu-scheduler',
    ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
    containers: [{ name: 'fn', image: 'ghcr.io/example/fn:1', resources: { requests: { cpu, memory } } }],
  },
  status: { phase: extra.nodeName ? 'Running' : 'Pending' },
});
