// The pieces under adoption, each on its own: SCM_RIGHTS and pidfd calls (libc through koffi), and
// every refusal of the adoption server with its typed error (the pod path is adopt.test.ts).
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdoptedInstance, AdoptionServer, AdoptPlanError, checkAdoptPlan } from '../../src/agent/adopt.ts';
import { adoptSelf, AgentUnreachableError } from '../../src/agent/adopt-protocol.ts';
import { buildTopology } from '../../src/agent/topology.ts';
import { loadChainSpec } from '../../src/spec/index.ts';
import { closeFd, peerCredentials, pidfdExited, pidfdKill, pidfdOpen, recvWithFds, sendWithFds, unixConnect, UnixFdError } from '../../src/agent/unix-fds.ts';
import { fixtures, waitFor, writeSpec } from '../helpers.ts';
import { podOptionsFromEnv, runPod } from '../../src/k8s/pod.ts';

const dir = mkdtempSync(join(tmpdir(), 'spright-adopt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unix-fds (libc via koffi)', () => {
  it('passes an open file to another socket end with SCM_RIGHTS; SO_PEERCRED names the peer', async () => {
    const path = join(dir, 'fds.sock');
    const file = join(dir, 'payload.txt');
    writeFileSync(file, 'through SCM_RIGHTS');
    let onConn!: (c: net.Socket) => void;
    const accepted = new Promise<net.Socket>((resolve) => (onConn = resolve));
    const srv = net.createServer((c) => onConn(c));
    await new Promise<void>((resolve) => srv.listen(path, resolve));
    const fd = unixConnect(path);
    const server = await accepted;
    srv.close();
    const sfd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(peerCredentials(sfd).pid).toBe(process.pid);
    const f = openSync(file, 'r');
    sendWithFds(sfd, Buffer.from('hello\n'), [f]);
    closeSync(f);
    const got = recvWithFds(fd, 64, 5000);
    expect(got.data.toString()).toBe('hello\n');
    expect(got.fds).toHaveLength(1);
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, readSync(got.fds[0], buf, 0, 64, 0)).toString()).toBe('through SCM_RIGHTS');
    closeSync(got.fds[0]);
    // Nothing more arrives: a bounded wait, then a typed error.
    expect(() => recvWithFds(fd, 64, 50)).toThrow(/no answer within 50 ms/);
    closeFd(fd);
    server.destroy();
  });

  it('connect errors carry errno; pidfds see a process exit and kill it', async () => {
    const e = (() => {
      try {
        unixConnect(join(dir, 'missing.sock'));
      } catch (err) {
        return err as UnixFdError;
      }
    })();
    expect(e).toBeInstanceOf(UnixFdError);
    expect(e!.errno).toBe(2);
    const child = spawn('sleep', ['30']);
    const exited = new Promise((r) => child.on('exit', (_c, sig) => r(sig)));
    const pfd = pidfdOpen(child.pid!);
    expect(pidfdExited(pfd)).toBe(false);
    pidfdKill(pfd);
    expect(await exited).toBe('SIGKILL');
    await waitFor('the pidfd to turn readable', () => pidfdExited(pfd));
    pidfdKill(pfd); // an exited process: no error
    closeFd(pfd);
  });
});

