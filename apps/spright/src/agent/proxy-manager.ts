// The node's SPROXY proxy manager (dissertation Fig. 5.5): loaded on the first S-mode chain,
// it owns the SK_MSG program and sockhash and registers every process's socket, which the
// process builds itself and hands over through a Unix socket (reachable from the gateway's netns).
import { join } from 'node:path';
import { exportSproxyMetrics, SproxyManager } from '@fastpath/ebpf';
import type { Registry } from '@fastpath/metrics';
import { stateDir } from '../paths.ts';

export class ProxyManager {
  private constructor(
    readonly sproxy: SproxyManager,
    readonly registrationPath: string,
  ) {}

  /** A descriptor SPROXY could not deliver (target socket gone: the process just died). */
  onDeadLetter?: (chain: number, offset: number, generation: number, target: number) => void;

  static async start(registry: Registry, log: (m: string) => void): Promise<ProxyManager> {
    const sproxy = await SproxyManager.start();
    const path = join(stateDir(), 'sproxy.sock');
    try {
      await sproxy.serveRegistrations(path);
    } catch (err) {
      await sproxy.close();
      throw err;
    }
    sproxy.on('dropped', (d, from) => log(`SPROXY dropped a descriptor from instance ${from.instance} (chain ${from.chain}) to instance ${d.instance} chain ${d.chain}: crosses a security domain`));
    sproxy.on('error', (e) => log(`SPROXY: ${e.message}`));
    exportSproxyMetrics(registry, sproxy);
    const pm = new ProxyManager(sproxy, path);
    sproxy.on('deadLetter', (d) => pm.onDeadLetter?.(d.chain, Number(d.object & 0xffffffffffn), Number((d.object >> 40n) & 0xffffffn), d.instance));
    return pm;
  }

  /** Forgets a chain's instances (their sockets close with their processes anyway). */
  unregister(instances: number[]): void {
    for (const i of instances) this.sproxy.unregister(i);
  }

  close(): Promise<void> {
    return this.sproxy.close();
  }
}
