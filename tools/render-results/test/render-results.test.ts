import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { render } from '../render.ts';

describe('results renderer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every numeric leaf of every result file and links the plots', () => {
    mkdirSync(join(dir, 'shm'));
    writeFileSync(join(dir, 'shm', 'bench.json'), JSON.stringify({ ring: { crossProcess: { burst32: { ratio: 0.93, oursPerSec: 41_000_000 } } }, machine: { cpuModel: 'X', cores: 2, kernel: '6.1', loadavg: [0.1, 0.2, 0.3] }, measuredAt: 'today', data: { ignored: 1 } }));
    writeFileSync(join(dir, 'shm', 'ring.svg'), '<svg/>');
    const md = render(dir, 60);
    expect(md).toContain('## shm/bench.json');
    expect(md).toContain('| `ring.crossProcess.burst32.ratio` | 0.93 |');
    expect(md).toContain('| `ring.crossProcess.burst32.oursPerSec` | 41,000,000 |');
    expect(md).not.toContain('ignored');
    expect(md).toContain('- [shm/ring.svg](shm/ring.svg)');
    expect(md).toContain('on X (2 cores, kernel 6.1');
  });
});
