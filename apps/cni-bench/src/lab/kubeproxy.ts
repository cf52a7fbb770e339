// kube-proxy (iptables mode) chains every Kubernetes node carries, trimmed to the rules a
// pod-to-pod or pod-to-Service packet meets: the filter hooks (KUBE-FORWARD, KUBE-SERVICES,
// KUBE-FIREWALL...) and the nat Service portals (KUBE-SERVICES -> KUBE-SVC -> KUBE-SEP DNAT).
import { POD_NET, PORTS } from './addressing.ts';
import type { ChainRules } from './iptables.ts';

export interface Service {
  name: string;
  ip: string;
  port: number;
  backend: string;
  backendPort: number;
}

const hash = (s: string) => {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h.toString(36).toUpperCase().padStart(7, '0').slice(0, 12);
};

export function kubeProxyRules(services: Service[]): ChainRules[] {
  const filter: ChainRules = {
    table: 'filter',
    chains: ['KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'],
    rules: [
      '-A INPUT -m conntrack --ctstate NEW -j KUBE-PROXY-FIREWALL',
      '-A INPUT -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES',
      '-A INPUT -j KUBE-FIREWALL',
      '-A FORWARD -m conntrack --ctstate NEW -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES',
      '-A OUTPUT -m conntrack --ctstate NEW -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-FIREWALL',
      '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ],
  };
  const nat: ChainRules = {
    table: 'nat',
    chains: ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'KUBE-NODEPORTS'],
    rules: [
      '-A PREROUTING -j KUBE-SERVICES',
      '-A OUTPUT -j KUBE-SERVICES',
      '-A POSTROUTING -j KUBE-POSTROUTING',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -j MASQUERADE',
    ],
  };
  for (const s of services) {
    const svc = `KUBE-SVC-${hash(s.name)}`;
    const sep = `KUBE-SEP-${hash(s.name + s.backend)}`;
    nat.chains.push(svc, sep);
    nat.rules.push(
      `-A KUBE-SERVICES -d ${s.ip}/32 -p tcp -m tcp --dport ${s.port} -j ${svc}`,
      `-A ${svc} ! -s ${POD_NET}.0.0/16 -d ${s.ip}/32 -p tcp -m tcp --dport ${s.port} -j KUBE-MARK-MASQ`,
      `-A ${svc} -j ${sep}`,
      `-A ${sep} -s ${s.backend}/32 -j KUBE-MARK-MASQ`,
      `-A ${sep} -p tcp -m tcp -j DNAT --to-destination ${s.backend}:${s.backendPort}`,
    );
  }
  nat.rules.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return [filter, nat];
}

export const defaultServicePort = PORTS.rr;
