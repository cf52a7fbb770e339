// A run killed with SIGKILL mid-setup leaves namespaces, a running process and scratch
// files; the next run's sweep removes them, and leaves a live run's lab alone.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/lab/lab.ts';
import { flannel } from '../src/lab/styles/flannel.ts';
import { cleanupStale, findObjects, isEmpty, listNetns } from '../src/runid.ts';

const root = process.getuid?.() === 0;
// A killed process whose parent is gone may linger as a zombie until init reaps it.
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe.skipIf(!root)('cleanup after an interrupted run (root)', () => {
  it('SIGKILL mid-setup, then the next run removes the leftovers but not a live lab', async () => {
    const live = new Lab(flannel('host-gw'), { podsPerHost: 1, services: 0 });
    await live.create();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'hold-lab.ts'), 'cilium-vxlan'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const ready = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child never got mid-setup: ${err}`)), 60_000);
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) {
            clearTimeout(t);
            resolve(out.trim());
          }
        });
        child.once('exit', (c) => reject(new Error(`child exited ${c}: ${err}`)));
      });
      const [, rid, pidText] = ready.split(' ');
      const inner = Number(pidText);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const left = await findObjects(rid);
      expect(left.netns.length, 'the killed run left namespaces').toBeGreaterThan(0);
      expect(left.pins.length, 'and BPF pins').toBeGreaterThan(0);
      expect(alive(inner), 'and a process inside a pod').toBe(true);

      const removed = await cleanupStale();
      expect(removed.netns).toEqual(expect.arrayContaining(left.netns));
      expect(isEmpty(await findObjects(rid))).toBe(true);
      expect(alive(inner)).toBe(false);
      // the live lab of this (still running) process was not touched
      expect(await listNetns()).toEqual(expect.arrayContaining([live.hosts[0].ns, live.hosts[1].ns]));
      expect(removed.netns.filter((n) => n.startsWith(live.rid))).toEqual([]);
    } finally {
      await live.destroy();
    }
    expect(isEmpty(await findObjects(live.rid))).toBe(true);
  });
});
