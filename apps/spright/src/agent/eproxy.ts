// EPROXY at each gateway's veth (dissertation §5.3.2): the tc program on the host end of the
// veth sees everything the gateway sends, counts it (L3 metrics, exported on the agent's
// /metrics) and forwards it by FIB lookup past the host stack when it leaves the node. It is an
// accelerator and a meter, not needed for correctness: if it cannot load, chains run without it.
import { Eproxy, exportEproxyMetrics, type Attachment, type EpCounters } from '@fastpath/ebpf';
import type { Registry } from '@fastpath/metrics';

export class GatewayEproxy {
  private constructor(private readonly eproxy: Eproxy) {}

  static load(registry: Registry, log: (m: string) => void): GatewayEproxy | undefined {
    try {
      const e = Eproxy.load();
      exportEproxyMetrics(registry, e);
      return new GatewayEproxy(e);
    } catch (err) {
      log(`EPROXY not available, gateways run without it: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Attaches to the host end of a gateway's veth; undefined (logged) if the kernel refuses. */
  attach(hostIf: string, log: (m: string) => void): Attachment | undefined {
    try {
      return this.eproxy.attachTc(hostIf);
    } catch (err) {
      log(`EPROXY: cannot attach to ${hostIf}: ${(err as Error).message}`);
      return undefined;
    }
  }

  counters(hostIf: string): EpCounters | undefined {
    try {
      return this.eproxy.counter(hostIf);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.eproxy.dispose();
  }
}
