// A network namespace standing in for a pod network, and the teardown the adoption tests share.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { leftovers, pidAlive, waitFor } from '../helpers.ts';

export function addPodNetns(ns: string): void {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Stops the agent (and its chains), kills what is left of the "pods", removes the netns, checks nothing stayed. */
export async function tearDownPods(agent: Agent, pods: ChildProcess[], ns: string, tag: string): Promise<void> {
  await agent.close();
  for (const p of pods) if (p.pid && pidAlive(p.pid)) p.kill('SIGKILL');
  await waitFor('the pod processes to exit', () => pods.every((p) => !p.pid || !pidAlive(p.pid)));
  // `ip netns del` can fail while the kernel still tears a killed process down: retry, then check.
  await waitFor(`netns ${ns} to be removed`, () => {
    if (!existsSync(`/run/netns/${ns}`)) return true;
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    return !existsSync(`/run/netns/${ns}`);
  });
  expect(leftovers(tag)).toEqual([]);
}
