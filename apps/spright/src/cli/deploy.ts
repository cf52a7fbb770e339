// `spright deploy`: validate locally (so a bad spec starts nothing, not even the agent), then
// stream the agent's deploy events as progress; `--target k8s` goes to src/k8s/command.ts.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { progress } from '@fastpath/bench';
import { loadChainSpec, type ChainSpec } from '../spec/index.ts';
import { buildTopology } from '../agent/topology.ts';
import { regionName } from '../paths.ts';
import type { DeployEvent } from '../agent/chain.ts';
import { k8sDeployCommand, type K8sCommandOptions } from '../k8s/command.ts';
import { AgentError, agentRequest, ensureAgent } from './client.ts';

export class UnknownTargetError extends Error {
  constructor(target: string) {
    super(`spright: unknown target "${target}" (local | k8s)`);
    this.name = 'UnknownTargetError';
  }
}

/** Options that only mean something for one target. */
const K8S_ONLY = ['namespace', 'context', 'kubeconfig', 'image', 'output', 'timeout', 'agentHugepages'] as const;

export interface DeployOptions extends Omit<K8sCommandOptions, 'out' | 'quiet'> {
  file: string;
  target?: string;
  dryRun?: boolean;
  /** yaml | json (k8s dry run). */
  output?: string;
  quiet?: boolean;
  out?: (s: string) => void;
}

export interface DeployOutcome {
  spec: ChainSpec;
  url?: string;
  events: DeployEvent[];
}

export async function deployCommand(o: DeployOptions): Promise<DeployOutcome> {
  const out = o.out ?? ((s: string) => process.stdout.write(`${s}\n`));
  const target = o.target ?? 'local';
  if (target === 'k8s') {
    await k8sDeployCommand(o.file, { ...o, out });
    return { spec: loadChainSpec(o.file), events: [] };
  }
  if (target !== 'local') throw new UnknownTargetError(target);
  const given = K8S_ONLY.filter((k) => o[k] !== undefined);
  if (given.length) throw new Error(`spright: ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} only apply to --target k8s`);
  const spec = loadChainSpec(o.file);
  if (o.dryRun) {
    const topo = buildTopology(spec, 0, regionName(spec.name), '<generated at deploy>');
    out(JSON.stringify({ spec, plan: { region: topo.region, ringSlots: topo.ringSlots, gateway: topo.gateway, functions: topo.functions, sequences: topo.sequences, topics: topo.topicIds } }, null, 2));
    out('dry run: nothing was started');
    return { spec, events: [] };
  }
  await ensureAgent();
  const total = spec.functions.reduce((n, f) => n + f.instances, 0) + 1;
  const bar = o.quiet ? undefined : progress(`starting ${spec.name}`, total);
  const events: DeployEvent[] = [];
  const r = await agentRequest('POST', '/chains', { spec: readFileSync(o.file, 'utf8'), baseDir: dirname(resolve(o.file)), file: o.file }, (line) => {
    if (!line.trim()) return;
    const e = JSON.parse(line) as DeployEvent;
    events.push(e);
    if (e.event === 'instance-ready') bar?.tick();
  });
  bar?.stop();
  if (r.status !== 200) {
    const body = JSON.parse(r.body) as { error: string };
    throw new AgentError(body.error, r.status, body);
  }
  const failed = events.find((e) => e.event === 'failed');
  if (failed && failed.event === 'failed') throw new AgentError(`deploy of "${spec.name}" failed and was rolled back: ${failed.error}${failed.stack && !failed.error.includes(failed.stack) ? `\n${failed.stack}` : ''}`);
  const ready = events.find((e) => e.event === 'ready');
  if (!o.quiet) {
    for (const e of events) {
      if (e.event === 'region') out(`region ${e.region} (${e.backing}), ${e.objects} objects x ${e.objectSize} B`);
      if (e.event === 'netns') out(`gateway netns ${e.netns}, address ${e.gatewayIp}`);
      if (e.event === 'eproxy') out(e.attached ? `EPROXY attached to ${e.iface}` : `EPROXY not attached to ${e.iface} (see the agent log); the gateway works without it`);
      if (e.event === 'instance-ready') out(`  ${e.fn.padEnd(16)} pid ${String(e.pid).padEnd(8)} data-plane setup ${e.setupMs.toFixed(2)} ms`);
    }
    if (ready && ready.event === 'ready') out(`chain ${spec.name} (transport ${spec.transport}) is up at ${ready.url}`);
  }
  return { spec, url: ready && ready.event === 'ready' ? ready.url : undefined, events };
}
