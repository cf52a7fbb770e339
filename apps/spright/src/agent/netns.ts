// The gateway's network namespace: a netns per chain with a veth pair to the host (a /30), so
// the gateway has its own interface where EPROXY (XDP/TC) attaches, as in the dissertation.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export class NetnsError extends Error {
  constructor(message: string) {
    super(`spright: ${message}`);
    this.name = 'NetnsError';
  }
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new NetnsError(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

export interface GatewayNet {
  netns: string;
  hostIf: string;
  gwIf: string;
  hostIp: string;
  gwIp: string;
}

/** /30s already used on this host (so two agents or chains never share one). */
function usedSubnets(): Set<string> {
  const out = new Set<string>();
  for (const m of ip(['-4', '-o', 'addr', 'show']).matchAll(/inet (\d+\.\d+\.\d+)\.(\d+)\//g)) out.add(`${m[1]}.${Number(m[2]) & ~3}`);
  return out;
}

/** Creates netns `name` with veth `<tag>h` (host) / `<tag>g` (inside), 10.x.y.1 / .2 on a /30. */
export function createGatewayNet(name: string, ifTag: string, seed: number): GatewayNet {
  if (ifTag.length > 13) throw new NetnsError(`interface tag "${ifTag}" too long`);
  const used = usedSubnets();
  let pick: [string, number] | undefined;
  for (let i = 0; i < 50 * 256 * 64 && !pick; i++) {
    const n = (seed + i) % (50 * 256 * 64);
    const base = `10.${200 + Math.floor(n / (256 * 64))}.${Math.floor(n / 64) % 256}`;
    const c = (n % 64) * 4;
    if (!used.has(`${base}.${c}`)) pick = [base, c];
  }
  if (!pick) throw new NetnsError('no free 10.x.y.z/30 for the gateway');
  const [base, c] = pick;
  const net: GatewayNet = { netns: name, hostIf: `${ifTag}h`, gwIf: `${ifTag}g`, hostIp: `${base}.${c + 1}`, gwIp: `${base}.${c + 2}` };
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', net.hostIf, 'type', 'veth', 'peer', 'name', net.gwIf, 'netns', name]);
    ip(['addr', 'add', `${net.hostIp}/30`, 'dev', net.hostIf]);
    ip(['link', 'set', net.hostIf, 'up']);
    ip(['-n', name, 'addr', 'add', `${net.gwIp}/30`, 'dev', net.gwIf]);
    ip(['-n', name, 'link', 'set', net.gwIf, 'up']);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    ip(['-n', name, 'route', 'add', 'default', 'via', net.hostIp]);
  } catch (err) {
    deleteGatewayNet(net);
    throw err;
  }
  return net;
}

/** Removes the netns and the veth (deleting one end removes both); tolerant of partial state. */
export function deleteGatewayNet(net: Pick<GatewayNet, 'netns' | 'hostIf'>): void {
  try {
    ip(['link', 'del', net.hostIf]);
  } catch {
    // already gone with the netns
  }
  if (netnsExists(net.netns)) ip(['netns', 'del', net.netns]);
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

export function listNetns(prefix: string): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(prefix)) : [];
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}
