// Kubernetes objects for cluster mode: a namespace per run, one server pod (netserver,
// iperf3 server, nginx with a 5 MB file) and one short-lived client pod per test, each pinned
// to a node with a kubernetes.io/hostname nodeSelector. Client results come back through the
// container's termination message (status, no log or exec API needed).
import { validateManifest } from '@fastpath/k8s';

export interface Images {
  netperf: string;
  iperf3: string;
  nginx: string;
  ab: string;
}

/** Public images with the tools; override with --image-* when the cluster mirrors them. */
export const DEFAULT_IMAGES: Images = {
  netperf: 'docker.io/cilium/netperf:latest',
  iperf3: 'docker.io/networkstatic/iperf3:latest',
  nginx: 'docker.io/library/nginx:1.27-alpine',
  ab: 'docker.io/library/httpd:2.4-alpine',
};

export const LABELS = { 'app.kubernetes.io/part-of': 'cni-bench', 'app.kubernetes.io/managed-by': 'cni-bench' };
export const PAYLOAD_BYTES = 5 * 1024 * 1024;

// Control-plane nodes of kind/kubeadm clusters are tainted; benchmark pods may go there.
const tolerations = [
  { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
];

export function namespace(name: string): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...LABELS } } };
}

export function serverPod(ns: string, node: string, images: Images): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cni-bench-server', namespace: ns, labels: { ...LABELS, 'cni-bench/role': 'server' } },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      tolerations,
      volumes: [{ name: 'www', emptyDir: {} }],
      initContainers: [
        { name: 'payload', image: images.nginx, command: ['sh', '-c', `head -c ${PAYLOAD_BYTES} /dev/zero > /www/payload.bin`], volumeMounts: [{ name: 'www', mountPath: '/www' }] },
      ],
      containers: [
        { name: 'netserver', image: images.netperf, command: ['netserver', '-D', '-p', '12865'], ports: [{ containerPort: 12865 }], readinessProbe: { tcpSocket: { port: 12865 }, periodSeconds: 2 } },
        { name: 'iperf3', image: images.iperf3, command: ['iperf3', '-s', '-p', '5201'], ports: [{ containerPort: 5201 }], readinessProbe: { tcpSocket: { port: 5201 }, periodSeconds: 2 } },
        { name: 'nginx', image: images.nginx, ports: [{ containerPort: 80 }], volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }], readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 2 } },
      ],
    },
  };
}

export type ClientTest = { kind: 'rr'; seconds: number } | { kind: 'stream'; seconds: number } | { kind: 'http'; concurrency: number; requests: number };

/** The shell command of a client test; its last output goes to the termination message. */
export function clientCommand(t: ClientTest, serverIp: string): { image: keyof Images; script: string } {
  const to = '> /dev/termination-log 2>&1';
  switch (t.kind) {
    case 'rr':
      return { image: 'netperf', script: `netperf -H ${serverIp} -p 12865 -t TCP_RR -l ${t.seconds} -- -r 1,1 -o P50_LATENCY,P99_LATENCY,MEAN_LATENCY,THROUGHPUT ${to}` };
    case 'stream':
      return { image: 'iperf3', script: `iperf3 -c ${serverIp} -p 5201 -t ${t.seconds} -f m | tail -n 4 ${to}` };
    case 'http':
      return {
        image: 'ab',
        script: `ab -q -n ${t.requests} -c ${t.concurrency} -s 60 http://${serverIp}/payload.bin | grep -E 'Complete requests|Failed requests|Requests per second|Time per request|Transfer rate|^ +(50|99)%' ${to}`,
      };
  }
}

export function clientPod(ns: string, name: string, node: string, t: ClientTest, serverIp: string, images: Images): any {
  const c = clientCommand(t, serverIp);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { ...LABELS, 'cni-bench/role': 'client', 'cni-bench/test': t.kind } },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      tolerations,
      restartPolicy: 'Never',
      containers: [{ name: 'client', image: images[c.image], command: ['sh', '-c', c.script], terminationMessagePolicy: 'FallbackToLogsOnError' }],
    },
  };
}

/** Throws ManifestValidationError when any object fails the Kubernetes schema. */
export function validated<T>(obj: T): T {
  validateManifest(obj);
  return obj;
}
