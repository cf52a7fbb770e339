// Every datapath this kernel supports is built for real, carries a ping and a short TCP
// exchange intra- and inter-host, shows the mechanism it claims (eBPF decisions, VXLAN
// packets, policy chains hit, Service DNAT), and leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCapabilities, type CapabilityReport } from '../src/caps.ts';
import { daemon, inNs, run } from '../src/exec.ts';
import { PORTS } from '../src/lab/addressing.ts';
import { save } from '../src/lab/iptables.ts';
import { Lab } from '../src/lab/lab.ts';
import { ciliumStats } from '../src/lab/styles/cilium.ts';
import { allVariants, availability } from '../src/lab/styles/index.ts';
import { requireTcprr } from '../src/measure/servers.ts';
import { findObjects, isEmpty } from '../src/runid.ts';

const root = process.getuid?.() === 0;
let caps: CapabilityReport;
const rids: string[] = [];

async function tcp(lab: Lab, from: ReturnType<Lab['pod']>, ip: string) {
  const r = await inNs(from.ns, [requireTcprr(), '-c', ip, '-p', String(PORTS.rr), '-d', '0.3', '-w', '0']);
  return JSON.parse(r.stdout);
}

async function linkStats(ns: string, dev: string) {
  return JSON.parse((await run(['ip', '-n', ns, '-s', '-j', 'link', 'show', 'dev', dev])).stdout)[0].stats64;
}

describe.skipIf(!root)('datapaths (root)', () => {
  beforeAll(async () => {
    caps = await detectCapabilities();
  });

  afterAll(async () => {
    // Nothing of any lab this file built may survive, whatever happened in the tests.
    for (const rid of rids) expect(isEmpty(await findObjects(rid)), `leftovers of ${rid}`).toBe(true);
  });

  it('reports variants the kernel cannot run, with the evidence', () => {
    const { unsupported, supported } = availability(caps);
    for (const u of unsupported) expect(u.reason).toMatch(new RegExp(u.missing[0]));
    if (!caps.have.ipip) expect(unsupported.map((u) => u.id)).toContain('calico-np-ipip');
    if (!caps.have.ipvs) expect(unsupported.map((u) => u.id)).toContain('kube-router-ipvs');
    expect(supported.length).toBeGreaterThan(0);
  });

  for (const d of allVariants()) {
    // Concurrent: each lab lives in its own namespaces; most time is process start-up.
    it.concurrent(`${d.id}: builds, passes ping + TCP intra/inter, tears down`, async (ctx) => {
      if (d.requires.some((c) => !caps.have[c])) return ctx.skip();
      const lab = new Lab(d, { podsPerHost: 2, policyRules: 20, services: 2 });
      rids.push(lab.rid);
      try {
        await lab.create();
        const a = lab.pod(1, 0);
        const b = lab.pod(1, 1);
        const c = lab.pod(2, 0);
        const servers = [daemon(b.ns, [requireTcprr(), '-s', '-p', String(PORTS.rr)]), daemon(c.ns, [requireTcprr(), '-s', '-p', String(PORTS.rr)])];
        try {
          await Promise.all(servers.map((s) => s.ready()));
          const e0 = d.style === 'cilium' ? await Promise.all(lab.hosts.map((h) => ciliumStats(lab, h))) : null;
          for (const ip of [b.ip, c.ip]) {
            const ping = await inNs(a.ns, ['ping', '-c', '2', '-i', '0.2', '-W', '2', ip], { allowFail: true });
            expect(ping.code, `ping ${a.ip} -> ${ip}: ${ping.stdout}`).toBe(0);
            // Any completed 1-byte echo proves the TCP path; the count varies with machine load.
            const t = await tcp(lab, a, ip);
            expect(t.transactions).toBeGreaterThan(0);
          }
          if (d.style === 'cilium') {
            // intra-host went through bpf_redirect_peer; inter-host through the tunnel/neigh path
            const e1 = await Promise.all(lab.hosts.map((h) => ciliumStats(lab, h)));
            expect(e1[0].peer - e0![0].peer).toBeGreaterThan(2);
            const out = d.inter === 'vxlan' ? e1[0].tunnel - e0![0].tunnel : e1[0].neigh - e0![0].neigh;
            expect(out).toBeGreaterThan(2);
            expect(e1[1].peer - e0![1].peer).toBeGreaterThan(2); // delivered into the remote pod by eBPF
          } else {
            // Service traffic through kube-proxy's DNAT reaches the backend
            const svc = lab.service('svc-intra');
            expect((await tcp(lab, a, svc.ip)).transactions).toBeGreaterThan(0);
            const nat = (await save(lab.hosts[0].ns)).find((t) => t.table === 'nat')!;
            expect(nat.rules.some((r) => r.target === 'DNAT' && r.packets > 0 && r.text.includes(svc.backend))).toBe(true);
          }
          if (d.inter === 'vxlan') {
            const s = await linkStats(lab.hosts[1].ns, lab.name('vx'));
            expect(s.rx.packets, 'packets arrived through the VXLAN device').toBeGreaterThan(2);
          }
          if (d.policy) {
            const filter = (await save(lab.hosts[0].ns)).find((t) => t.table === 'filter')!;
            expect(filter.rules.filter((r) => r.chain.startsWith('cali-tw-') && r.packets > 0).length).toBeGreaterThan(0);
            expect(filter.rules.filter((r) => r.chain === 'cali-pi-default.bench').length).toBe(2 * 20 + 2);
          }
        } finally {
          await Promise.all(servers.map((s) => s.stop()));
        }
      } finally {
        await lab.destroy();
      }
      expect(isEmpty(await findObjects(lab.rid))).toBe(true);
    });
  }

  it('--mtu: jumbo wire, VXLAN pods get wire - 50 and carry full-size unfragmentable packets', async (ctx) => {
    const d = allVariants().find((v) => v.id === 'flannel-vxlan')!;
    if (d.requires.some((c) => !caps.have[c])) return ctx.skip();
    const lab = new Lab(d, { podsPerHost: 1, mtu: 9000, services: 0 });
    rids.push(lab.rid);
    try {
      await lab.create();
      const a = lab.pod(1, 0);
      const link = JSON.parse((await run(['ip', '-n', a.ns, '-j', 'link', 'show', 'dev', a.podIf])).stdout)[0];
      expect(link.mtu).toBe(8950);
      // 8950 - 28 bytes of IP+ICMP headers, DF set: only passes if every hop carries it whole
      const ok = await inNs(a.ns, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '8922', lab.pod(2, 0).ip], { allowFail: true });
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      const big = await inNs(a.ns, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '8923', lab.pod(2, 0).ip], { allowFail: true });
      expect(big.code).not.toBe(0);
    } finally {
      await lab.destroy();
    }
  });

  it('a policy that drops the traffic really blocks it (the chains are live, not decoration)', async (ctx) => {
    const d = allVariants().find((v) => v.id === 'calico-wp')!;
    if (d.requires.some((c) => !caps.have[c])) return ctx.skip();
    const lab = new Lab(d, { podsPerHost: 2, policyRules: 0, services: 0 });
    rids.push(lab.rid);
    try {
      await lab.create();
      const b = lab.pod(1, 1);
      await inNs(lab.hosts[0].ns, ['iptables', '-w', '-I', 'cali-pi-default.bench', '1', '-s', lab.pod(1, 0).ip, '-j', 'DROP']);
      const ping = await inNs(lab.pod(1, 0).ns, ['ping', '-c', '1', '-W', '1', b.ip], { allowFail: true });
      expect(ping.code).not.toBe(0);
    } finally {
      await lab.destroy();
    }
  });
});
