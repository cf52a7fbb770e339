// Parsers for the client pods' termination messages.
export interface NetperfRr {
  p50_us: number;
  p99_us: number;
  mean_us: number;
  tps: number;
}

/** netperf -o P50_LATENCY,P99_LATENCY,MEAN_LATENCY,THROUGHPUT prints a header and a CSV row. */
export function parseNetperfRr(text: string): NetperfRr {
  const rows = text.trim().split('\n').filter((l) => /^[\d.,\s]+$/.test(l.trim()) && l.includes(','));
  if (!rows.length) throw new Error(`netperf output has no result row: ${text.slice(0, 300)}`);
  const [p50, p99, mean, tps] = rows.at(-1)!.split(',').map(Number);
  if (![p50, p99, mean, tps].every(Number.isFinite)) throw new Error(`netperf result row is not numeric: ${rows.at(-1)}`);
  return { p50_us: p50, p99_us: p99, mean_us: mean, tps };
}

/** iperf3 -f m summary: the "receiver" line's Mbits/sec. */
export function parseIperfSummary(text: string): { gbps: number } {
  const m = /([\d.]+)\s+Mbits\/sec.*receiver/.exec(text);
  if (!m) throw new Error(`iperf3 output has no receiver summary: ${text.slice(0, 300)}`);
  return { gbps: Number(m[1]) / 1000 };
}
