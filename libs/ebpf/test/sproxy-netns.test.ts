// Functions in other network namespaces register through a Unix socket path; the manager
// takes their sockets with pidfd_getfd (pid from SO_PEERCRED) and routes between namespaces.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SproxyManager } from '../src/index.ts';
import { isRoot, notRootReason, until } from './helpers.ts';
import { addNetns, cleanupNetns, leftovers, prefix } from './netns.ts';
import { FIXTURE, FnProc } from './procs.ts';

describe.skipIf(!isRoot)(`SPROXY across network namespaces (${isRoot ? 'root' : notRootReason})`, () => {
  let m: SproxyManager;
  const regPath = `/tmp/${prefix}-sproxy-reg.sock`;
  const procs: FnProc[] = [];
  let nsA = '';
  let nsB = '';

  const startIn = async (ns: string, instance: number, chain: number, fn: number) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', FIXTURE, `register=${regPath}`, `instance=${instance}`, `chain=${chain}`, `function=${fn}`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const p = new FnProc(child, instance);
    procs.push(p);
    await Promise.race([p.ready, p.exited.then((c) => Promise.reject(new Error(`function ${instance} in ${ns} exited with ${c}`)))]);
    return p;
  };

  beforeAll(async () => {
    m = await SproxyManager.start();
    await m.serveRegistrations(regPath);
    nsA = addNetns('a');
    nsB = addNetns('b');
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await m?.close();
    cleanupNetns();
    expect(leftovers()).toEqual([]);
    expect(existsSync(regPath)).toBe(false);
  });

  it('routes descriptors between functions in two namespaces, and forgets a killed one', async () => {
    const a = await startIn(nsA, 601, 50, 1);
    const b = await startIn(nsB, 602, 50, 2);
    expect(m.hasSocket(601) && m.hasSocket(602)).toBe(true);
    await a.call({ cmd: 'send', target: 602, n: 500 });
    let rep: any;
    for (let i = 0; i < 100; i++) {
      rep = await b.call({ cmd: 'report' });
      if (rep.received === 500) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(rep).toMatchObject({ received: 500, fromCounts: { 601: 500 } });
    await b.kill();
    await until(() => !m.hasSocket(602), 5000, 'sockhash entry of the killed function');
  });

  it('rejects a registration whose fd is not a TCP socket', async () => {
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(regPath);
      let buf = '';
      c.on('connect', () => c.write(JSON.stringify({ fd: 0, peerFd: 1, instance: 700, chain: 1, function: 1 }) + '\n'));
      c.on('data', (d) => (buf += d));
      c.on('end', () => resolve(buf));
      c.on('error', reject);
    });
    expect(JSON.parse(reply).error).toMatch(/not a TCP socket/);
    expect(m.hasSocket(700)).toBe(false);
  });
});
