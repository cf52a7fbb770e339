// wrk as the load generator: pinned to one CPU with taskset, one thread, keep-alive connections;
// a Lua done() hook prints the exact counters and latency percentiles as JSON.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  meanMs: number;
  maxMs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** wrk's own CPU in % of its one pinned core (sampled from /proc until it exits): near 100
   * means the load generator, not the system under test, set the pace. */
  loadgenCpuPct: number;
}

export const LOADGEN_CPU = 1;
const CLK_TCK = 100;

export function wrkVersion(): Promise<string> {
  return new Promise((resolve) => execFile('wrk', ['-v'], (_e, out, err) => resolve(`${out}${err}`.split('\n')[0].trim())));
}

const lua = (method: string, body: string, path: string) => `
wrk.method = ${JSON.stringify(method)}
wrk.body = ${JSON.stringify(body)}
wrk.path = ${JSON.stringify(path)}
wrk.headers["Content-Type"] = "text/plain"
done = function(s, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p95":%d,"p99":%d,"mean":%f,"max":%d}\\n',
    s.requests, s.duration, s.errors.connect, s.errors.read, s.errors.write, s.errors.status, s.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
`;

export async function runWrk(url: string, o: { connections: number; durationS: number; method?: string; body?: string; path?: string; timeoutS?: number }): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), `spright-wrk-${process.pid}-`));
  try {
    const script = join(dir, 'req.lua');
    writeFileSync(script, lua(o.method ?? 'POST', o.body ?? 'x', o.path ?? '/'));
    const args = ['-c', String(LOADGEN_CPU), 'wrk', '-t1', `-c${o.connections}`, `-d${o.durationS}s`, `--timeout`, `${o.timeoutS ?? 5}s`, '-s', script, url];
    let ticks = 0;
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile('taskset', args, { timeout: (o.durationS + 30) * 1000 }, (err, stdout, stderr) => {
        clearInterval(sampler);
        if (err) reject(new Error(`wrk failed: ${err.message} ${stderr}`));
        else resolve(stdout);
      });
      // taskset execs wrk in place, so the child's pid is wrk's.
      const sampler = setInterval(() => {
        try {
          const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
          const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
          ticks = Number(x[11]) + Number(x[12]);
        } catch {
          /* exited */
        }
      }, 200);
    });
    const wallS = (performance.now() - t0) / 1000;
    const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const j = JSON.parse(line.slice(8)) as Record<string, number>;
    const durationS = j.duration_us / 1e6;
    return {
      requests: j.requests,
      durationS,
      rps: j.requests / durationS,
      p50ms: j.p50 / 1000,
      p95ms: j.p95 / 1000,
      p99ms: j.p99 / 1000,
      meanMs: j.mean / 1000,
      maxMs: j.max / 1000,
      errors: { connect: j.connect, read: j.read, write: j.write, status: j.status, timeout: j.timeout },
      // The last sample misses at most 200 ms of the run: a slight underestimate.
      loadgenCpuPct: Math.round(((ticks / CLK_TCK) / wallS) * 1000) / 10,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
