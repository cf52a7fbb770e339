// Prometheus metrics of the UPF: data-path counters read from C at scrape time, PFCP counters.
import { client, createRegistry, type Registry } from '@fastpath/metrics';
import { kindName } from '@fastpath/pdrcls';
import type { Datapath } from './datapath.ts';
import type { UpfControl } from './sessions.ts';

export interface UpfMetrics {
  registry: Registry;
  pfcpMessage(type: number, result: string): void;
  report(reportType: number): void;
}

/** A counter whose value lives elsewhere (the C data path): set at scrape time. */
function mirrored(registry: Registry, name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]) {
  return new client.Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) this.inc(labels, v);
    },
  });
}

export function createUpfMetrics(dp: Datapath, control: UpfControl): UpfMetrics {
  const registry = createRegistry('fastpath_upf_');
  let stats = dp.stats();
  let at = 0;
  const fresh = () => {
    if (Date.now() - at > 100) {
      stats = dp.stats();
      at = Date.now();
    }
    return stats;
  };
  mirrored(registry, 'fastpath_upf_packets_total', 'Packets received (rx) and sent (tx) per interface', ['interface', 'direction'], () => {
    const s = fresh();
    return [[{ interface: 'n3', direction: 'rx' }, s.rxN3], [{ interface: 'n3', direction: 'tx' }, s.txN3], [{ interface: 'n6', direction: 'rx' }, s.rxN6], [{ interface: 'n6', direction: 'tx' }, s.txN6]];
  });
  mirrored(registry, 'fastpath_upf_drops_total', 'Packets dropped, by reason', ['reason'], () => Object.entries(fresh().drops).map(([reason, v]) => [{ reason }, v]));
  mirrored(registry, 'fastpath_upf_buffered_packets_total', 'Downlink packets buffered for idle UEs', [], () => [[{}, fresh().buffered]]);
  mirrored(registry, 'fastpath_upf_gtpu_echo_replies_total', 'GTP-U Echo Responses sent', [], () => [[{}, fresh().echoReplies]]);
  mirrored(registry, 'fastpath_upf_classifier_lookups_total', 'Keys classified by the session front end', [], () => [[{}, fresh().lookups]]);
  mirrored(registry, 'fastpath_upf_classifier_probes_total', 'Classifier work units: rules compared (ll, oracle), tuples probed (tss, pstss), partitions searched (ps)', ['classifier'], () => {
    const s = fresh();
    return [[{ classifier: kindName(s.classifierKind) ?? String(s.classifierKind) }, s.probes]];
  });
  mirrored(registry, 'fastpath_upf_classifier_batches_total', 'Classification batches (up to 64 keys each)', [], () => [[{}, fresh().batches]]);
  mirrored(registry, 'fastpath_upf_datapath_cpu_seconds_total', 'CPU time of the data-path thread', [], () => [[{}, fresh().dpCpuNs / 1e9]]);
  new client.Gauge({ name: 'fastpath_upf_sessions', help: 'PFCP sessions', registers: [registry], collect() { this.set(control.sessionCount); } });
  new client.Gauge({ name: 'fastpath_upf_pdrs', help: 'Installed PDRs', registers: [registry], collect() { this.set(control.pdrCount); } });
  new client.Gauge({ name: 'fastpath_upf_classifier_rules', help: 'Classifier rules (PDRs expanded per SDF filter and port range)', registers: [registry], collect() { this.set(control.ruleCount); } });
  new client.Gauge({ name: 'fastpath_upf_associations', help: 'PFCP associations', registers: [registry], collect() { this.set(control.associations.size); } });
  const msgs = new client.Counter({ name: 'fastpath_upf_pfcp_messages_total', help: 'PFCP messages received, by type and result', labelNames: ['type', 'result'], registers: [registry] });
  const reports = new client.Counter({ name: 'fastpath_upf_pfcp_reports_total', help: 'Session Report Requests sent, by report type', labelNames: ['report_type'], registers: [registry] });
  return {
    registry,
    pfcpMessage: (type, result) => msgs.inc({ type: String(type), result }),
    report: (t) => reports.inc({ report_type: t & 1 ? 'dldr' : t & 2 ? 'usar' : String(t) }),
  };
}
