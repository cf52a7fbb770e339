// Attaching a process to its chain's data plane: the region (with the chain's key), the pool
// and the transport of the spec's mode. Times the attach: the dissertation's per-function
// "data-plane setup" (SPROXY registration + pool attach), reported to the agent.
import { performance } from 'node:perf_hooks';
import { Region, type Mempool } from '@fastpath/shm';
import type { ChainTopology } from './topology.ts';
import { RingTransport } from './transport/ring.ts';
import type { DescriptorTransport } from './transport/types.ts';

export interface ChainPlane {
  region: Region;
  pool: Mempool;
  transport: DescriptorTransport;
  /** Milliseconds spent attaching region + pool + transport. */
  setupMs: number;
  close(): void;
}

/** Builds the transport of a mode; S needs the socket the proxy manager handed over. */
export type TransportFactory = (region: Region, topology: ChainTopology, selfId: number) => DescriptorTransport;

export function attachPlane(topology: ChainTopology, selfId: number, sTransport?: TransportFactory): ChainPlane {
  const t0 = performance.now();
  const region = Region.attach(topology.region, topology.key);
  try {
    const pool = region.mempool(topology.pool);
    pool.owner = selfId;
    let transport: DescriptorTransport;
    if (topology.transport === 's') {
      if (!sTransport) throw new Error('spright: transport "s" needs the SPROXY socket from the proxy manager');
      transport = sTransport(region, topology, selfId);
    } else {
      transport = new RingTransport(topology.transport, region, topology, selfId);
    }
    const setupMs = performance.now() - t0;
    return {
      region,
      pool,
      transport,
      setupMs,
      close: () => {
        transport.close();
        region.detach();
      },
    };
  } catch (err) {
    region.detach();
    throw err;
  }
}
