// Attaching a process to its chain's data plane: the region (with the chain's key), the pool
// and the transport of the spec's mode. Times the attach: the dissertation's per-function
// "data-plane setup" (SPROXY socket registration + pool attach), reported to the agent.
import { performance } from 'node:perf_hooks';
import { Region, type Mempool } from '@fastpath/shm';
import type { ChainTopology } from './topology.ts';
import { RingTransport } from './transport/ring.ts';
import { ENV_SPROXY_FD, ENV_SPROXY_SOCKET, SproxyTransport, TransportUnavailableError } from './transport/sproxy.ts';
import type { DescriptorTransport } from './transport/types.ts';

export interface ChainPlane {
  region: Region;
  pool: Mempool;
  transport: DescriptorTransport;
  /** Milliseconds spent attaching region + pool + transport. */
  setupMs: number;
  close(): void;
}

export async function attachPlane(topology: ChainTopology, selfId: number, env: NodeJS.ProcessEnv = process.env): Promise<ChainPlane> {
  const t0 = performance.now();
  const region = Region.attach(topology.region, topology.key);
  try {
    const pool = region.mempool(topology.pool);
    pool.owner = selfId;
    let transport: DescriptorTransport;
    if (topology.transport === 's') {
      const path = env[ENV_SPROXY_SOCKET];
      const fd = env[ENV_SPROXY_FD];
      if (fd) transport = SproxyTransport.fromFd(topology, selfId, Number(fd), pool);
      else if (!path) throw new TransportUnavailableError(`transport "s" needs ${ENV_SPROXY_SOCKET} (the proxy manager's registration socket)`);
      else transport = await SproxyTransport.connect(topology, selfId, path, pool);
    } else {
      transport = new RingTransport(topology.transport, region, topology, selfId, pool);
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
