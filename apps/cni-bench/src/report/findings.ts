// Findings derived from the measured numbers: the dissertation's claims checked one by one
// (agrees / disagrees / inconclusive when the confidence intervals overlap), with the perf
// attribution that explains each, and the "ideal CNI" recommendation that follows.
import type { Summary } from '@fastpath/bench';

export interface PathRow {
  variant: string;
  style: string;
  path: 'intra' | 'inter' | 'service';
  intra: string;
  inter: string;
  policy: boolean;
  rr: { p50: Summary; p99: Summary };
  stream?: { gbps: Summary };
  iptables?: { chains: number; rulesEvaluated: number };
}

export interface CpuRow {
  variant: string;
  path: string;
  cpu: {
    workload: 'rr' | 'stream';
    nsPerTransaction?: Record<string, number>;
    nsPerKiB?: Record<string, number>;
    /** Per-packet CPU by family over perf sub-windows, plus 'forwarding' (all datapath families). */
    perPacket?: Record<string, Summary>;
    underEbpfPerPacket?: Record<string, number>;
    attribution?: { samples: number; topSymbols?: { sym: string; family: string; ns: number }[] };
    packets?: number;
  }[];
}

export interface Finding {
  claim: string;
  verdict: 'agrees' | 'disagrees' | 'inconclusive' | 'not measured';
  evidence: string;
}

const overlap = (a: Summary, b: Summary) => a.ci95[0] <= b.ci95[1] && b.ci95[0] <= a.ci95[1];
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');
const ci = (s: Summary, d = 1) => `${s.mean.toFixed(d)} [${s.ci95[0].toFixed(d)}, ${s.ci95[1].toFixed(d)}]`;

/** Below this many attributed samples a profile says nothing (the workload barely ran inside
 *  the sampling window, e.g. starved by other tenants): treated as missing, never as zero. */
export const MIN_SAMPLES = 100;

export function cpuPerTxn(cpu: CpuRow[], variant: string, path: string): Record<string, number> | null {
  const p = cpu.find((c) => c.variant === variant && c.path === path)?.cpu.find((x) => x.workload === 'rr');
  if (!p?.nsPerTransaction || (p.attribution && p.attribution.samples < MIN_SAMPLES)) return null;
  return p.nsPerTransaction;
}

/** Per-packet CPU summaries (mean, 95% CI over perf sub-windows) of a path's RR profile. */
export function cpuPerPacket(cpu: CpuRow[], variant: string, path: string): Record<string, Summary> | null {
  const p = cpu.find((c) => c.variant === variant && c.path === path)?.cpu.find((x) => x.workload === 'rr');
  if (!p?.perPacket?.forwarding || (p.attribution && p.attribution.samples < MIN_SAMPLES)) return null;
  return p.perPacket;
}

/** 'agrees' when `a` is below every other with disjoint CIs, 'disagrees' when some other is
 *  below `a` with disjoint CIs, else 'inconclusive'. */
export function lowestOf(a: Summary, others: Summary[]): 'agrees' | 'disagrees' | 'inconclusive' {
  if (others.some((o) => o.mean < a.mean && !overlap(o, a))) return 'disagrees';
  return others.every((o) => o.mean > a.mean && !overlap(o, a)) ? 'agrees' : 'inconclusive';
}


/** Lower-is-better comparison of `a` against every row in `others` on the mean RR latency. */
function lowest(a: PathRow, others: PathRow[]): 'agrees' | 'disagrees' | 'inconclusive' {
  return lowestOf(a.rr.p50, others.map((o) => o.rr.p50));
}

