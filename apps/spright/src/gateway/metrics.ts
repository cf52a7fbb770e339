// The gateway's Prometheus metrics (spright_gateway_*). Per-request accounting is a Map
// increment and a typed-array increment: answers by status in a Map, latency in fixed buckets;
// both are turned into prom-client values only when /metrics is scraped. (A prom-client
// Histogram.observe() plus hrtime.bigint() per request showed in the chain2 profile.)
import { client } from '@fastpath/metrics';
import type { ChainIngress } from '@fastpath/spright-sdk';

export const LATENCY_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] as const;

/** Cumulative-at-scrape histogram: counts[i] = observations in (bucket[i-1], bucket[i]]; the
 * last slot is +Inf. */
export class LatencyHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #boundsMs: Float64Array;
  readonly #counts: Float64Array;
  #sumS = 0;

  constructor(name: string, help: string, readonly bucketsS: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#boundsMs = Float64Array.from(bucketsS, (b) => b * 1000);
    this.#counts = new Float64Array(bucketsS.length + 1);
  }

  observeMs(ms: number): void {
    const b = this.#boundsMs;
    let i = 0;
    while (i < b.length && ms > b[i]) i++;
    this.#counts[i]++;
    this.#sumS += ms / 1000;
  }

  /** prom-client's metric interface (Registry.registerMetric / metrics()). */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] }> {
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
    let acc = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      acc += this.#counts[i];
      values.push({ value: acc, labels: { le: i < this.bucketsS.length ? this.bucketsS[i] : '+Inf' }, metricName: `${this.name}_bucket` });
    }
    values.push({ value: this.#sumS, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: acc, labels: {}, metricName: `${this.name}_count` });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sumS = 0;
  }
}

export interface GatewayMetrics {
  registry: client.Registry;
  /** One answered request: its status and when it arrived (performance.now() ms). */
  observe(status: number, t0Ms: number): void;
  /** An answer the server gave by itself (malformed request, timeout): counted, no latency. */
  count(status: number): void;
}

export function gatewayMetrics(chain: string, ingress: ChainIngress): GatewayMetrics {
  // Own registry instead of createRegistry(): its default event-loop-lag monitor samples every
  // 10 ms, which alone costs an idle gateway ~1% of a core; once a second is plenty here.
  const registry = new client.Registry();
  registry.setDefaultLabels({ chain });
  client.collectDefaultMetrics({ register: registry, prefix: 'spright_gateway_', eventLoopMonitoringPrecision: 1000 });
  const byStatus = new Map<number, number>();
  new client.Counter({
    name: 'spright_gateway_requests_total',
    help: 'HTTP requests answered, by status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [s, n] of byStatus) this.inc({ status: String(s) }, n);
    },
  });
  const latency = new LatencyHistogram('spright_gateway_request_duration_seconds', 'Gateway-observed request latency', LATENCY_BUCKETS_S);
  registry.registerMetric(latency as unknown as client.Metric);
  const gauge = (name: string, help: string, read: () => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('spright_gateway_inflight', 'Requests in the chain now', () => ingress.stats().inflight);
  gauge('spright_gateway_pool_free_objects', 'Free objects in the chain pool', () => ingress.stats().poolFree);
  gauge('spright_gateway_pool_objects', 'Objects in the chain pool', () => ingress.stats().poolSize);
  for (const k of ['rejected_exhausted', 'rejected_limit', 'rejected_too_large', 'failed_dead', 'timed_out'] as const) {
    gauge(`spright_gateway_${k}`, `Requests ${k.replace('_', ' ')} since start`, () => ingress.stats()[k]);
  }
  return {
    registry,
    observe(status: number, t0Ms: number): void {
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      latency.observeMs(performance.now() - t0Ms);
    },
    count(status: number): void {
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    },
  };
}
