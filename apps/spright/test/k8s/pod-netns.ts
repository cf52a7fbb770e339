// A network namespace standing in for a pod network, and the teardown the adoption tests share.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { leftovers, pidAlive } from '../helpers.ts';

export function addPodNetns(ns: string): void {
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Stops the agent (and its chains), kills what is left of the "pods", removes the netns, checks nothing stayed. */
export async function tearDownPods(agent: Agent, pods: ChildProcess[], ns: string, tag: string): Promise<void> {
  await agent.close();
  for (const p of pods) if (p.pid && pidAlive(p.pid)) p.kill('SIGKILL');
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  expect(leftovers(tag)).toEqual([]);
}
