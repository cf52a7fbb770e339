// Which datapath building blocks this kernel has. Each is probed for real (create the device
// in a scratch namespace, look up the generic-netlink family, find the proc entry), never
// inferred from the kernel version, so a missing variant is reported with the evidence.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { run } from './exec.ts';
import { claim, newRunId, release } from './runid.ts';

export type Capability = 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'geneve' | 'ovs' | 'ipvs' | 'sctp' | 'tc-bpf';

export interface CapabilityReport {
  have: Record<Capability, boolean>;
  /** Why a capability is missing (the error we got). */
  evidence: Partial<Record<Capability, string>>;
  kernel: string;
}

function kconfig(): string {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    return '';
  }
}

export async function detectCapabilities(): Promise<CapabilityReport> {
  const rid = newRunId();
  const ns = `${rid}cap`;
  claim(rid); // so a concurrent run's leftover sweep leaves this probe alone
  const have = {} as Record<Capability, boolean>;
  const evidence: Partial<Record<Capability, string>> = {};
  const cfg = kconfig();
  await run(['ip', 'netns', 'add', ns]);
  try {
    const link: [Capability, string[]][] = [
      ['veth', ['type', 'veth', 'peer', 'name', 'p0']],
      ['bridge', ['type', 'bridge']],
      ['vxlan', ['type', 'vxlan', 'dstport', '4789', 'external']],
      ['ipip', ['type', 'ipip', 'remote', '192.0.2.1', 'local', '192.0.2.2']],
      ['geneve', ['type', 'geneve', 'id', '1', 'remote', '192.0.2.1']],
    ];
    for (const [cap, args] of link) {
      const r = await run(['ip', '-n', ns, 'link', 'add', `t${cap}`, ...args], { allowFail: true });
      have[cap] = r.code === 0;
      if (r.code !== 0) evidence[cap] = `ip link add type ${args[1]}: ${r.stderr.trim()}`;
    }
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    const q = await run(['tc', '-n', ns, 'qdisc', 'add', 'dev', 'lo', 'clsact'], { allowFail: true });
    have['tc-bpf'] = q.code === 0 && (!cfg || /CONFIG_NET_CLS_BPF=[ym]/.test(cfg));
    if (!have['tc-bpf']) evidence['tc-bpf'] = `clsact qdisc: ${q.stderr.trim() || 'CONFIG_NET_CLS_BPF not set'}`;
    const genl = (await run(['genl', 'ctrl', 'list'], { allowFail: true })).stdout;
    have.ovs = /Name: ovs_datapath/.test(genl);
    if (!have.ovs) evidence.ovs = 'no ovs_datapath generic-netlink family (openvswitch module absent)' + (/# CONFIG_OPENVSWITCH is not set/.test(cfg) ? '; CONFIG_OPENVSWITCH is not set' : '');
    have.ipvs = /Name: IPVS/.test(genl) || existsSync('/proc/net/ip_vs');
    if (!have.ipvs) evidence.ipvs = 'no IPVS generic-netlink family, no /proc/net/ip_vs' + (/# CONFIG_IP_VS is not set/.test(cfg) ? '; CONFIG_IP_VS is not set' : '');
    have.sctp = (await run(['ip', 'netns', 'exec', ns, 'test', '-d', '/proc/net/sctp'], { allowFail: true })).code === 0;
    if (!have.sctp) evidence.sctp = 'no /proc/net/sctp' + (/# CONFIG_IP_SCTP is not set/.test(cfg) ? '; CONFIG_IP_SCTP is not set' : '');
  } finally {
    await run(['ip', 'netns', 'del', ns], { allowFail: true });
    release(rid);
  }
  return { have, evidence, kernel: (await run(['uname', '-r'])).stdout.trim() };
}
