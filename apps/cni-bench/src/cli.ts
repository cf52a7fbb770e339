#!/usr/bin/env tsx
// cni-bench: container-network datapaths measured on one host (lab) or on a cluster (k8s).
import { Command, InvalidArgumentError, Option } from 'commander';
import { detectCapabilities } from './caps.ts';
import { inNs } from './exec.ts';
import { activeLabs, Lab } from './lab/lab.ts';
import { availability, variantById } from './lab/styles/index.ts';
import { LAB_TOOLS, preflight, PreflightError } from './preflight.ts';
import { cleanupStale, isEmpty } from './runid.ts';
import { printSummary, runSuite } from './suite.ts';
import { renderReport } from './report/report.ts';
import { registerK8s } from './k8s/cli.ts';
import { requireTcprr } from './measure/servers.ts';
import { PORTS } from './lab/addressing.ts';
import { daemon } from './exec.ts';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
  return n;
};

const program = new Command('cni-bench')
  .description('Build, measure and explain container-network (CNI) datapaths: a one-host lab of Flannel, Weave, Calico, Cilium and Kube-router styles, and the same tests on a Kubernetes cluster.')
  .showHelpAfterError();

program
  .command('lab')
  .description('Run the measurement suite on every supported datapath (root). Writes docs/results/cni/*.json and the HTML report.')
  .option('--quick', 'a few minutes: fewer repeats, shorter runs, one style for the scaling experiments', false)
  .option('--variants <ids>', 'comma-separated datapaths (see "cni-bench caps")', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .addOption(new Option('--mtu <bytes>', 'MTU of the wire between the two hosts').default(1500).argParser(int('--mtu', 1280, 65535)))
  .addOption(new Option('--policy-rules <n>', 'rules in the Calico-style policy chain (calico-wp*)').default(100).argParser(int('--policy-rules', 0, 100000)))
  .addOption(new Option('--policy-batch <n>', 'rules per iptables-restore call when loading policy').default(500).argParser(int('--policy-batch', 1, 100000)))
  .addOption(new Option('--services <n>', 'extra kube-proxy Services (longer KUBE-SERVICES chain)').default(20).argParser(int('--services', 0, 5000)))
  .option('--out <dir>', 'results folder instead of docs/results (the report goes there too)')
  .option('--no-paths', 'skip the per-path measurements (RR, stream, perf, iptables): to time the other phases alone')
  .option('--no-background', 'skip the background-connections experiment')
  .option('--no-policy', 'skip the policy-size sweep (calico-wp)')
  .option('--no-http', 'skip the HTTP (nginx + ab) experiment')
  .option('--no-setup', 'skip pod setup latency')
  .option('--no-perf', 'skip perf CPU attribution')
  .option('--perf-stream', 'also attribute CPU during a stream run (per KiB / per packet of bulk traffic)', false)
  .option('--no-report', 'do not render the report afterwards')
  .action(async (o) => {
    if (o.out) process.env.FASTPATH_RESULTS_DIR = o.out;
    const tools = [...LAB_TOOLS, 'iperf3', ...(o.perf ? ['perf'] : []), ...(o.http ? ['nginx', 'ab'] : [])];
    preflight(tools);
    requireTcprr();
    const r = await runSuite({
      quick: o.quick,
      variants: o.variants,
      mtu: o.mtu,
      policyRules: o.policyRules,
      policyBatch: o.policyBatch,
      services: o.services,
      paths: o.paths,
      background: o.background,
      policy: o.policy,
      http: o.http,
      setup: o.setup,
      perf: o.perf,
      perfStream: o.perfStream,
    });
    printSummary(r);
    if (o.report) process.stdout.write(`report: ${renderReport()}\n`);
    if (r.failures.length) process.exitCode = 1;
  });

program
  .command('check')
  .description('Build each datapath, pass a ping and a short TCP exchange intra- and inter-host, tear down (root).')
  .argument('[variants...]', 'datapath ids (default: all supported)')
  .action(async (ids: string[]) => {
    preflight(LAB_TOOLS);
    requireTcprr();
    const { supported, unsupported } = availability(await detectCapabilities());
    const list = ids.length ? ids.map(variantById) : supported;
    let bad = 0;
    for (const d of list) {
      const lab = new Lab(d);
      try {
        await lab.create();
        const srv = daemon(lab.pod(2, 0).ns, [requireTcprr(), '-s', '-p', String(PORTS.rr)]);
        const srv2 = daemon(lab.pod(1, 1).ns, [requireTcprr(), '-s', '-p', String(PORTS.rr)]);
        await Promise.all([srv.ready(), srv2.ready()]);
        const out: string[] = [];
        for (const [name, ip] of [['intra', lab.pod(1, 1).ip], ['inter', lab.pod(2, 0).ip]]) {
          await inNs(lab.pod(1, 0).ns, ['ping', '-c', '2', '-i', '0.2', '-W', '2', ip]);
          const r = JSON.parse((await inNs(lab.pod(1, 0).ns, [requireTcprr(), '-c', ip, '-p', String(PORTS.rr), '-d', '0.3', '-w', '0'])).stdout);
          out.push(`${name} ok (${r.transactions} TCP transactions, p50 ${r.p50_us.toFixed(0)} µs)`);
        }
        await Promise.all([srv.stop(), srv2.stop()]);
        process.stdout.write(`${d.id}: ${out.join(', ')}\n`);
      } catch (err) {
        bad++;
        process.stdout.write(`${d.id}: FAILED ${(err as Error).message}\n`);
      } finally {
        await lab.destroy();
      }
    }
    if (!ids.length) for (const u of unsupported) process.stdout.write(`${u.id}: not supported here (${u.reason})\n`);
    if (bad) process.exitCode = 1;
  });

program
  .command('caps')
  .description('Show the kernel capabilities found and which datapath variants can run (root).')
  .action(async () => {
    preflight(['ip', 'tc', 'genl']);
    const caps = await detectCapabilities();
    const { supported, unsupported } = availability(caps);
    process.stdout.write(`kernel ${caps.kernel}\n`);
    for (const [k, v] of Object.entries(caps.have)) process.stdout.write(`  ${v ? 'yes' : 'NO '} ${k}${v ? '' : `  (${caps.evidence[k as keyof typeof caps.have]})`}\n`);
    process.stdout.write(`supported datapaths:\n${supported.map((d) => `  ${d.id.padEnd(18)} ${d.description}`).join('\n')}\n`);
    process.stdout.write(`not available here:\n${unsupported.map((u) => `  ${u.id.padEnd(18)} missing ${u.missing.join(', ')}`).join('\n')}\n`);
  });

program
  .command('cleanup')
  .description('Remove namespaces, pins and scratch files left by interrupted runs (runs still alive are kept).')
  .action(async () => {
    preflight(['ip']);
    const o = await cleanupStale();
    process.stdout.write(isEmpty(o) ? 'nothing to clean\n' : `removed: ${[...o.netns, ...o.pins, ...o.scratch].join(' ')}\n`);
  });

program
  .command('report')
  .description('Render the HTML report and SVG plots from docs/results/cni/*.json.')
  .option('--results <dir>', 'results folder (default docs/results, or $FASTPATH_RESULTS_DIR)')
  .action((o) => {
    if (o.results) process.env.FASTPATH_RESULTS_DIR = o.results;
    process.stdout.write(`report: ${renderReport()}\n`);
  });

registerK8s(program);

// Ctrl-C / kill: tear down the labs of this run before exiting (SIGKILL cannot be caught; the
// next run sweeps those leftovers).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    // Our stdout/stderr pipe may already be gone (parent killed): never let a write error
    // abort the teardown.
    for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    try {
      process.stderr.write(`cni-bench: ${sig}, removing ${activeLabs.size} lab(s)\n`);
    } catch {
      /* no terminal left */
    }
    void Promise.all([...activeLabs].map((l) => l.destroy())).finally(() => process.exit(130));
  });
}

program.parseAsync(process.argv).catch((err) => {
  if (err instanceof PreflightError || err instanceof RangeError || /unknown datapath|none of/.test(err?.message)) {
    process.stderr.write(`cni-bench: ${err.message}\n`);
  } else {
    process.stderr.write(`cni-bench: ${err?.stack ?? err}\n`);
  }
  process.exitCode = process.exitCode || 1;
});

