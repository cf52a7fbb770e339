import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingApiServer } from '@fastpath/k8s';
import { dataDir, workspaceRoot } from '@fastpath/native';

const tsx = join(workspaceRoot, 'node_modules', '.bin', 'tsx');
const cli = join(workspaceRoot, 'apps', 'mu-scheduler', 'src', 'cli', 'main.ts');
const tmp = mkdtempSync(join(tmpdir(), 'mu-e2e-'));
const env = { ...process.env, FASTPATH_RESULTS_DIR: join(tmp, 'results') };
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const node = (name: string, cpu: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { allocatable: { cpu, memory: '16Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});
const pod = (name: string, fn: string, cpu: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { 'mu.fastpath.io/function': fn } },
  spec: { schedulerName: 'mu-scheduler', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '256Mi' } } }] },
  status: { phase: 'Pending' },
});

/** A port nothing listens on now (the scheduler's metrics port; 0 would turn metrics off). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(args: string[]) {
  return spawnSync(tsx, [cli, ...args], { cwd: workspaceRoot, env, encoding: 'utf8', timeout: 400_000 });
}

describe('mu-scheduler run (child process) against the recording API server', () => {
  it('binds pending pods, keeps going after 410, serves /metrics, stops on SIGTERM', async () => {
    const server = await new RecordingApiServer({
      token: 'e2e',
      objects: [node('n1', '4'), node('n2', '4'), ...Array.from({ length: 6 }, (_, i) => pod(`a-${i}`, i % 2 ? 'odd' : 'even', '1'))],
    }).start();
    const kc = server.writeKubeconfig(join(tmp, 'kubeconfig'));
    const child = spawn(tsx, [cli, 'run', '--kubeconfig', kc, '--epoch-ms', '200', '--metrics-port', String(await freePort()), '--metrics-host', '127.0.0.1'], { cwd: workspaceRoot, env });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const bound = () => server.list('Pod').filter((p) => p.spec.nodeName).length;
    const until = async (cond: () => boolean, what: string) => {
      const end = Date.now() + 240_000; // a cold tsx start of client-node takes >20 s on a loaded 2-core box
      while (!cond()) {
        if (Date.now() > end) throw new Error(`${what} did not happen; scheduler output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => bound() === 6, 'binding of the first 6 pods');
    server.upsert(pod('late-1', 'odd', '1'));
    await until(() => bound() === 7, 'binding of a pod created later');
    // Watch expiry: history compacted and streams closed; the scheduler must re-list and continue.
    server.compact();
    server.upsert(pod('late-2', 'even', '1'));
    server.compact();
    server.closeWatches();
    await until(() => bound() === 8, 'binding after 410 resync');
    const n1 = server.list('Pod').filter((p) => p.spec.nodeName === 'n1').length;
    expect(n1).toBeLessThanOrEqual(4);
    // where it serves metrics, from its log
    await until(() => /metrics on (http:\/\/\S+)/.test(out), 'the metrics address in the log');
    const metricsUrl = out.match(/metrics on (http:\/\/\S+)/)![1];
    // the counter moves once the scheduler has handled the 201, a little after the API server
    // recorded the binding: poll, but for exactly 8
    let metrics = '';
    const metricsDeadline = Date.now() + 30_000;
    do {
      metrics = await (await fetch(metricsUrl)).text();
      if (/mu_scheduler_bindings_total\{result="bound"\} 8\b/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 50));
    } while (Date.now() < metricsDeadline);
    expect(metrics).toMatch(/mu_scheduler_bindings_total\{result="bound"\} 8\n/);
    expect(metrics).toMatch(/mu_scheduler_decision_seconds_bucket/);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(server.requestsTo('POST', /\/binding$/).filter((r) => r.status === 201)).toHaveLength(8);
    await server.close();
  });

  it('run --once binds and exits with an epoch report', async () => {
    const server = await new RecordingApiServer({ objects: [node('n1', '2'), pod('p', 'f', '1'), pod('q', 'f', '1'), pod('r', 'f', '1')] }).start();
    const kc = server.writeKubeconfig(join(tmp, 'kubeconfig-once'));
    const child = spawn(tsx, [cli, 'run', '--kubeconfig', kc, '--once', '--metrics-port', '0'], { cwd: workspaceRoot, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
    const report = JSON.parse(out.trim().split('\n').pop()!);
    expect(report).toMatchObject({ pending: 3, bound: 2, unschedulable: 1 });
    expect(server.requestsTo('POST', '/api/v1/namespaces/default/events')).toHaveLength(1);
    await server.close();
  });
});

describe('mu-scheduler simulate / replay / place / --help', () => {
  it('simulate writes JSON and Fig. 4.5 SVGs', () => {
    const r = run(['simulate', '--cases', '3', '--ilp-cases', '1', '--ilp-time', '0.5', '--out', 'sim-e2e']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(tmp, 'results', 'mu', 'sim-e2e.json'), 'utf8'));
    expect(json.all.alignment.cases).toBe(3);
    expect(json.ilpSubset.ilp1.cases).toBe(1);
    expect(readdirSync(join(tmp, 'results', 'mu')).filter((f) => f.startsWith('sim-e2e') && f.endsWith('.svg'))).toHaveLength(5);
  });

  const traces = join(dataDir(), 'azure-functions-2019');
  it.skipIf(!existsSync(join(traces, 'invitro-1000fn-sample')))('replay --seconds 60 writes both scenarios (needs shared/data/azure-functions-2019)', () => {
    const r = run(['replay', '--seconds', '60', '--out', 'replay-e2e']);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(tmp, 'results', 'mu', 'replay-e2e.json'), 'utf8'));
    expect(Object.keys(json.scenarios)).toEqual(['trace-scaled', 'table41-load']);
    expect(json.scenarios['table41-load'].policies.mu.workloads).toHaveLength(2);
    expect(existsSync(join(tmp, 'results', 'mu', 'replay-e2e-table41-load-fig4.8-pods-mu.svg'))).toBe(true);
  });

  it('replay names the missing trace folder', () => {
    const r = run(['replay', '--data', join(tmp, 'nope'), '--seconds', '5']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Azure Functions traces missing under .*nope/);
  });

  it('place reports bad input clearly (exit 2) and places good input', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ nodes: [{ name: 'n', capacity: [4, 100] }], functions: [{ name: 'f', demand: [1, -5], pods: 1 }] }));
    const r = run(['place', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/functions\[0\]\.demand\[1\] must be >= 0/);
    const good = join(tmp, 'good.json');
    writeFileSync(good, JSON.stringify({ nodes: [{ name: 'n', capacity: [4, 100] }], functions: [{ name: 'f', demand: [1, 10], pods: 2 }, { name: 'big', demand: [9, 1], pods: 1 }] }));
    const g = run(['place', good, '--algorithm', 'bestfit']);
    expect(g.status, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ placed: [2, 0], unplaced: [{ name: 'big', reason: 'infeasible-demand' }] });
  });

  it('--help works for every command; bad options are refused', () => {
    for (const cmd of [[], ['run'], ['simulate'], ['replay'], ['place']]) {
      const r = run([...cmd, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage: mu-scheduler/);
    }
    const r = run(['simulate', '--cases', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cases must be an integer >= 1/);
  });
});
