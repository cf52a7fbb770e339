// Which iptables chains and rules a pod-to-pod exchange traverses (Table 3.3): zero the
// counters on the hosts involved, run one fresh connection of short request/response
// traffic, read `iptables-save -c` back. Inter-host paths count both hosts, as the
// dissertation does.
import { save, traversal, zeroCounters, type Traversal } from '../lab/iptables.ts';
import type { Host, Pod } from '../lab/lab.ts';
import { rrOnce } from './rr.ts';

export interface IptablesPath {
  perHost: Record<string, Traversal>;
  chains: number;
  rulesEvaluated: number;
  rulesMatched: number;
  chainNames: string[];
  /** Rules installed on the hosts (all tables), for scale. */
  totalRules: number;
}

export async function iptablesPath(hosts: Host[], client: Pod, ip: string): Promise<IptablesPath> {
  for (const h of hosts) await zeroCounters(h.ns);
  await rrOnce(client, ip, 0.3);
  const perHost: Record<string, Traversal> = {};
  for (const h of hosts) perHost[`host${h.idx}`] = traversal(await save(h.ns));
  const all = Object.values(perHost);
  return {
    perHost,
    chains: all.reduce((a, t) => a + t.chains.length, 0),
    rulesEvaluated: all.reduce((a, t) => a + t.rulesEvaluated, 0),
    rulesMatched: all.reduce((a, t) => a + t.rulesMatched, 0),
    chainNames: Object.entries(perHost).flatMap(([h, t]) => t.chains.map((c) => `${h}:${c}`)),
    totalRules: all.reduce((a, t) => a + t.totalRules, 0),
  };
}
