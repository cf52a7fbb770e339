// Network namespaces for the UPF e2e: gNB <-> (N3) UPF (N6) <-> data network, with names that
// carry the pid so parallel runs never collide; destroy() removes everything.
import { execFileSync } from 'node:child_process';

export interface Topology {
  prefix: string;
  gnb: string;
  upf: string;
  dn: string;
  n3: string;
  n6: string;
  destroy(): void;
}

function ip(...args: string[]) {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTopology(tag = 'ue'): Topology {
  const prefix = `${tag}${process.pid % 100000}`;
  const t: Topology = {
    prefix, gnb: `${prefix}g`, upf: `${prefix}u`, dn: `${prefix}d`, n3: `${prefix}u3`, n6: `${prefix}u6`,
    destroy() {
      for (const ns of [t.gnb, t.upf, t.dn]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* not created */
        }
      }
    },
  };
  t.destroy(); // leftovers of a crashed run with the same pid
  try {
    for (const ns of [t.gnb, t.upf, t.dn]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('link', 'add', `${prefix}g0`, 'netns', t.gnb, 'type', 'veth', 'peer', 'name', t.n3, 'netns', t.upf);
    ip('link', 'add', t.n6, 'netns', t.upf, 'type', 'veth', 'peer', 'name', `${prefix}d0`, 'netns', t.dn);
    ip('-n', t.gnb, 'addr', 'add', '192.168.3.2/24', 'dev', `${prefix}g0`);
    ip('-n', t.upf, 'addr', 'add', '192.168.3.1/24', 'dev', t.n3);
    ip('-n', t.upf, 'addr', 'add', '192.168.6.1/24', 'dev', t.n6);
    ip('-n', t.dn, 'addr', 'add', '192.168.6.2/24', 'dev', `${prefix}d0`);
    for (const [ns, dev] of [[t.gnb, `${prefix}g0`], [t.upf, t.n3], [t.upf, t.n6], [t.dn, `${prefix}d0`]]) ip('-n', ns, 'link', 'set', dev, 'up');
    // The UE pool lives behind the UPF: the DN routes it to N6, the UPF's kernel must not
    // forward or answer for it (the data path reads those packets from its AF_PACKET socket).
    ip('-n', t.dn, 'route', 'add', '10.60.0.0/16', 'via', '192.168.6.1');
    ip('-n', t.upf, 'route', 'add', 'blackhole', '10.60.0.0/16');
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}
