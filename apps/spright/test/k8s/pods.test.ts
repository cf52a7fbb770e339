// The Kubernetes pod flow on this machine, without kubelet: a persistent agent (as the DaemonSet
// runs it) and one process per pod, started with the command and environment the generated
// manifests give each container, all in one "pod network" namespace. The gateway pod registers the
// chain with the agent from the Secret's spec and token, every pod joins through the adoption
// socket, and a request sent inside that namespace goes through the whole chain.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.ts';
import { loadChainSpec } from '../../src/spec/index.ts';
import { agentTag, workspaceRoot } from '../../src/paths.ts';
import { chainManifests } from '../../src/k8s/manifests.ts';
import { fixtures, leftovers, useStateDir, waitFor, writeSpec } from '../helpers.ts';
import { addPodNetns, tearDownPods } from './pod-netns.ts';

const dir = useStateDir('pods');
const tag = agentTag();
const name = `pd${process.pid}`;
const podNs = `spp${process.pid}`;

/** Runs a container of a generated Deployment as a process: its command, its env (Secret and
 * downward-API values resolved the way kubelet would), the state dir of this test's agent. */
function runContainer(dep: any, secret: Record<string, string>, podName: string): ChildProcess {
  const c = dep.spec.template.spec.containers[0];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom.secretKeyRef) env[e.name] = secret[e.valueFrom.secretKeyRef.key];
    else env[e.name] = { 'metadata.name': podName, 'metadata.namespace': 'spright', 'metadata.uid': `uid-${podName}` }[e.valueFrom.fieldRef.fieldPath as string];
  }
  env.SPRIGHT_STATE_DIR = dir; // the hostPath /run/fastpath/spright of this test
  env.SPRIGHT_READY_FILE = `${dir}/${podName}.ready`;
  const [node, ...args] = c.command as string[];
  expect(node).toBe('node');
  return spawn('ip', ['netns', 'exec', podNs, process.execPath, ...args], { cwd: workspaceRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

describe('chain pods as the manifests run them (gateway pod registers the chain, all pods adopted)', () => {
  const agent = new Agent({ log: () => {} });
  const pods: ChildProcess[] = [];
  let manifests: any[];

  beforeAll(async () => {
    addPodNetns(podNs);
    await agent.listen();
    const spec = loadChainSpec(writeSpec(dir, name, `name: ${name}\ntransport: s\npool: { objectSize: 4096, objects: 32 }\ngateway: { port: 18080, timeoutMs: 20000 }\nfunctions:\n  - { name: a, module: ${fixtures}/relay.ts }\n  - { name: c, module: ${fixtures}/echo.ts, instances: 2 }\nroutes:\n  default: [a, c]\n`));
    // The "image" is this checkout: modules resolve where the agent finds them.
    manifests = chainManifests(spec, { token: 'pods-test-token-0123456789abcdef', appDir: workspaceRoot });
    const secret = manifests.find((o) => o.kind === 'Secret').stringData;
    // All pods at once, as a rollout does: function pods retry until the gateway pod registered the chain.
    for (const dep of manifests.filter((o) => o.kind === 'Deployment')) {
      for (let i = 0; i < dep.spec.replicas; i++) pods.push(runContainer(dep, secret, `${dep.metadata.name}-${i}`));
    }
    const gateway = pods.find((_p, i) => i === 0)!; // the gateway Deployment comes first
    const failed = new Promise<never>((_r, reject) => gateway.on('exit', (code) => reject(new Error(`the gateway pod exited with code ${code}`))));
    await Promise.race([waitFor('the chain to be running', () => agent.chains.get(name)?.state === 'running', 90_000), failed]);
  }, 120_000);

  afterAll(() => tearDownPods(agent, pods, podNs, tag));

  it('every process of the chain is an adopted pod; a request crosses gateway -> a -> c inside the pod network', async () => {
    const chain = agent.chains.get(name)!;
    const st = chain.status();
    expect(st.instances.map((i) => i.fn).sort()).toEqual(['a', 'c', 'c', 'gateway']);
    expect(st.netns).toBeUndefined(); // the gateway pod brings its own network
    const podPids = new Set(pods.map((p) => p.pid));
    for (const i of st.instances) expect(podPids.has(i.pid), `${i.fn} pid ${i.pid}`).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const out = execFileSync('ip', ['netns', 'exec', podNs, 'curl', '-s', '-i', '--max-time', '20', '-d', `hi ${i}`, 'http://127.0.0.1:18080/x'], { encoding: 'utf8' });
      expect(out).toMatch(/^HTTP\/1\.1 200/);
      expect(out).toContain('x-fn: c');
      expect(out.trim().endsWith(`hi ${i}`)).toBe(true);
      seen.add(/x-pid: (\d+)/.exec(out)![1]);
    }
    expect(seen.size).toBe(2); // both instances of c (two pods of one Deployment) serve
  });

  it('stopping the gateway pod (SIGTERM, as kubelet does) removes the chain from the node and stops its pods', async () => {
    const exits = pods.map((p) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.on('exit', (code) => r(code)))));
    pods[0].kill('SIGTERM');
    await waitFor('the agent to drop the chain', () => !agent.chains.has(name), 30_000);
    expect(await Promise.all(exits)).toEqual(pods.map(() => 0));
    expect(leftovers(tag)).toEqual([]);
  }, 60_000);
});
