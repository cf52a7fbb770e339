// The CLI end to end: a quick lab run of two styles, its JSON results and report, no leftovers.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceRoot } from '@fastpath/native';

const CLI = join(workspaceRoot, 'apps', 'cni-bench', 'src', 'cli.ts');
// Asynchronous on purpose: a synchronous multi-minute child would block the vitest worker's RPC.
const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', cwd: workspaceRoot, env: { ...process.env, ...env }, timeout: 900_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0, stdout, stderr }),
    );
  });
const root = process.getuid?.() === 0;
const out = mkdtempSync(join(tmpdir(), 'cni-bench-e2e-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('cni-bench CLI', () => {
  it('every command has --help', async () => {
    for (const c of [[], ['lab'], ['check'], ['caps'], ['cleanup'], ['report'], ['k8s'], ['k8s', 'run'], ['k8s', 'manifests'], ['k8s', 'teardown']]) {
      const r = await cli([...c, '--help']);
      expect(r.status, `${c.join(' ')} --help: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/Usage: cni-bench/);
    }
  });

  it('bad input gets a clear error', async () => {
    const mtu = await cli(['lab', '--mtu', '12']);
    expect(mtu.status).not.toBe(0);
    expect(mtu.stderr).toMatch(/--mtu must be an integer in 1280..65535/);
    if (root) {
      const v = await cli(['lab', '--quick', '--variants', 'calico-bgp', '--out', out]);
      expect(v.status).not.toBe(0);
      expect(v.stderr).toMatch(/unknown datapath\(s\) calico-bgp; known: .*flannel-vxlan/);
    }
    const rep = await cli(['report', '--results', join(out, 'empty')]);
    expect(rep.status).not.toBe(0);
    expect(rep.stderr).toMatch(/no results in .*run "cni-bench lab"/);
  });
});

describe.skipIf(!root)('cni-bench lab --quick (root)', () => {
  it('measures two styles, writes JSON and the report, leaves nothing behind', async () => {
    const r = await cli(['lab', '--quick', '--variants', 'calico-np,cilium-vxlan', '--out', out]);
    expect(r.status, `lab failed:\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(r.stdout).toMatch(/cni-bench: medians over repeats/);
    const dir = join(out, 'cni');
    const read = (n: string) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8'));

    const suite = read('suite');
    expect(suite.data.measured).toEqual(['calico-np', 'cilium-vxlan']);
    expect(suite.data.failures).toEqual([]);
    // every phase of every datapath is timed, next to the plan's estimate
    expect(suite.data.estimate.seconds).toBeGreaterThan(0);
    expect(suite.data.phaseSeconds.paths).toBeGreaterThan(0);
    expect(new Set(suite.data.phases.map((p: any) => p.variant))).toEqual(new Set(['calico-np', 'cilium-vxlan']));
    expect(suite.machine.kernel).toBeTruthy();
    expect(suite.loadBefore).toHaveLength(3);
    if (!suite.data.capabilities.have.ipip) expect(suite.data.unsupported.map((u: any) => u.id)).toContain('calico-np-ipip');

    const paths = read('paths').paths;
    const key = (p: any) => `${p.variant}/${p.path}`;
    expect(paths.map(key).sort()).toEqual(['calico-np/inter', 'calico-np/intra', 'calico-np/service', 'cilium-vxlan/inter', 'cilium-vxlan/intra']);
    for (const p of paths) {
      expect(p.rr.p50.n).toBeGreaterThanOrEqual(2);
      expect(p.rr.p50.p50).toBeGreaterThan(0);
      expect(p.rr.p99.p50).toBeGreaterThanOrEqual(p.rr.p50.min);
      expect(p.rr.p50.ci95[0]).toBeLessThanOrEqual(p.rr.p50.ci95[1]);
      if (p.path !== 'service') expect(p.stream.gbps.p50).toBeGreaterThan(0);
      expect(p.iptables.totalRules).toBeGreaterThan(0);
    }
    // eBPF intra-host path bypasses netfilter entirely; Calico's goes through FORWARD
    expect(paths.find((p: any) => key(p) === 'cilium-vxlan/intra').iptables.chains).toBe(0);
    expect(paths.find((p: any) => key(p) === 'calico-np/intra').iptables.chains).toBeGreaterThan(0);
    expect(paths.find((p: any) => key(p) === 'cilium-vxlan/intra').ebpf.peer).toBeGreaterThan(0);

    const cpu = read('cpu').paths;
    expect(cpu).toHaveLength(4);
    for (const c of cpu) {
      const rr = c.cpu.find((x: any) => x.workload === 'rr');
      expect(rr.attribution.samples).toBeGreaterThan(0);
      expect(Object.keys(rr.nsPerTransaction)).toEqual(expect.arrayContaining(['bridge', 'netfilter', 'ebpf', 'veth', 'vxlan', 'ip/fib']));
      // one estimate per perf window, summarised with a CI
      expect(rr.perPacket.forwarding.n).toBeGreaterThanOrEqual(2);
      expect(rr.perPacket.forwarding.ci95[0]).toBeLessThanOrEqual(rr.perPacket.forwarding.ci95[1]);
    }
    // Calico-style has no eBPF datapath: at most a stray sample or two (system-wide perf also sees
    // the kernel's own cgroup/LSM BPF hooks), never a real share of the path's CPU.
    const calico = cpu.find((c: any) => c.variant === 'calico-np' && c.path === 'intra').cpu[0].attribution;
    expect(calico.ns.ebpf).toBeLessThanOrEqual(0.02 * calico.totalNs);

    const setup = read('setup').setup;
    expect(Object.keys(setup).sort()).toEqual(['calico-np', 'cilium-vxlan']);
    expect(setup['cilium-vxlan'].single.steps.rules).toBeGreaterThan(0); // tc attach + map update
    expect(setup['calico-np'].parallel[0].n).toBe(3);

    const bg = read('background').background['calico-np'];
    expect(bg.map((b: any) => b.flows)).toEqual([0, 50]);
    expect(bg[1].bgProcesses).toBe(1);
    const http = read('http').http['calico-np'];
    expect(http.map((h: any) => h.concurrency)).toEqual([1, 10]);
    for (const h of http) expect(h.failed).toBe(0);

    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Table 3.1');
    expect(html).toContain('Findings vs. the dissertation');
    expect(html).toContain('calico-np-ipip');
    const svgs = readdirSync(join(dir, 'plots'));
    expect(svgs).toEqual(expect.arrayContaining(['intra-rr.svg', 'inter-rr.svg', 'intra-cpu.svg', 'setup-steps.svg', 'bg-rr.svg', 'http-rps.svg']));
    for (const s of svgs) expect(readFileSync(join(dir, 'plots', s), 'utf8')).toMatch(/^<svg/);

    // nothing of this run survives: no cb* namespaces or pins owned by dead runs
    const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    const mine = /^cb[0-9a-z]{6}/gm;
    const live = [...ns.matchAll(mine)].map((m) => m[0]).filter((rid) => existsSync(`/run/fastpath-cni-bench/${rid}.json`) === false);
    expect(live).toEqual([]);
  });
});
