// The gateway's scrape-time latency histogram: bucket edges are inclusive upper bounds, counts
// are cumulative in the exposition, and prom-client renders it like one of its own.
import { describe, expect, it } from 'vitest';
import { client } from '@fastpath/metrics';
import { LatencyHistogram } from '../src/gateway/metrics.ts';

describe('gateway latency histogram', () => {
  it('counts into (previous, bound] buckets, cumulatively, with +Inf, sum and count', async () => {
    const h = new LatencyHistogram('t_seconds', 'test', [0.001, 0.01]);
    for (const ms of [0.5, 1, 1.0001, 10, 50]) h.observeMs(ms);
    const { values } = await h.get();
    const byName = values.map((v) => [v.metricName, v.labels.le ?? '', v.value]);
    expect(byName.slice(0, 3)).toEqual([
      ['t_seconds_bucket', 0.001, 2],
      ['t_seconds_bucket', 0.01, 4],
      ['t_seconds_bucket', '+Inf', 5],
    ]);
    expect(byName[3][0]).toBe('t_seconds_sum');
    expect(byName[3][2]).toBeCloseTo((0.5 + 1 + 1.0001 + 10 + 50) / 1000, 9);
    expect(byName[4]).toEqual(['t_seconds_count', '', 5]);
  });

  it('is exposed by a prom-client registry with its default labels', async () => {
    const registry = new client.Registry();
    registry.setDefaultLabels({ chain: 'c' });
    const h = new LatencyHistogram('t_seconds', 'test', [0.001]);
    registry.registerMetric(h as unknown as client.Metric);
    h.observeMs(2);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_seconds histogram');
    expect(text).toContain('t_seconds_bucket{le="0.001",chain="c"} 0');
    expect(text).toContain('t_seconds_bucket{le="+Inf",chain="c"} 1');
    expect(text).toContain('t_seconds_count{chain="c"} 1');
  });
});
