// CPU by kernel component. `perf record -e cpu-clock -a -g` samples every CPU at a fixed rate
// of CPU time (this VM exposes no hardware cycle counter), so a sample's period is CPU
// nanoseconds: at a constant clock, CPU time is cycles / frequency, and the shares and
// per-packet ratios between datapaths are the same as the dissertation's cycles-per-packet.
// Each sample is attributed to ONE family: walking its call chain from the leaf towards the
// root, the first frame that belongs to a family wins (a memcpy under tcp_recvmsg is TCP's,
// nf_hook_slow under br_forward is netfilter's). Samples with no network frame and not from
// the benchmark's own processes are other tenants of this shared machine and are excluded.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, waitFor } from '../exec.ts';

export const FAMILIES: { name: string; re: RegExp }[] = [
  // bpf_lsm_* are LSM hook stubs on every socket call, not packet programs
  { name: 'ebpf', re: /^(?!bpf_lsm_)(bpf_|___bpf|__bpf|cls_bpf|tcf_bpf|skb_do_redirect|bpf_prog_)/ },
  {
    name: 'netfilter',
    re: /^(nf_|nft_|__nf_|ipt_|xt_|iptable_|ipv4_conntrack|ipv4_confirm|br_nf_|ebt_|hash_ip|hash_net|ip_set_|set_match|__nft|conntrack_|tcp_packet|nf_ct_|nf_nat|masquerade)/,
  },
  { name: 'bridge', re: /^(br_|__br_|nbp_)/ },
  {
    name: 'vxlan',
    re: /^(vxlan_|udp_tunnel|iptunnel_|__iptunnel|ip_tunnel_|udp4_gro|udp_gro|__udp4_lib|udp_rcv|udp_queue_rcv|udp_unicast_rcv|__udp_enqueue|dst_cache_|ip_md_tunnel|udp4_lib|skb_udp_tunnel)/,
  },
  { name: 'veth', re: /^(veth_|__veth)/ },
  {
    name: 'ip/fib',
    re: /^(fib_|fib4_|ip_forward|ip_route|ip_rcv|ip_list_rcv|ip_sublist_rcv|ip_local_deliver|ip_protocol_deliver|ip_output|ip_finish_output|__ip_finish_output|ip_local_out|__ip_local_out|ip_queue_xmit|__ip_queue_xmit|ip_send_check|neigh_|__neigh|arp_|rt_|ipv4_dst|ipv4_mtu|dst_|ip_skb_dst|ip_build_and_send|inet_gro|inet_gso|ip4_|l3mdev|ip_rcv_core|ip_mkroute|__mkroute|ip_skb_dst_mtu)/,
  },
  {
    name: 'tcp',
    re: /^(tcp_|__tcp|tcp4_|inet_|__inet|sock_|sk_|__sk_|skb_copy_datagram|lock_sock|release_sock|__release_sock|__sys_sendto|__sys_recvfrom|__x64_sys_(sendto|recvfrom|read|write)|ksys_(read|write)|inet6_|__sock)/,
  },
  {
    name: 'netdev/skb',
    re: /^(__dev_queue_xmit|dev_queue_xmit|dev_hard_start_xmit|netif_|__netif|net_rx_action|napi_|__napi|process_backlog|gro_|dev_gro|__skb_|skb_|kfree_skb|__kfree_skb|consume_skb|__alloc_skb|alloc_skb|validate_xmit|sch_direct|__qdisc|qdisc_|pfifo|dev_|__dev_|eth_type_trans|do_softirq|__do_softirq|handle_softirqs|__local_bh_enable_ip|sch_handle|tcf_classify|kmalloc_reserve|page_pool|__build_skb|build_skb|napi_)/,
  },
];

/** The datapath's families (everything but the pods' own TCP/socket work and 'other'). */
export const FORWARDING = ['bridge', 'netfilter', 'ebpf', 'veth', 'vxlan', 'ip/fib', 'netdev/skb'];

const OWN = /^(iperf3|tcprr|nginx|ab)$/;
/** Softirq work runs in these threads when not in our processes' context. */
const KERNEL_NET_THREADS = /^(ksoftirqd|swapper)/;

export interface Attribution {
  /** CPU nanoseconds per family (plus 'other' = syscalls, scheduler, user space of our tools). */
  ns: Record<string, number>;
  /** Total attributed CPU ns. */
  totalNs: number;
  samples: number;
  /** Samples dropped as other tenants' work (not our tools, not softirq threads doing networking). */
  excludedSamples: number;
  /** Top leaf-nearest family frames, for the report's "why". */
  topSymbols: { sym: string; family: string; ns: number }[];
  /** CPU ns of samples with an eBPF program anywhere on the stack (the program plus the
   *  helpers it calls: FIB lookup, redirect), split by the family the leaf frame belongs to. */
  underEbpf: Record<string, number>;
}

export interface Sample {
  comm: string;
  /** CLOCK_MONOTONIC seconds (perf record -k CLOCK_MONOTONIC), NaN when absent. */
  time: number;
  period: number;
  frames: string[];
}

/** Parses `perf script -F comm,[time,]period,ip,sym` output. */
export function parsePerfScript(text: string): Sample[] {
  const out: Sample[] = [];
  let cur: Sample | null = null;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (!/^\s/.test(line)) {
      const m = /^(.*?)\s+(?:(\d+\.\d+):\s+)?(\d+)\s*$/.exec(line.trimEnd());
      cur = { comm: m ? m[1].trim() : line.trim(), time: m?.[2] ? Number(m[2]) : NaN, period: m ? Number(m[3]) : 0, frames: [] };
      out.push(cur);
    } else if (cur) {
      const m = /^\s+[0-9a-f]+\s+(\S+)/.exec(line);
      if (m) cur.frames.push(m[1].replace(/\+0x[0-9a-f]+$/, '').replace(/\.(isra|constprop|part|cold)\.\d+$/, ''));
    }
  }
  return out;
}

