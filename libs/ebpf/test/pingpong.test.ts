// The bench's C ping-pong (dist/ebpf/asan/pingpong: the ASan+UBSan build) over its own
// channels and over two SPROXY function sockets handed to it as fds.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';
import { SproxyManager } from '../src/index.ts';
import { isRoot, notRootReason } from './helpers.ts';

const TOOL = join(workspaceRoot, 'dist', 'ebpf', 'asan', 'pingpong');
const run = (args: string[]) => spawnSync(TOOL, args, { encoding: 'utf8', timeout: 60_000 });

describe('C ping-pong (ASan/UBSan build)', () => {
  it.each(['tcp', 'unix', 'pipe'])('measures %s round trips and prints one JSON line', (kind) => {
    const r = run(['pair', kind, '300', '10']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.n).toBe(300);
    expect(j.p50us).toBeGreaterThan(0);
    expect(j.p99us).toBeGreaterThanOrEqual(j.p50us);
  });

  it('rejects bad arguments with usage (exit 2) and a bad fd with an I/O error (exit 1)', () => {
    for (const args of [[], ['pair', 'carrier-pigeon', '10'], ['pair', 'tcp', '0'], ['ping', '3', '10', '-1', '1'], ['echo', 'x'], ['ping', '3', '10', '2', '70000']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage|cannot set up/);
    }
    const r = run(['ping', '99', '10', '2', '1', '0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/round trip 0/);
  });
});

describe.skipIf(!isRoot)(`C ping-pong over SPROXY sockets (${isRoot ? 'root' : notRootReason})`, () => {
  it('every descriptor goes through the SK_MSG redirect both ways', async () => {
    await using m = await SproxyManager.start();
    const a = await m.createFunctionSocket({ instance: 7, chain: 3, function: 1 });
    const b = await m.createFunctionSocket({ instance: 8, chain: 3, function: 2 });
    const echo = spawn(TOOL, ['echo', '3'], { stdio: ['ignore', 'ignore', 'inherit', b.fd] });
    b.release();
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = '';
      const p = spawn(TOOL, ['ping', '3', '500', '8', '3', '20'], { stdio: ['ignore', 'pipe', 'inherit', a.fd] });
      p.stdout!.on('data', (d) => (out += d));
      p.once('exit', (code) => resolve({ code, out }));
    });
    a.release();
    echo.kill('SIGKILL');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).n).toBe(500);
    const rows = m.metrics();
    expect(rows.find((x) => x.function === 1)).toMatchObject({ delivered: 520n, received: 520n, dropped: 0n, deadLettered: 0n });
    expect(rows.find((x) => x.function === 2)).toMatchObject({ delivered: 520n, received: 520n });
  });
});
