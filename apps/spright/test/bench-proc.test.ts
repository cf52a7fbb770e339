// The bench's per-request audit reads real kernel counters: a process that writes and reads a
// file shows those syscalls and bytes, a sleeping child its context switches; a component whose
// processes are gone reads as zero instead of failing the benchmark.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ioMeter, meter, netSoftirqs } from '../bench/proc.ts';

describe('bench /proc meters', () => {
  it('counts this process\'s syscalls and bytes across the user/kernel boundary', () => {
    const file = `/tmp/spright-bench-proc-${process.pid}`;
    const m = ioMeter({ self: [process.pid] }, ['self']);
    const fd = openSync(file, 'w+');
    for (let i = 0; i < 10; i++) writeSync(fd, Buffer.alloc(1000, 1), 0, 1000, i * 1000);
    const buf = Buffer.alloc(10_000);
    readSync(fd, buf, 0, 10_000, 0);
    closeSync(fd);
    rmSync(file);
    const r = m.read().self;
    expect(r.syscw).toBeGreaterThanOrEqual(10);
    expect(r.wchar).toBeGreaterThanOrEqual(10_000);
    expect(r.syscr).toBeGreaterThanOrEqual(1);
    expect(r.rchar).toBeGreaterThanOrEqual(10_000);
  });

  it('sums a child tree\'s context switches and CPU; a gone process reads as zero', async () => {
    const child = spawn('sh', ['-c', 'for i in 1 2 3 4 5; do sleep 0.05; done; sleep 30'], { stdio: 'ignore' });
    try {
      const io = ioMeter({ c: [child.pid!] });
      const cpu = meter({ c: [child.pid!] });
      await new Promise((r) => setTimeout(r, 600));
      expect(io.read().c.ctxsw).toBeGreaterThanOrEqual(1);
      expect(cpu.read().c).toBeGreaterThanOrEqual(0);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(ioMeter({ gone: [child.pid!] }).read().gone).toEqual({ syscr: 0, syscw: 0, rchar: 0, wchar: 0, ctxsw: 0 });
    expect(netSoftirqs()).toBeGreaterThan(0);
  });
});