export function familyOf(sym: string): string | null {
  for (const f of FAMILIES) if (f.re.test(sym)) return f.name;
  return null;
}

export function attribute(samples: Sample[]): Attribution {
  const ns: Record<string, number> = Object.fromEntries([...FAMILIES.map((f) => [f.name, 0]), ['other', 0]]);
  const syms = new Map<string, { family: string; ns: number }>();
  let total = 0;
  let n = 0;
  let excluded = 0;
  const underEbpf: Record<string, number> = {};
  for (const s of samples) {
    const comm = s.comm.replace(/\/\d+$/, '');
    let fam: string | null = null;
    let sym = '';
    for (const f of s.frames) {
      fam = familyOf(f);
      if (fam) {
        sym = f;
        break;
      }
    }
    // Other tenants' processes are excluded even when they do networking of their own.
    const ours = OWN.test(comm) || (fam !== null && KERNEL_NET_THREADS.test(comm));
    if (!ours) {
      excluded++;
      continue;
    }
    fam ??= 'other';
    ns[fam] += s.period;
    if (s.frames.some((f) => f.startsWith('bpf_prog_'))) underEbpf[fam] = (underEbpf[fam] ?? 0) + s.period;
    total += s.period;
    n++;
    if (sym) {
      const e = syms.get(sym) ?? { family: fam, ns: 0 };
      e.ns += s.period;
      syms.set(sym, e);
    }
  }
  const topSymbols = [...syms.entries()]
    .map(([sym, v]) => ({ sym, ...v }))
    .sort((a, b) => b.ns - a.ns)
    .slice(0, 15);
  return { ns, totalNs: total, samples: n, excludedSamples: excluded, topSymbols, underEbpf };
}

/** One sampling window: its attribution and the marks taken at its edges. */
export interface Window<M> {
  attribution: Attribution;
  before: M;
  after: M;
  seconds: number;
}

const monoS = () => Number(process.hrtime.bigint()) / 1e9; // CLOCK_MONOTONIC, as perf -k records

/**
 * Starts `workload`, waits `warmMs` so it is in steady state, samples all CPUs for `seconds`
 * and calls `mark` at the edges of `windows` equal sub-windows (interface counters for
 * normalising). Each sub-window is attributed on its own, so the caller gets one estimate per
 * window and a confidence interval across them from a single perf run.
 * The workload must run for at least warm + seconds.
 */
export async function profile<T, M>(
  seconds: number,
  workload: () => Promise<T>,
  mark: () => Promise<M>,
  opts: { warmMs?: number; hz?: number; windows?: number } = {},
): Promise<{ attribution: Attribution; windows: Window<M>[]; result: T; before: M; after: M; windowS: number }> {
  const nWin = Math.max(1, Math.floor(opts.windows ?? 1));
  const dir = mkdtempSync(join(tmpdir(), 'cni-perf-'));
  const file = join(dir, 'perf.data');
  try {
    const work = workload();
    work.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    await new Promise((r) => setTimeout(r, opts.warmMs ?? 500));
    // -B: no build-id collection at the end (slow; kernel symbols come from kallsyms). perf
    // records until we stop it (SIGINT) after the last mark, so a slow start-up or slow marks
    // on a loaded machine can never leave a window outside the recording.
    const rec = spawn('perf', ['record', '-q', '-B', '-k', 'CLOCK_MONOTONIC', '-e', 'cpu-clock', '-F', String(opts.hz ?? 999), '-a', '-g', '-o', file, '--', 'sleep', String(seconds + 120)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    rec.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((r) => rec.once('exit', () => r()));
    // perf creates its output file right before it opens the events; give it a moment more.
    await waitFor('perf record to start', async () => {
      if (rec.exitCode !== null) throw new Error(`perf record exited at start (${rec.exitCode}): ${err.trim()} — is linux-perf installed and are we root?`);
      return existsSync(file);
    }, 20_000, 50);
    await new Promise((r) => setTimeout(r, 200));
    const marks: { t: number; m: M }[] = [];
    const take = async () => {
      const t0 = monoS();
      const m = await mark();
      marks.push({ t: (t0 + monoS()) / 2, m });
    };
    await take();
    const start = marks[0].t;
    for (let i = 1; i <= nWin; i++) {
      const wait = start + (seconds * i) / nWin - monoS();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait * 1000));
      await take();
    }
    // Exited before we stopped it = failed; after SIGINT perf reports the killed workload's
    // status (1), which is expected.
    const early = rec.exitCode;
    rec.kill('SIGINT');
    await exited;
    const result = await work;
    if (early !== null) throw new Error(`perf record stopped early (${early}): ${err.trim()} — is linux-perf installed and are we root?`);
    const script = await run(['perf', 'script', '-i', file, '-F', 'comm,time,period,ip,sym'], { timeoutMs: 120_000 });
    const samples = parsePerfScript(script.stdout);
    const inside = (a: number, b: number) => samples.filter((x) => x.time >= a && x.time < b);
    const windows = marks.slice(1).map((e, i) => ({ attribution: attribute(inside(marks[i].t, e.t)), before: marks[i].m, after: e.m, seconds: e.t - marks[i].t }));
    const last = marks[marks.length - 1];
    return { attribution: attribute(inside(start, last.t)), windows, result, before: marks[0].m, after: last.m, windowS: last.t - start };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
