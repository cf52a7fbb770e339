// Prometheus export of the SPROXY/EPROXY per-CPU maps: counters are read from the maps
// (summed over CPUs) at scrape time, so nothing runs between scrapes.
import { client, type Registry } from '@fastpath/metrics';
import type { Eproxy } from './eproxy.ts';
import type { SproxyManager } from './sproxy.ts';

const SP_FIELDS = [
  ['delivered', 'descriptors a function sent that SPROXY delivered'],
  ['received', 'descriptors SPROXY delivered to a function'],
  ['dropped', 'descriptors refused for crossing a security domain'],
  ['deadLettered', 'descriptors for an unknown or gone target, sent to the dead-letter socket'],
  ['control', 'flow-control (credit) descriptors a function sent'],
] as const;

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Registers fastpath_sproxy_<field>_total{chain,function} counters on `registry`. */
export function exportSproxyMetrics(registry: Registry, manager: SproxyManager): void {
  for (const [field, help] of SP_FIELDS) {
    new client.Counter({
      name: `fastpath_sproxy_${snake(field)}_total`,
      help: `SPROXY: ${help}`,
      labelNames: ['chain', 'function'],
      registers: [registry],
      collect() {
        this.reset();
        for (const row of manager.metrics()) this.inc({ chain: String(row.chain), function: String(row.function) }, Number(row[field]));
      },
    });
  }
}

const EP_FIELDS = [
  ['rxPackets', 'packets seen by EPROXY'],
  ['rxBytes', 'bytes seen by EPROXY'],
  ['redirected', 'packets forwarded by EPROXY past the host stack'],
  ['redirectedBytes', 'bytes forwarded by EPROXY past the host stack'],
  ['passed', 'packets EPROXY handed to the kernel stack'],
] as const;

/** Registers fastpath_eproxy_<field>_total{ifindex} counters on `registry`. */
export function exportEproxyMetrics(registry: Registry, eproxy: Eproxy): void {
  for (const [field, help] of EP_FIELDS) {
    new client.Counter({
      name: `fastpath_eproxy_${snake(field)}_total`,
      help: `EPROXY: ${help}`,
      labelNames: ['ifindex'],
      registers: [registry],
      collect() {
        this.reset();
        for (const row of eproxy.counters()) this.inc({ ifindex: String(row.ifindex) }, Number(row[field]));
      },
    });
  }
}
