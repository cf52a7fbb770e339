// `cni-bench report`: one HTML page + SVG plots from docs/results/cni/*.json. Every number on
// the page comes from those files; Table 3.1 comes from data/features.json.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '@fastpath/bench';
import { barChart, lineChart, writeSvg } from '@fastpath/plot';
import { cpuPerPacket, findings, type CpuRow, type PathRow } from './findings.ts';

const FEATURES = join(import.meta.dirname, '..', '..', 'data', 'features.json');
const FAMILY_ORDER = ['bridge', 'ip/fib', 'netfilter', 'ebpf', 'veth', 'vxlan', 'netdev/skb', 'tcp', 'other'];

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const n = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const yes = (b: boolean) => (b ? 'Yes' : 'No');

function table(head: string[], rows: (string | number)[][]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

function read(dir: string, name: string): any | null {
  const p = join(dir, `${name}.json`);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
}

export function table31(): string {
  const f = JSON.parse(readFileSync(FEATURES, 'utf8'));
  return table(
    ['CNI', ...f.columns, 'Modelled in the lab as'],
    f.cnis.map((c: any) => [
      c.name,
      c.networkModel,
      c.tunneling.join('/'),
      `${yes(c.policyK8s)} / ${yes(c.policy3rd)}`,
      `${yes(c.ingress)} / ${yes(c.egress)}`,
      yes(c.encryption),
      c.additional.join(', ') || '-',
      c.mtu,
      c.lab.join(', '),
    ]),
  );
}

/** Renders the report into <results>/cni/report.html (+ plots/); returns the HTML path. */
export function renderReport(): string {
  const dir = join(resultsDir(), 'cni');
  const suite = read(dir, 'suite');
  if (!suite) throw new Error(`no results in ${dir}; run "cni-bench lab" (or pnpm nx run cni-bench:lab) first`);
  const paths: PathRow[] = read(dir, 'paths')?.paths ?? [];
  const cpu: CpuRow[] = read(dir, 'cpu')?.paths ?? [];
  const setup = read(dir, 'setup');
  const bg = read(dir, 'background');
  const http = read(dir, 'http');
  const plots = join(dir, 'plots');
  const img: string[] = [];
  const svg = (name: string, s: string, caption: string) => {
    writeSvg(join(plots, `${name}.svg`), s);
    img.push(name);
    return `<figure><img src="plots/${name}.svg" alt="${esc(caption)}"><figcaption>${esc(caption)}</figcaption></figure>`;
  };
  const sections: string[] = [];
  const m = suite.machine;

  sections.push(`<h2>Machine</h2><p>${esc(m.cpuModel)}, ${m.cores} cores, ${m.memGiB} GiB, kernel ${esc(m.kernel)}, Node ${esc(m.node)}.
  Load average before: ${esc((suite.loadBefore ?? []).join(' / '))}, after: ${esc((suite.data.loadAfter ?? []).map((v: number) => v.toFixed(2)).join(' / '))}.
  Mode: ${esc(suite.data.mode)}; measured ${esc(suite.measuredAt)} in ${n(suite.data.seconds, 0)} s. ${(suite.loadBefore?.[0] ?? 0) > m.cores ? 'The machine was loaded while measuring (load average above its core count): read the CIs.' : 'Repeats on a small VM are noisy: read the CIs.'}</p>`);

  const caps = suite.data.capabilities;
  sections.push(
    `<h2>Kernel capabilities and skipped variants</h2>` +
      table(['capability', 'present'], Object.entries(caps.have).map(([k, v]) => [k, v ? 'yes' : `no — ${caps.evidence[k] ?? ''}`])) +
      (suite.data.unsupported.length ? `<p>Not run (never faked):</p>` + table(['variant', 'what it is', 'missing'], suite.data.unsupported.map((u: any) => [u.id, u.description, u.reason])) : '') +
      (suite.data.failures?.length ? `<p><b>Failures in this run:</b></p>` + table(['variant', 'stage', 'error'], suite.data.failures.map((f: any) => [f.variant, f.stage, f.error])) : ''),
  );

  sections.push(`<h2>Table 3.1 — qualitative comparison</h2>${table31()}`);

  const { findings: fs, ideal } = findings(paths, cpu);
  sections.push(
    `<h2>Findings vs. the dissertation</h2>` +
      table(['claim (dissertation ch. 3)', 'here', 'evidence'], fs.map((f) => [f.claim, f.verdict, f.evidence])) +
      `<h3>The ideal CNI, from these numbers</h3><ul>${ideal.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`,
  );

  for (const path of ['intra', 'inter'] as const) {
    const rows = paths.filter((p) => p.path === path);
    if (!rows.length) continue;
    const cats = rows.map((r) => r.variant);
    const fig = path === 'intra' ? '3.8' : '3.10';
    sections.push(
      `<h2>${path === 'intra' ? 'Intra' : 'Inter'}-host performance (Fig. ${fig})</h2>` +
        svg(`${path}-rr`, barChart({ title: `${path}-host TCP RR latency (1 byte)`, yLabel: 'µs', categories: cats, series: [
          { name: 'p50', values: rows.map((r) => r.rr.p50.mean), errors: rows.map((r) => r.rr.p50.ci95) },
          { name: 'p99', values: rows.map((r) => r.rr.p99.mean), errors: rows.map((r) => r.rr.p99.ci95) },
        ] }), `Fig. ${fig}b analogue: mean over repeats of p50/p99 RTT, 95% CI`) +
        svg(`${path}-stream`, barChart({ title: `${path}-host TCP stream throughput`, yLabel: 'Gbit/s', categories: cats, series: [
          { name: 'iperf3', values: rows.map((r) => r.stream?.gbps.mean ?? NaN), errors: rows.map((r) => r.stream?.gbps.ci95 ?? [NaN, NaN]) },
        ] }), `Fig. ${fig}a analogue: one TCP stream, mean over repeats, 95% CI`) +
        table(['datapath', 'intra', 'inter', 'RR p50 µs [95% CI]', 'RR p99 µs', 'stream Gb/s [95% CI]'], rows.map((r) => [
          r.variant, r.intra, r.inter, `${n(r.rr.p50.mean)} [${n(r.rr.p50.ci95[0])}, ${n(r.rr.p50.ci95[1])}]`, n(r.rr.p99.mean),
          r.stream ? `${n(r.stream.gbps.mean, 2)} [${n(r.stream.gbps.ci95[0], 2)}, ${n(r.stream.gbps.ci95[1], 2)}]` : '—',
        ])),
    );
    const cpuRows = cats.map((v) => cpuPerPacket(cpu, v, path));
    if (cpuRows.some(Boolean)) {
      const fig2 = path === 'intra' ? '3.9' : '3.11';
      const fams = FAMILY_ORDER.filter((f) => f !== 'other' && f !== 'tcp');
      const mean = (r: Record<string, any> | null, f: string) => r?.[f]?.mean ?? NaN;
      const order = cats.map((v, i) => ({ v, r: cpuRows[i] })).filter((x) => x.r).sort((a, b) => a.r!.forwarding.mean - b.r!.forwarding.mean);
      sections.push(
        `<h3>CPU per packet by kernel component (Fig. ${fig2})</h3>` +
          svg(`${path}-cpu`, barChart({ title: `${path}-host datapath CPU ns per packet (RR)`, yLabel: 'CPU ns', categories: cats, series: fams.map((f) => ({ name: f, values: cpuRows.map((r) => mean(r, f)) })) }), `Fig. ${fig2} analogue (cpu-clock samples; the pods' TCP and syscall/user time in the table)`) +
          `<p>Measured ordering, lowest datapath CPU per packet first (mean [95% CI] over ${esc(cpu[0]?.cpu[0]?.perPacket?.forwarding?.n ?? '?')} perf windows): ${esc(order.map((x) => `${x.v} ${n(x.r!.forwarding.mean, 0)} [${n(x.r!.forwarding.ci95[0], 0)}, ${n(x.r!.forwarding.ci95[1], 0)}]`).join(' < '))}</p>` +
          table(['datapath', ...FAMILY_ORDER, 'datapath total [95% CI]'], cats.map((v, i) => [v, ...FAMILY_ORDER.map((f) => n(mean(cpuRows[i], f), 0)), cpuRows[i] ? `${n(cpuRows[i]!.forwarding.mean, 0)} [${n(cpuRows[i]!.forwarding.ci95[0], 0)}, ${n(cpuRows[i]!.forwarding.ci95[1], 0)}]` : 'too few samples'])) +
          topSymbolsTable(cpu, cats, path),
      );
    }
  }

  const svcRows = paths.filter((p) => p.path === 'service');
  if (svcRows.length) {
    sections.push(`<h2>Service traffic through kube-proxy NAT (intra-host ClusterIP)</h2>` + table(['datapath', 'RR p50 µs', 'pod-to-pod RR p50 µs', 'chains', 'rules evaluated'], svcRows.map((r) => {
      const direct = paths.find((p) => p.path === 'intra' && p.style === r.style && p.policy === r.policy);
      return [r.variant, n(r.rr.p50.mean), direct ? n(direct.rr.p50.mean) : '—', r.iptables?.chains ?? '—', r.iptables?.rulesEvaluated ?? '—'];
    })));
  }

  const ipt = paths.filter((p) => p.iptables && p.path !== 'service');
  if (ipt.length) {
    sections.push(`<h2>Table 3.3 — iptables chains and rules on the path</h2><p>From packet counters after one fresh connection (inter-host: both hosts). Chains with a counted packet; rules evaluated = rules up to the last terminating match in each entered chain.</p>` +
      table(['datapath', 'path', 'chains entered', 'rules evaluated', 'rules matched', 'rules installed'], ipt.map((p: any) => [p.variant, p.path, p.iptables.chains, p.iptables.rulesEvaluated, p.iptables.rulesMatched, p.iptables.totalRules])));
  }

  if (bg?.data?.background && Object.keys(bg.data.background).length) {
    const b = bg.data.background as Record<string, any[]>;
    sections.push(`<h2>Background connections (Figs. 3.12–3.13, inter-host)</h2><p>${esc(bg.data.plan.rateMbit)} Mbit/s per background flow.</p>` +
      svg('bg-rr', lineChart({ title: 'Test-flow RR p50 vs background flows', xLabel: 'background flows', yLabel: 'µs', series: Object.entries(b).map(([k, pts]) => ({ name: k, points: pts.map((p) => [p.flows, p.rr.p50.mean] as [number, number]) })) }), 'RR p50 of the test flow') +
      svg('bg-stream', lineChart({ title: 'Test-flow throughput vs background flows', xLabel: 'background flows', yLabel: 'Gbit/s', series: Object.entries(b).map(([k, pts]) => ({ name: k, points: pts.map((p) => [p.flows, p.stream.gbps.mean] as [number, number]) })) }), 'stream throughput of the test flow') +
      table(['datapath', 'flows', 'RR p50 µs', 'RR p99 µs', 'Gb/s', 'machine CPU busy'], Object.entries(b).flatMap(([k, pts]) => pts.map((p) => [k, p.flows, n(p.rr.p50.mean), n(p.rr.p99.mean), n(p.stream.gbps.mean, 2), `${n(p.cpuBusy * 100, 0)}%`]))));
  }

  if (http?.data?.http && Object.keys(http.data.http).length) {
    const h = http.data.http as Record<string, any[]>;
    sections.push(`<h2>HTTP workload (Table 3.2, Fig. 3.14; inter-host, ${esc(http.data.plan.sizeMB)} MB responses)</h2>` +
      svg('http-rps', lineChart({ title: 'HTTP requests/s vs concurrency', xLabel: 'concurrent clients', yLabel: 'requests/s', series: Object.entries(h).map(([k, pts]) => ({ name: k, points: pts.map((p) => [p.concurrency, p.rps] as [number, number]) })) }), 'nginx + ab') +
      table(['datapath', 'clients', 'requests', 'failed', 'RPS', 'mean ms', 'p99 ms', 'Gb/s'], Object.entries(h).flatMap(([k, pts]) => pts.map((p) => [k, p.concurrency, p.requests, p.failed, n(p.rps), n(p.meanMs), p.p99Ms, n(p.gbps, 2)]))));
  }

  const sweep = setup?.data?.policySweep as Record<string, any[]> | undefined;
  if (sweep && Object.keys(sweep).length) {
    sections.push(`<h2>Policy size (Calico-style chains, intra-host)</h2><p>The policy chain re-loaded with N rules (iptables-restore in batches of --policy-batch rules), then the path measured again: a fresh connection walks all N rules; an established one takes the conntrack fast path.</p>` +
      table(['datapath', 'policy rules', 'load ms (batches)', 'rules evaluated by a new connection', 'RR p50 µs [95% CI]', 'RR p99 µs'], Object.entries(sweep).flatMap(([k, pts]) => pts.map((p) => [k, p.rules, `${n(p.loadMs, 0)} (${p.batches})`, p.rulesEvaluated, `${n(p.rrP50.mean)} [${n(p.rrP50.ci95[0])}, ${n(p.rrP50.ci95[1])}]`, n(p.rrP99.mean)]))));
  }

  if (suite.data.phaseSeconds) {
    const est = suite.data.estimate?.phases ?? {};
    sections.push(`<h2>Run time per phase</h2>` + table(['phase', 'estimate s (quiet 2 cores)', 'this run s'], Object.entries(suite.data.phaseSeconds as Record<string, number>).map(([k, v]) => [k, n(est[k], 0), n(v, 0)])));
  }

  if (setup?.data?.setup && Object.keys(setup.data.setup).length) {
    const s = setup.data.setup as Record<string, any>;
    const ids = Object.keys(s);
    const steps = ['netns', 'link', 'ipam', 'routes', 'rules'];
    sections.push(`<h2>Pod network setup latency (Fig. 3.15)</h2><p>Each step is real kernel work through iproute2/iptables/bpftool processes (a CNI plugin would use netlink directly, so absolute numbers include process start-up).</p>` +
      svg('setup-steps', barChart({ title: 'Pod network setup, median per step', yLabel: 'ms', categories: ids, series: steps.map((st) => ({ name: st, values: ids.map((i) => s[i].single.steps[st]) })) }), 'Fig. 3.15a analogue') +
      svg('setup-parallel', lineChart({ title: 'Per-pod setup latency when N pods start together', xLabel: 'pods started together', yLabel: 'ms (median per pod)', series: ids.map((i) => ({ name: i, points: [[1, s[i].single.total.p50], ...s[i].parallel.map((p: any) => [p.n, p.perPod.p50])] as [number, number][] })) }), 'Fig. 3.15b analogue') +
      table(['datapath', ...steps.map((x) => `${x} ms`), 'total ms', ...(s[ids[0]]?.parallel ?? []).map((p: any) => `N=${p.n} per-pod p50 ms`)], ids.map((i) => [i, ...steps.map((st) => n(s[i].single.steps[st])), n(s[i].single.total.p50), ...s[i].parallel.map((p: any) => n(p.perPod.p50))])) +
      (Object.keys(setup.data.policyLoad ?? {}).length ? `<p>Policy load (iptables-restore batches): ${esc(Object.entries(setup.data.policyLoad).map(([k, v]: any) => `${k}: ${v.rules} rules in ${v.batches} batches, ${n(v.ms, 0)} ms`).join('; '))}</p>` : ''));
  }

  sections.push(`<h2>How CPU is attributed</h2><p>perf record -e cpu-clock -a -g samples all CPUs at a fixed CPU-time rate (this VM has no hardware cycle counters), so each sample stands for CPU nanoseconds; at a fixed clock rate that is cycles/frequency, and shares and per-transaction ratios compare the same way as the dissertation's cycles per packet. A sample belongs to the first kernel function family found walking its stack from the leaf (bridge br_*, netfilter nf_*/nft_*/ipt_*, eBPF bpf_*, veth_*, vxlan_*/udp tunnel, FIB/IP ip_*/fib_*/neigh_*, netdev/skb core, TCP/socket); samples of other processes on this shared machine are excluded. Normalised by the transactions the client completed inside the sampling window.</p>`);

  const html = `<!doctype html><html><head><meta charset="utf-8"><title>cni-bench report</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}figure{display:inline-block;margin:0 1em 1em 0}img{max-width:520px}</style></head>
<body><h1>cni-bench: container-network datapaths on ${esc(m.kernel)}</h1>
<p>A one-host lab (network namespaces as hosts and pods) of the CNI styles of dissertation ch. 3. Generated by <code>cni-bench report</code> from ${esc(dir)}.</p>
${sections.join('\n')}
</body></html>
`;
  const out = join(dir, 'report.html');
  writeFileSync(out, html);
  writeFileSync(join(dir, 'summary.md'), markdownSummary(paths, cpu, fs, ideal, suite));
  return out;
}

/** The functions where each datapath spent its forwarding CPU (the "why" behind the ordering). */
function topSymbolsTable(cpu: CpuRow[], variants: string[], path: string): string {
  const rows = variants.flatMap((v) => {
    const p = cpu.find((c) => c.variant === v && c.path === path)?.cpu.find((x) => x.workload === 'rr');
    const top = (p?.attribution?.topSymbols ?? []).filter((t) => t.family !== 'tcp' && t.family !== 'other').slice(0, 6);
    const pk = p?.packets ?? 0;
    return top.length && pk ? [[v, top.map((t) => `${t.sym} (${t.family}) ${n(t.ns / pk, 0)}`).join(', ')]] : [];
  });
  return rows.length ? `<details><summary>Top datapath functions (ns per packet, leaf-nearest family frame)</summary>${table(['datapath', 'functions'], rows)}</details>` : '';
}

/** The key numbers as Markdown (docs/reproduction/cni.md quotes them). */
function markdownSummary(paths: PathRow[], cpu: CpuRow[], fs: ReturnType<typeof findings>['findings'], ideal: string[], suite: any): string {
  const md = (head: string[], rows: (string | number)[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const c = (s: { mean: number; ci95: [number, number] } | undefined, d = 1) => (s ? `${n(s.mean, d)} [${n(s.ci95[0], d)}, ${n(s.ci95[1], d)}]` : '—');
  const parts = [
    `# cni-bench results summary\n\nGenerated by \`cni-bench report\` from the JSON next to this file. Kernel ${suite.machine.kernel}, ${suite.machine.cores} cores (${suite.machine.cpuModel}), load average before ${(suite.loadBefore ?? []).join(' / ')}; ${suite.data.mode} suite, ${n(suite.data.seconds, 0)} s. Means over repeats with 95% CIs.`,
    '## RR latency and stream throughput',
    md(['datapath', 'path', 'RR p50 µs', 'RR p99 µs', 'stream Gb/s', 'iptables chains / rules evaluated'], paths.map((p) => [p.variant, p.path, c(p.rr.p50), c(p.rr.p99), c(p.stream?.gbps, 2), p.iptables ? `${p.iptables.chains} / ${p.iptables.rulesEvaluated}` : '—'])),
    '## CPU ns per packet by component (RR; mean over perf windows, datapath total with 95% CI)',
    md(['datapath', 'path', ...FAMILY_ORDER, 'datapath total'], cpu.flatMap((x) => {
      const r = cpuPerPacket(cpu, x.variant, x.path);
      return [[x.variant, x.path, ...FAMILY_ORDER.map((f) => (r ? n(r[f]?.mean, 0) : 'too few samples')), r ? c(r.forwarding, 0) : '—']];
    })),
    '## Findings',
    md(['claim', 'here', 'evidence'], fs.map((f) => [f.claim, f.verdict, f.evidence.replace(/\|/g, '/')])),
    '## Ideal CNI\n\n' + ideal.map((i) => `- ${i}`).join('\n'),
  ];
  return parts.join('\n\n') + '\n';
}

