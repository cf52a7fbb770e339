// Wires a running UPF: data path (C thread), PFCP server, metrics endpoint.
import { serveMetrics, type MetricsServer } from '@fastpath/metrics';
import type { NodeId } from '@fastpath/pfcp';
import { kindOf, type UpfConfig } from './config.ts';
import { Datapath } from './datapath.ts';
import { createUpfMetrics } from './metrics.ts';
import { PfcpServer } from './server.ts';
import { UpfControl } from './sessions.ts';

export interface RunningUpf {
  dp: Datapath;
  control: UpfControl;
  server: PfcpServer;
  pfcp: { address: string; port: number };
  n3Port?: number;
  metricsUrl?: string;
  close(): Promise<void>;
}

export function nodeIdOf(s: string): NodeId {
  return /^\d+\.\d+\.\d+\.\d+$/.test(s) ? { type: 'ipv4', value: s } : { type: 'fqdn', value: s };
}

/** Starts the UPF. `dataPlane: false` keeps the data path socket-less (tests drive it with inject). */
export async function startUpf(cfg: UpfConfig, opts: { dataPlane?: boolean; log?: (m: string) => void } = {}): Promise<RunningUpf> {
  const dp = Datapath.create({
    kind: kindOf(cfg.classifier), expectedSessions: cfg.maxSessions, maxSlots: cfg.maxRules,
    bufferPool: cfg.buffer.poolPackets, defaultBuffer: cfg.buffer.perSessionPackets,
  });
  let metrics: MetricsServer | undefined;
  let server: PfcpServer | undefined;
  try {
    let n3Port: number | undefined;
    if (opts.dataPlane !== false) {
      dp.open({ netns: cfg.netns, n3Addr: cfg.n3.address, n3Port: cfg.n3.port, n6Ifname: cfg.n6.interface });
      n3Port = dp.n3Port();
      if (cfg.n6.io !== 'raw') dp.setN6Nexthop(cfg.n6.nextHopMac!);
      if (cfg.n3.io !== 'socket') {
        dp.openXsk({ netns: cfg.netns, ifname: cfg.n3.interface!, mode: cfg.n3.io });
        // AF_XDP transmit: downlink GTP-U on the N3 socket, uplink on an N6 socket sharing the UMEM
        dp.setXskTx({ netns: cfg.netns, n6Ifname: cfg.n6.interface, n6: cfg.n6.io === 'xdp', n3: true });
      }
      dp.start();
    }
    const nodeId = nodeIdOf(cfg.nodeId);
    const control = new UpfControl(dp, { nodeId, n3Address: cfg.n3.address, teidBase: cfg.teidBase, applications: cfg.applications });
    const m = createUpfMetrics(dp, control);
    server = new PfcpServer(control, nodeId, { onMessage: m.pfcpMessage, onReport: m.report, log: opts.log });
    const pfcp = await server.listen(cfg.pfcp.address, cfg.pfcp.port);
    if (cfg.metrics) metrics = await serveMetrics({ registry: m.registry, port: cfg.metrics.port, host: cfg.metrics.host });
    const srv = server;
    return {
      dp, control, server: srv, pfcp, n3Port, metricsUrl: metrics?.url,
      async close() {
        await srv.close();
        await metrics?.close();
        dp.stop();
        dp.destroy();
      },
    };
  } catch (e) {
    await server?.close();
    await metrics?.close();
    dp.destroy();
    throw e;
  }
}
