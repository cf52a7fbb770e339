// Entry of one function instance process (spawned by the agent with tsx, one per instance).
// Loads the user's module, attaches to the chain's data plane and serves descriptors until told
// to stop. A module that throws at load is reported with its stack so the deploy can roll back.
import { pathToFileURL } from 'node:url';
import { isSprightFunction } from './define.ts';
import { ENV_INSTANCE, ENV_MODULE, ENV_TOPOLOGY, type ToAgent, type ToChild } from './host-messages.ts';
import { attachPlane } from './plane.ts';
import { FunctionRuntime } from './runtime.ts';
import type { ChainTopology } from './topology.ts';

function send(m: ToAgent): void {
  if (process.send) process.send(m);
}

/** Reports a fatal start-up problem to the agent, then exits once the message is flushed. */
function fail(m: ToAgent, code: number): void {
  if (!process.send) process.exit(code);
  process.send(m, () => process.exit(code));
}

async function main(): Promise<void> {
  const topology = JSON.parse(process.env[ENV_TOPOLOGY] ?? 'null') as ChainTopology | null;
  const instance = Number(process.env[ENV_INSTANCE]);
  const modulePath = process.env[ENV_MODULE];
  if (!topology || !Number.isInteger(instance) || !modulePath) throw new Error(`spright host: ${ENV_TOPOLOGY}, ${ENV_INSTANCE} and ${ENV_MODULE} must be set`);
  const self = topology.functions.flatMap((f) => f.instances).find((i) => i.id === instance);
  if (!self) throw new Error(`spright host: instance ${instance} is not a function of chain "${topology.chain}"`);
  const fnSpec = topology.functions.find((f) => f.name === self.fn)!;

  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(modulePath).href);
  } catch (err) {
    const stack = (err as Error)?.stack ?? String(err);
    process.stderr.write(`spright: module ${modulePath} of function "${self.fn}" failed to load:\n${stack}\n`);
    fail({ t: 'load-error', instance, stack }, 70);
    return;
  }
  const def = mod.default;
  if (!isSprightFunction(def) || def.name !== self.fn) {
    const stack = `spright: ${modulePath} must \`export default defineFunction({ name: '${self.fn}', handle })\`` + (isSprightFunction(def) ? ` (it defines "${def.name}")` : '');
    process.stderr.write(`${stack}\n`);
    fail({ t: 'load-error', instance, stack }, 70);
    return;
  }

  const plane = await attachPlane(topology, instance);
  const runtime = new FunctionRuntime({ topology, self, def, pool: plane.pool, transport: plane.transport, concurrency: fnSpec.concurrency });
  if (def.init) await def.init();
  runtime.start();

  const stop = async () => {
    await runtime.stop();
    plane.close();
    process.disconnect?.();
  };
  process.on('message', (m: ToChild) => {
    if (m.t === 'instance-down') runtime.instanceDown(m.id);
    else if (m.t === 'recheck') runtime.recheck();
    else if (m.t === 'instance-up') {
      plane.transport.reset?.(m.id);
      runtime.instanceUp(m.id);
    }
    else if (m.t === 'stats?') send({ t: 'stats', instance, stats: { ...runtime.stats(), ...plane.transport.stats() } as unknown as Record<string, number> });
    else if (m.t === 'shutdown') void stop();
  });
  // The agent is gone: nobody can reclaim for us or route to us any more.
  process.on('disconnect', () => {
    runtime.stop(200).finally(() => process.exit(0));
  });
  process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));
  send({ t: 'ready', instance, pid: process.pid, setupMs: plane.setupMs });
}

main().catch((err) => {
  const stack = (err as Error)?.stack ?? String(err);
  process.stderr.write(`spright host: ${stack}\n`);
  fail({ t: 'load-error', instance: Number(process.env[ENV_INSTANCE]), stack }, 1);
});
