// Policy size sweep: the calico-wp lab's policy chain re-loaded with N rules (iptables-restore
// in batches), then the intra-host path measured again. Established flows take Felix's
// conntrack fast path, so N shows in the rules a new connection walks and in the load time,
// hardly in the RR latency of a persistent connection.
import type { Summary } from '@fastpath/bench';
import { loadPolicy } from '../lab/styles/calico.ts';
import type { Lab, Pod } from '../lab/lab.ts';
import { iptablesPath } from './iptrace.ts';
import { rr } from './rr.ts';

export interface PolicyPoint {
  rules: number;
  batches: number;
  loadMs: number;
  /** Rules evaluated on host 1 by one fresh connection. */
  rulesEvaluated: number;
  rrP50: Summary;
  rrP99: Summary;
}

export async function policySweep(lab: Lab, client: Pod, server: Pod, opts: { rules: number[]; rr: { seconds: number; repeats: number } }): Promise<PolicyPoint[]> {
  const h = client.host;
  const out: PolicyPoint[] = [];
  try {
    for (const n of opts.rules) {
      const load = await loadPolicy(lab, h, n);
      const r = await rr(client, server.ip, opts.rr);
      const path = await iptablesPath([h], client, server.ip);
      out.push({ rules: n, batches: load.batches, loadMs: load.ms, rulesEvaluated: path.rulesEvaluated, rrP50: r.p50, rrP99: r.p99 });
    }
  } finally {
    // Back to the lab's configured size for whatever runs next on this lab.
    await loadPolicy(lab, h, lab.opts.policyRules);
  }
  return out;
}