describe('adoption server refusals', () => {
  const spec = loadChainSpec(writeSpec(dir, 'ref', `name: ref\ntransport: h\npool: { objectSize: 1024, objects: 8 }\nfunctions:\n  - { name: a, module: ${fixtures}/relay.ts }\n  - { name: c, module: ${fixtures}/echo.ts }\nroutes:\n  default: [a, c]\n`));
  const topology = buildTopology(spec, 77, 'ref-region', '0'.repeat(32));
  const token = 'the-right-token-0123456789';

  it('checks the adopt plan of a deploy request', () => {
    expect(checkAdoptPlan({ functions: ['c', 'gateway', 'c'], token }, spec)).toEqual({ functions: ['c', 'gateway'], token });
    expect(() => checkAdoptPlan({ functions: ['zz'], token }, spec)).toThrow(AdoptPlanError);
    expect(() => checkAdoptPlan({ functions: ['c'], token: 'short' }, spec)).toThrow(/at least 16 characters/);
    expect(() => checkAdoptPlan('c', spec)).toThrow(/must be \{ functions/);
  });

  it('refuses a wrong token, an unknown chain or function, a taken slot, a bad hello; no agent -> unreachable', async () => {
    const path = join(dir, 'adopt.sock');
    expect(() => adoptSelf({ chain: 'ref', fn: 'c', token }, { socket: path })).toThrow(AgentUnreachableError);
    const server = new AdoptionServer(path);
    await server.listen();
    const slot = new AdoptedInstance({ instance: topology.functions[1].instances[0].id, fn: 'c', entry: '(adopted)', env: {}, logFile: join(dir, 'c.log') });
    server.offer(spec, topology, { functions: ['c'], token }, [slot]);
    // No open slot yet (the chain has not started waiting): taken.
    const noSlot = await runInChild({ chain: 'ref', fn: 'c', token }, path);
    expect(noSlot).toMatch(/no-free-instance.*all 1 instance\(s\) of "c" in chain "ref" are taken/);
    const started = slot.start(60_000);
    started.catch(() => {});
    expect(await runInChild({ chain: 'ref', fn: 'c', token: 'wrong-token-xxxxxxxxxxxx' }, path)).toMatch(/\(bad-token\).*wrong token for chain "ref"/);
    expect(await runInChild({ chain: 'nope', fn: 'c', token }, path)).toMatch(/\(unknown-chain\).*no chain "nope".*deployed: ref/);
    expect(await runInChild({ chain: 'ref', fn: 'a', token }, path)).toMatch(/\(unknown-function\).*adopts no "a" \(adopts: c\)/);
    expect(server.counts).toEqual({ adopted: 0, refused: 4 });
    // A raw client with garbage gets a bad-request line, not a hang.
    const raw = net.connect(path);
    const answer = await new Promise<string>((resolve) => {
      let t = '';
      raw.on('data', (d) => (t += d));
      raw.on('end', () => resolve(t));
      raw.write('not json\n');
    });
    expect(JSON.parse(answer)).toEqual({ ok: false, code: 'bad-request', error: 'the hello line is not JSON' });
    await slot.stop();
    await expect(started).rejects.toThrow(/the chain is being deleted/);
    await server.close();
  });
});

describe('pod entry configuration', () => {
  it('reads what the manifests set, and names what is missing', async () => {
    const env = { SPRIGHT_CHAIN: 'shop', SPRIGHT_FUNCTION: 'cart', SPRIGHT_TOKEN: 't', SPRIGHT_MODULE: '/opt/fastpath/x.ts', POD_NAME: 'shop-cart-1', POD_NAMESPACE: 'spright', POD_UID: 'u1', SPRIGHT_ADOPT_WAIT_S: '5' };
    expect(podOptionsFromEnv(undefined, env)).toMatchObject({ chain: 'shop', fn: 'cart', token: 't', module: '/opt/fastpath/x.ts', pod: { name: 'shop-cart-1', namespace: 'spright', uid: 'u1' }, waitMs: 5000 });
    expect(() => podOptionsFromEnv(undefined, { ...env, SPRIGHT_TOKEN: '' })).toThrow(/SPRIGHT_TOKEN must be set/);
    expect(() => podOptionsFromEnv('gateway', { SPRIGHT_TOKEN: 't' })).toThrow(/SPRIGHT_CHAIN must be set/);
    await expect(runPod({ chain: 'shop', fn: 'gateway', token: 't' })).rejects.toThrow(/chain spec is required/);
    await expect(runPod({ chain: 'shop', fn: 'cart', token: 't' })).rejects.toThrow(/function module is required/);
  });
});

/** adoptSelf in a child process (it blocks its thread while the server, here, answers). */
function runInChild(hello: { chain: string; fn: string; token: string }, socket: string): Promise<string> {
  const code = `import { adoptSelf } from ${JSON.stringify(join(import.meta.dirname, '../../src/agent/adopt-protocol.ts'))};
try { adoptSelf(${JSON.stringify(hello)}, { socket: ${JSON.stringify(socket)}, timeoutMs: 20000 }); console.log('admitted'); }
catch (e) { console.log(e.name + ': ' + e.message); }`;
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', () => resolve(out.trim()));
  });
}
