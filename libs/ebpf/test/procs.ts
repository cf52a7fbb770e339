// Spawns fixture function processes and talks to them (IPC or stdin/stdout JSON lines).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { FunctionEndpoint, SproxyManager } from '../src/index.ts';

export const FIXTURE = join(import.meta.dirname, 'fixtures', 'function.ts');

export class FnProc {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: any) => void>();
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    readonly instance: number,
  ) {
    let ready!: () => void;
    this.ready = new Promise((r) => (ready = r));
    const onMsg = (m: any) => {
      if (m.ready !== undefined) ready();
      else if (m.id !== undefined) this.waiting.get(m.id)?.(m);
    };
    if (child.connected) child.on('message', onMsg);
    else createInterface({ input: child.stdout! }).on('line', (l) => onMsg(JSON.parse(l)));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  call(cmd: Record<string, unknown>, timeoutMs = 60_000): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`function ${this.instance}: ${cmd.cmd} timed out`)), timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        this.waiting.delete(id);
        if (m.error) reject(new Error(`function ${this.instance}: ${m.error}`));
        else resolve(m);
      });
      const line = { ...cmd, id };
      if (this.child.connected) this.child.send(line);
      else this.child.stdin!.write(JSON.stringify(line) + '\n');
    });
  }

  kill(sig: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child.kill(sig);
    return this.exited;
  }
}

/** Creates the socket in the manager and starts a function process that inherits it as fd 3. */
export async function spawnFunction(m: SproxyManager, id: { instance: number; chain: number; function: number }, extra: string[] = []): Promise<{ proc: FnProc; ep: FunctionEndpoint }> {
  const ep = await m.createFunctionSocket(id);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, 'fd=3', `instance=${id.instance}`, `chain=${id.chain}`, `function=${id.function}`, ...extra], {
    stdio: ['ignore', 'inherit', 'inherit', ep.fd, 'ipc'],
  });
  ep.release(); // the child holds the only copy now
  const proc = new FnProc(child, id.instance);
  await Promise.race([proc.ready, proc.exited.then((c) => Promise.reject(new Error(`function ${id.instance} exited with ${c} before it was ready`)))]);
  return { proc, ep };
}
