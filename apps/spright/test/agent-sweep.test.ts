// An agent starting up removes the shared-memory regions of chains whose creator was killed
// outright (a benchmark or agent SIGKILLed: no chance to clean up), and never a live one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Region } from '@fastpath/shm';
import { Agent } from '../src/agent/agent.ts';
import { useStateDir } from './helpers.ts';

useStateDir('sweep');

describe('agent sweep', () => {
  const live = Region.create(`sp${process.pid}-sweep-live`, { size: 1 << 20, hugepages: 'never' });
  afterAll(() => live.destroy());

  it('removes a region of a killed process, keeps a live one', async () => {
    const dead = `sp${process.pid}-sweep-dead`;
    // A child creates a region (as an in-process agent would) and is SIGKILLed before cleanup.
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'create-region.ts'), dead], { stdio: ['ignore', 'pipe', 'inherit'] });
    const path = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(path)).toBe(true);

    const agent = new Agent({ log: () => {} });
    try {
      const removed = agent.sweep();
      expect(removed.some((r) => /region\(s\) of dead processes/.test(r)), removed.join('; ')).toBe(true);
      expect(existsSync(path)).toBe(false);
      expect(existsSync(live.path)).toBe(true);
    } finally {
      await agent.close();
    }
  });
});