export function findings(paths: PathRow[], cpu: CpuRow[]): { findings: Finding[]; ideal: string[] } {
  const out: Finding[] = [];
  const intra = paths.filter((p) => p.path === 'intra');
  const inter = paths.filter((p) => p.path === 'inter');

  // 1. eBPF redirect: lowest intra-host latency
  const ebpf = intra.find((p) => p.intra === 'ebpf-redirect');
  if (ebpf && intra.length > 1) {
    const others = intra.filter((p) => p !== ebpf);
    const verdict = lowest(ebpf, others);
    out.push({
      claim: 'Intra-host, eBPF redirect (Cilium style) has the lowest TCP RR latency',
      verdict,
      evidence: [ebpf, ...others].map((p) => `${p.variant} ${ci(p.rr.p50)} µs`).join('; ') + ' (mean of per-repeat p50, 95% CI)',
    });
    // 2. eBPF: lowest CPU per packet in the datapath families (TCP and user/syscall time excluded)
    const mine = cpuPerPacket(cpu, ebpf.variant, 'intra');
    const theirs = others.map((o) => ({ v: o.variant, c: cpuPerPacket(cpu, o.variant, 'intra') })).filter((x) => x.c) as { v: string; c: Record<string, Summary> }[];
    if (mine && theirs.length) {
      const prof = cpu.find((c) => c.variant === ebpf.variant && c.path === 'intra')?.cpu.find((x) => x.workload === 'rr');
      const under = prof?.underEbpfPerPacket ?? {};
      const underTotal = Object.values(under).reduce((a, b) => a + b, 0);
      const verdict = lowestOf(mine.forwarding, theirs.map((t) => t.c.forwarding));
      out.push({
        claim: 'Intra-host, eBPF redirect spends the least CPU per packet in the datapath (bridge/IP/netfilter/veth/eBPF/netdev)',
        verdict,
        evidence:
          `datapath CPU ns per packet (mean [95% CI] over perf windows): ${ebpf.variant} ${ci(mine.forwarding, 0)} — eBPF ${f1(mine.ebpf?.mean ?? NaN)}, netfilter ${f1(mine.netfilter?.mean ?? NaN)}, bridge ${f1(mine.bridge?.mean ?? NaN)}, ip/fib ${f1(mine['ip/fib']?.mean ?? NaN)}, netdev ${f1(mine['netdev/skb']?.mean ?? NaN)}; ` +
          theirs.map((t) => `${t.v} ${ci(t.c.forwarding, 0)} (netfilter ${f1(t.c.netfilter?.mean ?? NaN)}, bridge ${f1(t.c.bridge?.mean ?? NaN)}, ip/fib ${f1(t.c['ip/fib']?.mean ?? NaN)})`).join('; ') +
          `. Samples with the tc program on the stack: ${f1(underTotal)} ns/packet (${Object.entries(under).map(([k, v]) => `${k} ${f1(v)}`).join(', ')}); a FIB lookup there would show as ip/fib` +
          (verdict === 'disagrees' ? '. Disagreement: see the per-family columns for where the eBPF path spends more.' : ''),
      });
    }
  } else out.push({ claim: 'Intra-host, eBPF redirect has the lowest latency', verdict: 'not measured', evidence: 'no eBPF datapath in this run' });

  // 3. Policy adds netfilter cost
  for (const path of ['intra', 'inter'] as const) {
    const wp = paths.find((p) => p.path === path && p.variant === 'calico-wp');
    const np = paths.find((p) => p.path === path && p.variant === 'calico-np');
    if (!wp || !np) continue;
    const nfw = cpuPerPacket(cpu, wp.variant, path)?.netfilter;
    const nfn = cpuPerPacket(cpu, np.variant, path)?.netfilter;
    out.push({
      claim: `${path}-host, Calico-style policy chains add netfilter cost`,
      verdict: nfw && nfn ? (nfw.mean > nfn.mean ? (overlap(nfw, nfn) ? 'inconclusive' : 'agrees') : overlap(nfw, nfn) ? 'inconclusive' : 'disagrees') : 'not measured',
      evidence:
        `netfilter CPU ns per packet: calico-wp ${nfw ? ci(nfw, 0) : '—'} vs calico-np ${nfn ? ci(nfn, 0) : '—'}; rules evaluated for one connection: ${wp.iptables?.rulesEvaluated ?? '—'} vs ${np.iptables?.rulesEvaluated ?? '—'}; ` +
        `RR p50 ${ci(wp.rr.p50)} vs ${ci(np.rr.p50)} µs` +
        (overlap(wp.rr.p50, np.rr.p50) ? ' (latency CIs overlap: established flows hit Felix\'s conntrack fast path, so the N policy rules only cost on new connections)' : ''),
    });
  }

  // 4. Native routing beats VXLAN inter-host (pairs that differ only in the overlay)
  const pairs: [string, string][] = [
    ['flannel-hostgw', 'flannel-vxlan'],
    ['calico-np', 'calico-np-vxlan'],
    ['calico-wp', 'calico-wp-vxlan'],
    ['cilium-native', 'cilium-vxlan'],
  ];
  for (const [n, v] of pairs) {
    const a = inter.find((p) => p.variant === n);
    const b = inter.find((p) => p.variant === v);
    if (!a || !b) continue;
    const lat = a.rr.p50.mean < b.rr.p50.mean ? (overlap(a.rr.p50, b.rr.p50) ? 'inconclusive' : 'agrees') : overlap(a.rr.p50, b.rr.p50) ? 'inconclusive' : 'disagrees';
    const ca = cpuPerPacket(cpu, n, 'inter');
    const cb = cpuPerPacket(cpu, v, 'inter');
    out.push({
      claim: `Inter-host, native routing (${n}) beats the VXLAN overlay (${v})`,
      verdict: lat,
      evidence:
        `RR p50 ${ci(a.rr.p50)} vs ${ci(b.rr.p50)} µs; stream ${a.stream ? ci(a.stream.gbps, 2) : '—'} vs ${b.stream ? ci(b.stream.gbps, 2) : '—'} Gb/s; ` +
        `VXLAN CPU ns/packet ${f1(ca?.vxlan?.mean ?? NaN)} vs ${f1(cb?.vxlan?.mean ?? NaN)}, datapath total ${ca ? ci(ca.forwarding, 0) : '—'} vs ${cb ? ci(cb.forwarding, 0) : '—'}` +
        ' (no NIC here: veth has no tunnel offload, so VXLAN segmentation/checksums run on the CPU as in the dissertation\'s "flannel-off")',
    });
  }

  // The ideal CNI, from the winners of each measurement
  const ideal: string[] = [];
  const bestIntra = [...intra].sort((a, b) => a.rr.p50.mean - b.rr.p50.mean)[0];
  if (bestIntra) ideal.push(`Intra-host forwarding: ${bestIntra.intra} (${bestIntra.variant} had the lowest intra-host RR latency, ${ci(bestIntra.rr.p50)} µs).`);
  const cheapest = intra
    .map((p) => ({ p, c: cpuPerPacket(cpu, p.variant, 'intra') }))
    .filter((x) => x.c)
    .sort((a, b) => a.c!.forwarding.mean - b.c!.forwarding.mean)[0];
  if (cheapest) ideal.push(`Intra-host CPU: ${cheapest.p.intra} (${cheapest.p.variant} spent the least datapath CPU per packet, ${ci(cheapest.c!.forwarding, 0)} ns; see the eBPF finding for whether the CIs separate it from the rest).`);
  const nat = inter.filter((p) => p.inter === 'native');
  const ovl = inter.filter((p) => p.inter !== 'native');
  if (nat.length && ovl.length) {
    const m = (xs: PathRow[]) => xs.map((x) => x.rr.p50.mean).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const better = m(nat) <= m(ovl) ? 'native routing' : 'an overlay';
    ideal.push(`Inter-host: ${better} (median inter-host RR p50: native ${f1(m(nat))} µs, overlays ${f1(m(ovl))} µs); keep overlays available for networks without routing control, and pick the one the NIC offloads.`);
  }
  const wp = intra.find((p) => p.variant === 'calico-wp');
  const np = intra.find((p) => p.variant === 'calico-np');
  if (wp && np) ideal.push(`Policy: enforce it, but keep per-packet chains short — established traffic should take a conntrack (or eBPF) fast path; calico-wp cost ${f1(cpuPerPacket(cpu, 'calico-wp', 'intra')?.netfilter?.mean ?? NaN)} vs ${f1(cpuPerPacket(cpu, 'calico-np', 'intra')?.netfilter?.mean ?? NaN)} netfilter ns per packet here.`);
  return { findings: out, ideal };
}
