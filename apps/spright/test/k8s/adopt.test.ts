// Adoption for real on this machine, as the Kubernetes target uses it: the agent deploys a chain
// whose function "c" it does not spawn; a separate process started the way a pod would be (its own
// network namespace, only the adoption socket, the chain token and the module path; no topology,
// no region key, no SPROXY registration path) joins through the adoption socket, receives its
// instance, the region key and (S mode) its SPROXY socket by SCM_RIGHTS, and serves requests
// through the gateway. Killing it reclaims its objects; a wrong token is refused with a clear error.
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.ts';
import type { Chain, DeployEvent } from '../../src/agent/chain.ts';
import { adoptSocket } from '../../src/agent/adopt-protocol.ts';
import { loadChainSpec } from '../../src/spec/index.ts';
import { agentTag, appRoot, workspaceRoot } from '../../src/paths.ts';
import { fixtures, http, useStateDir, waitFor, writeSpec } from '../helpers.ts';
import { addPodNetns, tearDownPods } from './pod-netns.ts';

const dir = useStateDir('adopt');
const tag = agentTag();
const TOKEN = 'a-chain-token-from-the-secret-0123456789';
const podEntry = join(appRoot, 'src', 'k8s', 'pod-main.ts');
const OBJECTS = 32;

/** A "pod": pod-main.ts in its own netns with the environment the manifests give a function pod. */
function startPod(netns: string, chain: string, token: string): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FASTPATH_DATA: process.env.FASTPATH_DATA };
  Object.assign(env, { SPRIGHT_CHAIN: chain, SPRIGHT_FUNCTION: 'c', SPRIGHT_MODULE: join(fixtures, 'echo.ts'), SPRIGHT_TOKEN: token, SPRIGHT_ADOPT_SOCKET: adoptSocket(dir), SPRIGHT_ADOPT_WAIT_S: '20', POD_NAME: `${chain}-c-x1`, POD_NAMESPACE: 'test', POD_UID: 'uid-1' });
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', podEntry, 'function'], { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => text, exited };
}

const netnsOf = (pid: number | string) => readlinkSync(`/proc/${pid}/ns/net`);

describe.each(['s', 'h'])('adopted function process, transport %s', (mode) => {
  const name = `ad${process.pid}${mode}`;
  const podNs = `spa${process.pid}${mode}`;
  const agent = new Agent({ log: () => {} });
  const pods: ChildProcess[] = [];
  let chain: Chain;
  const events: DeployEvent[] = [];
  const slot = () => chain.procs.find((p) => p.spec.fn === 'c')!;

  beforeAll(async () => {
    addPodNetns(podNs);
    await agent.listen();
    const spec = loadChainSpec(
      writeSpec(dir, name, `name: ${name}\ntransport: ${mode}\npool: { objectSize: 4096, objects: ${OBJECTS} }\ngateway: { timeoutMs: 20000 }\nfunctions:\n  - { name: a, module: ${fixtures}/relay.ts }\n  - { name: c, module: ${fixtures}/echo.ts }\nroutes:\n  default: [a, c]\n`),
    );
    const deployed = agent.deploy(spec, (e) => events.push(e), { functions: ['c'], token: TOKEN });
    deployed.catch(() => {}); // awaited below; a failure before that must not go unhandled
    await waitFor('the chain to wait for its adopted function', () => events.some((e) => e.event === 'starting'));

    // A wrong token is refused with a clear error; the slot stays open for the right pod.
    const bad = startPod(podNs, name, 'not-the-token-of-this-chain');
    expect(await bad.exited).toBe(78);
    expect(bad.out()).toContain('refused adoption (bad-token)');
    expect(bad.out()).toContain(`wrong token for chain "${name}"`);
    expect(agent.adoption.counts.refused).toBe(1);

    const pod = startPod(podNs, name, TOKEN);
    pods.push(pod.child);
    chain = await deployed;
  }, 90_000);

  afterAll(() => tearDownPods(agent, pods, podNs, tag));

  it('joins from its own network namespace and serves requests through the gateway', async () => {
    const pid = slot().pid!;
    expect(pid).toBe(pods[0].pid); // `ip netns exec` execs node: the adopted pid is the pod process
    expect(netnsOf(pid)).not.toBe(netnsOf(process.pid));
    expect(chain.status().instances.find((i) => i.fn === 'c')).toMatchObject({ state: 'ready', pid });
    for (let i = 0; i < 20; i++) {
      const r = await http(`${chain.url}/hello`, { body: `req ${i}` });
      expect(r.status, r.body).toBe(200);
      expect(r.headers['x-fn']).toBe('c');
      expect(r.headers['x-pid']).toBe(String(pid));
      expect(r.body).toBe(`req ${i}`);
    }
    expect(chain.memory.stats().free).toBe(OBJECTS);
  });

  it('kill -9 of the adopted process returns every object it held; a new pod takes its slot', async () => {
    const pid = slot().pid!;
    // Requests that stall in c hold pool objects until c dies.
    const stalled = Array.from({ length: 4 }, () => http(`${chain.url}/stall`, { body: 'x' }));
    await waitFor('c to hold 4 objects', () => chain.memory.stats().free <= OBJECTS - 4);
    process.kill(pid, 'SIGKILL');
    const answers = await Promise.all(stalled);
    for (const a of answers) expect(a.status).toBe(502);
    await waitFor('the objects to come back', () => chain.memory.stats().free === OBJECTS);
    expect(chain.reclaimedByDeath).toBeGreaterThanOrEqual(4);
    expect(slot().state).toBe('restarting');

    const again = startPod(podNs, name, TOKEN);
    pods.push(again.child);
    await waitFor('the new pod to be adopted and ready', () => slot().state === 'ready' && slot().pid === again.child.pid, 60_000);
    const r = await http(`${chain.url}/after`, { body: 'back' });
    expect(r.status, r.body).toBe(200);
    expect(r.headers['x-pid']).toBe(String(again.child.pid));
    expect(agent.adoption.counts.adopted).toBe(2);
  }, 90_000);
});
