// Namespaces for the data-path benchmark: gen (gNB side) <-> N3 <-> upf <-> N6 <-> dn.
import { execFileSync } from 'node:child_process';

export interface BenchTopology {
  gnb: string;
  upf: string;
  dn: string;
  /** the UPF's N3 and N6 veth ends (in the upf namespace) */
  n3: string;
  n6: string;
  /** the data network's end of the N6 veth (in the dn namespace) */
  dnIf: string;
  /** the gNB's end of the N3 veth (in the gnb namespace) */
  gnbIf: string;
  destroy(): void;
}

const ip = (...a: string[]) => execFileSync('ip', a, { stdio: ['ignore', 'ignore', 'pipe'] });

export function benchTopology(uePool: string): BenchTopology {
  const p = `ub${process.pid % 100000}`;
  const t: BenchTopology = {
    gnb: `${p}g`, upf: `${p}u`, dn: `${p}d`, n3: `${p}u3`, n6: `${p}u6`, dnIf: `${p}d0`, gnbIf: `${p}g0`,
    destroy() {
      for (const ns of [t.gnb, t.upf, t.dn]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* absent */
        }
      }
    },
  };
  t.destroy();
  try {
    for (const ns of [t.gnb, t.upf, t.dn]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('link', 'add', `${p}g0`, 'netns', t.gnb, 'type', 'veth', 'peer', 'name', `${p}u3`, 'netns', t.upf);
    ip('link', 'add', t.n6, 'netns', t.upf, 'type', 'veth', 'peer', 'name', `${p}d0`, 'netns', t.dn);
    ip('-n', t.gnb, 'addr', 'add', '192.168.3.2/24', 'dev', `${p}g0`);
    ip('-n', t.upf, 'addr', 'add', '192.168.3.1/24', 'dev', `${p}u3`);
    ip('-n', t.upf, 'addr', 'add', '192.168.6.1/24', 'dev', t.n6);
    ip('-n', t.dn, 'addr', 'add', '192.168.6.2/24', 'dev', `${p}d0`);
    for (const [ns, dev] of [[t.gnb, `${p}g0`], [t.upf, `${p}u3`], [t.upf, t.n6], [t.dn, `${p}d0`]]) ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', t.dn, 'route', 'add', uePool, 'via', '192.168.6.1');
    ip('-n', t.upf, 'route', 'add', 'blackhole', uePool);
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}
