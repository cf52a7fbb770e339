// `mu-scheduler run`: the scheduler process with Prometheus metrics; stops cleanly on SIGINT/SIGTERM.
import { K8sClient, loadKubeConfig } from '@fastpath/k8s';
import { createRegistry, serveMetrics, type MetricsServer } from '@fastpath/metrics';
import type { Heuristic } from '../core/algorithms.ts';
import { MuScheduler } from '../k8s/scheduler.ts';

export interface RunOptions {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  schedulerName: string;
  algorithm: Heuristic;
  epochMs: number;
  metricsPort: number;
  metricsHost: string;
  once?: boolean;
  seed: number;
}

export async function runScheduler(o: RunOptions): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context, inCluster: o.inCluster });
  const registry = createRegistry('mu_scheduler_process_');
  const sched = new MuScheduler({
    client: new K8sClient(kc, o.schedulerName),
    schedulerName: o.schedulerName,
    algorithm: o.algorithm,
    epochMs: o.epochMs,
    seed: o.seed,
    registry,
    log: (m) => console.log(`${new Date().toISOString()} ${m}`),
  });
  let metrics: MetricsServer | undefined;
  if (o.metricsPort > 0) {
    metrics = await serveMetrics({ registry, port: o.metricsPort, host: o.metricsHost });
    console.log(`metrics on ${metrics.url}`);
  }
  console.log(`${o.schedulerName}: watching ${kc.getCurrentCluster()?.server} (algorithm ${o.algorithm}, epoch ${o.epochMs} ms)`);
  await sched.start({ loop: !o.once });
  if (o.once) {
    const r = await sched.runEpoch();
    console.log(JSON.stringify(r));
    await sched.stop();
    await metrics?.close();
    exitNow();
    return;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sched.stop();
  await metrics?.close();
  console.log(`${o.schedulerName}: stopped`);
  exitNow();
}

// The API client's keep-alive sockets would keep the event loop alive after a clean stop.
function exitNow(): void {
  process.exit(0);
}
