// What this host can do for fastpath, each with the consequence of a missing piece.
// Every probe is real: it asks the kernel (bpftool feature probe, creating a netns or a
// tunnel link and deleting it again), never guesses from the kernel version.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface Capability {
  name: string;
  ok: boolean;
  detail: string;
  /** What a user loses without it (shown only when it is missing). */
  consequence: string;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function readNumber(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

function isMounted(point: string, fstype: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => {
      const f = l.split(' ');
      return f[1] === point && f[2] === fstype;
    });
  } catch {
    return false;
  }
}

interface BpfFeatures {
  program_types?: Record<string, boolean>;
  map_types?: Record<string, boolean>;
}

function bpfFeatures(): BpfFeatures | string {
  try {
    return JSON.parse(execFileSync('bpftool', ['feature', 'probe', 'kernel', '-j'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }));
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

/** Creates a link of `kind` in a throw-away netns; proves the kernel module is there. */
function linkKind(kind: 'ipip' | 'vxlan', tag: string): { ok: boolean; detail: string } {
  const ns = `fpdoc${tag}${process.pid % 100000}`;
  const add = run('ip', ['netns', 'add', ns]);
  if (!add.ok) return { ok: false, detail: `cannot create netns: ${add.out.trim()}` };
  try {
    const args = kind === 'ipip'
      ? ['-n', ns, 'link', 'add', 'fpt0', 'type', 'ipip', 'local', '10.255.0.1', 'remote', '10.255.0.2']
      : ['-n', ns, 'link', 'add', 'fpt0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'local', '10.255.0.1'];
    const r = run('ip', args);
    return { ok: r.ok, detail: r.ok ? `${kind} link created` : r.out.trim().split('\n')[0] };
  } finally {
    run('ip', ['netns', 'del', ns]);
  }
}

export function probeCapabilities(): Capability[] {
  const caps: Capability[] = [];
  const root = process.getuid?.() === 0;
  caps.push({ name: 'root', ok: root, detail: root ? 'uid 0' : `uid ${process.getuid?.()}`, consequence: 'eBPF, namespaces and hugepages need root: run as root' });

  const btf = existsSync('/sys/kernel/btf/vmlinux');
  caps.push({ name: 'BTF', ok: btf, detail: btf ? '/sys/kernel/btf/vmlinux' : 'missing', consequence: 'bpf/ cannot generate vmlinux.h: eBPF programs do not build' });
  const bpffs = isMounted('/sys/fs/bpf', 'bpf');
  caps.push({ name: 'bpffs', ok: bpffs, detail: bpffs ? '/sys/fs/bpf' : 'not mounted', consequence: 'no pinned maps: run scripts/bootstrap.sh (mounts it)' });

  const f = bpfFeatures();
  const prog = (k: string) => typeof f === 'object' && f.program_types?.[k] === true;
  const map = (k: string) => typeof f === 'object' && f.map_types?.[k] === true;
  const why = typeof f === 'string' ? f : '';
  const skmsg = prog('have_sk_msg_prog_type') && map('have_sockmap_map_type') && map('have_sockhash_map_type');
  caps.push({ name: 'BPF sk_msg + sockmap', ok: skmsg, detail: skmsg ? 'sk_msg, sockmap, sockhash' : why || 'not offered by this kernel', consequence: 'SPRIGHT S-mode (SPROXY) unavailable: use D or H mode (shared-memory rings)' });
  const xdp = prog('have_xdp_prog_type');
  caps.push({ name: 'XDP', ok: xdp, detail: xdp ? 'xdp programs' : why || 'not offered', consequence: 'EPROXY receive side unavailable: gateway traffic goes through the host stack' });
  const tc = prog('have_sched_cls_prog_type');
  caps.push({ name: 'tc (sched_cls)', ok: tc, detail: tc ? 'clsact + bpf' : why || 'not offered', consequence: 'EPROXY egress and the Cilium-style cni-bench datapath unavailable' });

  const free = readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages');
  const total = readNumber('/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages');
  const hugetlbfs = isMounted('/dev/hugepages', 'hugetlbfs');
  const hpOk = (free ?? 0) > 0 && hugetlbfs;
  caps.push({
    name: 'hugepages (2 MiB)',
    ok: hpOk,
    detail: free === null ? 'no 2 MiB pool' : `${free} free of ${total}${hugetlbfs ? ', hugetlbfs at /dev/hugepages' : ', hugetlbfs not mounted'}`,
    consequence: 'shared-memory pools fall back to /dev/shm (4 KiB pages, more TLB misses)',
  });

  const ns = `fpdoc${process.pid % 100000}`;
  const nsAdd = run('ip', ['netns', 'add', ns]);
  if (nsAdd.ok) run('ip', ['netns', 'del', ns]);
  caps.push({ name: 'network namespaces', ok: nsAdd.ok, detail: nsAdd.ok ? 'ip netns add/del' : nsAdd.out.trim(), consequence: 'no gateway netns, no UPF/cni-bench/EPROXY namespace tests' });

  const vx = linkKind('vxlan', 'v');
  caps.push({ name: 'VXLAN', ok: vx.ok, detail: vx.detail, consequence: 'cni-bench overlay variants (Flannel/Weave/Calico/Cilium VXLAN) are skipped' });
  const ipip = linkKind('ipip', 'i');
  caps.push({ name: 'IPIP', ok: ipip.ok, detail: ipip.detail, consequence: 'cni-bench Calico IPIP variant is skipped (native and VXLAN run)' });

  const sctp = existsSync('/proc/sys/net/sctp') || run('modprobe', ['sctp']).ok && existsSync('/proc/sys/net/sctp');
  caps.push({ name: 'SCTP', ok: sctp, detail: sctp ? 'kernel SCTP' : 'no sctp module', consequence: 'N2 (NGAP over SCTP) runs over TCP framing in tests; a real gNB cannot attach' });
  const ipvs = existsSync('/proc/net/ip_vs') || (run('modprobe', ['ip_vs']).ok && existsSync('/proc/net/ip_vs'));
  caps.push({ name: 'IPVS', ok: ipvs, detail: ipvs ? '/proc/net/ip_vs' : 'no ip_vs module', consequence: 'cni-bench kube-proxy IPVS mode is skipped (iptables mode runs)' });
  const ovs = run('modprobe', ['-n', 'openvswitch']).ok;
  caps.push({ name: 'Open vSwitch', ok: ovs, detail: ovs ? 'openvswitch module' : 'no openvswitch module', consequence: 'OVS-based CNI variants are skipped' });

  const perf = run('perf', ['stat', '-e', 'cpu-clock', 'true']);
  caps.push({ name: 'perf cpu-clock', ok: perf.ok, detail: perf.ok ? 'perf stat -e cpu-clock' : perf.out.trim().split('\n')[0] || 'perf missing', consequence: 'cni-bench cannot attribute CPU per kernel component' });
  const cycles = run('perf', ['stat', '-x,', '-e', 'cycles', 'true']);
  const hw = cycles.ok && !/not supported|not counted/i.test(cycles.out);
  caps.push({ name: 'HW cycle counters', ok: hw, detail: hw ? 'perf cycles' : 'not supported (VM)', consequence: 'CPU time (cpu-clock) stands in for cycles in cni-bench' });
  return caps;
}

export function renderCapabilities(caps: Capability[]): string {
  const w = Math.max(...caps.map((c) => c.name.length));
  const lines = caps.map((c) => `${c.ok ? '✓' : '✗'} ${c.name.padEnd(w)}  ${c.ok ? c.detail : `${c.detail} — ${c.consequence}`}`);
  return ['fastpath capabilities on this host', '─'.repeat(40), ...lines].join('\n') + '\n';
}
