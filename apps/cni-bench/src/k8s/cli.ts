// `cni-bench k8s ...`: the same RR/stream/HTTP tests on a real cluster.
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { writeResult, printTable } from '@fastpath/bench';
import { K8sClient, loadKubeConfig } from '@fastpath/k8s';
import { DEFAULT_IMAGES, clientPod, namespace, serverPod, validated, type Images } from './manifests.ts';
import { ourNamespaces, runK8s, teardown } from './run.ts';

const posInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

function images(o: any): Images {
  return { netperf: o.imageNetperf ?? DEFAULT_IMAGES.netperf, iperf3: o.imageIperf3 ?? DEFAULT_IMAGES.iperf3, nginx: o.imageNginx ?? DEFAULT_IMAGES.nginx, ab: o.imageAb ?? DEFAULT_IMAGES.ab };
}

const client = (o: any) => new K8sClient(loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context }), 'cni-bench');

export function registerK8s(program: Command): void {
  const k8s = program.command('k8s').description('Run the RR / stream / HTTP tests on a Kubernetes cluster (kind, CloudLab, ...).');
  const common = (c: Command) =>
    c
      .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context')
      .option('--namespace <ns>', 'namespace for the benchmark pods', `cni-bench-${Date.now().toString(36)}`)
      .option('--image-netperf <img>', `netperf/netserver image (default ${DEFAULT_IMAGES.netperf})`)
      .option('--image-iperf3 <img>', `iperf3 image (default ${DEFAULT_IMAGES.iperf3})`)
      .option('--image-nginx <img>', `nginx image (default ${DEFAULT_IMAGES.nginx})`)
      .option('--image-ab <img>', `image with ab (default ${DEFAULT_IMAGES.ab})`);

  common(k8s.command('run'))
    .description('Deploy server/client pods pinned to one or two nodes, measure, collect, tear down.')
    .option('--same-node', 'server and client on the same node (intra-host)', false)
    .option('--server-node <node>', 'node for the server pod')
    .option('--client-node <node>', 'node for the client pods')
    .option('--seconds <s>', 'seconds per RR / stream test', posInt, 10)
    .option('--repeats <n>', 'repeats of RR and stream', posInt, 5)
    .option('--http <list>', 'HTTP concurrency levels', (v) => v.split(',').map((x) => posInt(x)), [1, 50, 100, 400])
    .option('--timeout <s>', 'seconds to wait for a pod', posInt, 300)
    .option('--keep', 'keep the namespace afterwards', false)
    .action(async (o) => {
      const r = await runK8s(
        client(o),
        { namespace: o.namespace, sameNode: o.sameNode, serverNode: o.serverNode, clientNode: o.clientNode, seconds: o.seconds, repeats: o.repeats, httpConcurrency: o.http, images: images(o), timeoutMs: o.timeout * 1000, pollMs: 1000, keep: o.keep },
        (s) => process.stderr.write(s + '\n'),
      );
      const path = writeResult('cni', `k8s-${r.cni[0] ?? 'unknown'}-${r.placement}`, r);
      printTable([{ cni: r.cni.join(','), placement: r.placement, 'rr p50 µs': r.rr.p50.mean, 'rr p99 µs': r.rr.p99.mean, 'stream Gb/s': r.stream.gbps.mean }]);
      process.stdout.write(`results: ${path}\n`);
    });

  common(k8s.command('manifests'))
    .description('Print the (schema-validated) manifests a run would apply, for review or kubectl.')
    .option('--server-node <node>', 'node for the server pod', 'NODE-A')
    .option('--client-node <node>', 'node for the client pods', 'NODE-B')
    .action((o) => {
      const im = images(o);
      const docs = [
        namespace(o.namespace),
        serverPod(o.namespace, o.serverNode, im),
        clientPod(o.namespace, 'cni-bench-rr-1', o.clientNode, { kind: 'rr', seconds: 10 }, 'SERVER_POD_IP', im),
        clientPod(o.namespace, 'cni-bench-stream-1', o.clientNode, { kind: 'stream', seconds: 10 }, 'SERVER_POD_IP', im),
        clientPod(o.namespace, 'cni-bench-http-1', o.clientNode, { kind: 'http', concurrency: 50, requests: 100 }, 'SERVER_POD_IP', im),
      ].map(validated);
      process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
    });

  k8s
    .command('teardown')
    .description('Delete every namespace cni-bench created (label app.kubernetes.io/part-of=cni-bench).')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .action(async (o) => {
      const c = client(o);
      const nss = await ourNamespaces(c);
      for (const ns of nss) await teardown(c, ns, { timeoutMs: 300_000, pollMs: 1000 });
      process.stdout.write(nss.length ? `deleted ${nss.join(', ')}\n` : 'nothing to delete\n');
    });
}
