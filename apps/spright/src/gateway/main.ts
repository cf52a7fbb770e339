// Entry of a chain's gateway process (spawned by the agent, usually inside the chain's netns).
import { ENV_INSTANCE, ENV_TOPOLOGY, attachPlane, ChainIngress, type ChainTopology, type ToAgent, type ToChild } from '@fastpath/spright-sdk';
import type { ChainSpec } from '../spec/index.ts';
import { buildGateway, gatewayMetrics } from './server.ts';

function send(m: ToAgent): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const topology = JSON.parse(process.env[ENV_TOPOLOGY] ?? 'null') as ChainTopology;
  const gw = JSON.parse(process.env.SPRIGHT_GATEWAY ?? 'null') as ChainSpec['gateway'];
  const instance = Number(process.env[ENV_INSTANCE]);
  if (!topology || !gw || instance !== topology.gateway.id) throw new Error('spright gateway: SPRIGHT_TOPOLOGY, SPRIGHT_GATEWAY and SPRIGHT_INSTANCE must describe this gateway');
  const plane = await attachPlane(topology, instance);
  const ingress = new ChainIngress({ topology, pool: plane.pool, transport: plane.transport, concurrency: gw.concurrency, timeoutMs: gw.timeoutMs });
  ingress.start();
  const down = new Set<number>();
  const healthy = () => topology.functions.every((f) => f.instances.some((i) => !down.has(i.id)));
  // One registry for both listeners: their answers are the same chain's.
  const metrics = gatewayMetrics(topology.chain, ingress);
  const apps = [buildGateway({ chain: topology.chain, ingress, healthy, metrics })];
  if (gw.http2Port) apps.push(buildGateway({ chain: topology.chain, ingress, healthy, metrics, http2: true }));
  await apps[0].listen(gw.address, gw.port);
  if (apps[1] && gw.http2Port) await apps[1].listen(gw.address, gw.http2Port);

  const stop = async () => {
    await Promise.all(apps.map((a) => a.close()));
    ingress.close();
    plane.close();
    process.disconnect?.();
  };
  process.on('message', (m: ToChild) => {
    if (m.t === 'recheck') ingress.recheck();
    else if (m.t === 'instance-down') {
      down.add(m.id);
      ingress.instanceDown(m.id);
    } else if (m.t === 'instance-up') {
      down.delete(m.id);
      plane.transport.reset?.(m.id);
      ingress.instanceUp(m.id);
    } else if (m.t === 'stats?') send({ t: 'stats', instance, stats: { ...ingress.stats(), ...plane.transport.stats() } as unknown as Record<string, number> });
    else if (m.t === 'shutdown') void stop();
  });
  process.on('disconnect', () => process.exit(0));
  send({ t: 'ready', instance, pid: process.pid, setupMs: plane.setupMs });
}

main().catch((err) => {
  const stack = (err as Error)?.stack ?? String(err);
  process.stderr.write(`spright gateway: ${stack}\n`);
  if (process.send) process.send({ t: 'load-error', instance: Number(process.env[ENV_INSTANCE]), stack } satisfies ToAgent, () => process.exit(1));
  else process.exit(1);
});
