// IPFilterRule (RFC 6733 4.3, as used in SDF Filter Flow Descriptions, TS 29.212 5.4.2):
//   permit out <proto> from <addr>[/len] [ports] to <addr>[/len] [ports]
// parsed into inclusive numeric ranges so a classifier can use them as rule dimensions.
import { ipv4ToInt } from './bytes.ts';

export class SdfParseError extends Error {
  constructor(readonly flowDescription: string, readonly reason: string) {
    super(`SDF flow description "${flowDescription}": ${reason}`);
    this.name = 'SdfParseError';
  }
}

export type Range = [lo: number, hi: number];

/** `assigned` means the UE's own address (filled in by the UPF from the PDI's UE IP Address). */
export interface FlowEndpoint {
  addr: Range | 'assigned';
  ports: Range[];
}

export interface FlowDescription {
  action: 'permit' | 'deny';
  direction: 'in' | 'out';
  /** Protocol range: [0,255] for "ip", else [p,p]. */
  proto: Range;
  from: FlowEndpoint;
  to: FlowEndpoint;
}

const PROTOS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58, sctp: 132 };
const ANY_PORT: Range = [0, 65535];

function parseAddr(fd: string, tok: string | undefined): Range | 'assigned' {
  if (tok === undefined) throw new SdfParseError(fd, 'address missing');
  if (tok === 'any') return [0, 0xffffffff];
  if (tok === 'assigned') return 'assigned';
  const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(tok);
  if (!m) throw new SdfParseError(fd, `"${tok}" is not an IPv4 address or prefix (IPv6 filters are not supported by this UPF)`);
  let base: number;
  try {
    base = ipv4ToInt(m[1]);
  } catch {
    throw new SdfParseError(fd, `"${tok}" is not an IPv4 address`);
  }
  const len = m[2] === undefined ? 32 : Number(m[2]);
  if (len > 32) throw new SdfParseError(fd, `prefix length ${len} > 32`);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const lo = (base & mask) >>> 0;
  return [lo, (lo | (~mask >>> 0)) >>> 0];
}

function isPortToken(tok: string | undefined): boolean {
  return tok !== undefined && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(tok);
}

function parsePorts(fd: string, tok: string): Range[] {
  return tok.split(',').map((p) => {
    const [a, b] = p.split('-').map(Number);
    const r: Range = [a, b ?? a];
    if (r[0] > 65535 || r[1] > 65535 || r[0] > r[1]) throw new SdfParseError(fd, `bad port range "${p}"`);
    return r;
  });
}

export function parseFlowDescription(fd: string): FlowDescription {
  const t = fd.trim().split(/\s+/);
  let i = 0;
  const action = t[i++];
  if (action !== 'permit' && action !== 'deny') throw new SdfParseError(fd, `action must be permit or deny, got "${action ?? ''}"`);
  const direction = t[i++];
  if (direction !== 'in' && direction !== 'out') throw new SdfParseError(fd, `direction must be in or out, got "${direction ?? ''}"`);
  const p = t[i++];
  let proto: Range;
  if (p === 'ip') proto = [0, 255];
  else if (p !== undefined && /^\d+$/.test(p) && Number(p) <= 255) proto = [Number(p), Number(p)];
  else if (p !== undefined && PROTOS[p] !== undefined) proto = [PROTOS[p], PROTOS[p]];
  else throw new SdfParseError(fd, `unknown protocol "${p ?? ''}"`);
  if (t[i++] !== 'from') throw new SdfParseError(fd, 'expected "from"');
  const fromAddr = parseAddr(fd, t[i++]);
  const fromPorts = isPortToken(t[i]) ? parsePorts(fd, t[i++]) : [ANY_PORT];
  if (t[i++] !== 'to') throw new SdfParseError(fd, 'expected "to"');
  const toAddr = parseAddr(fd, t[i++]);
  const toPorts = isPortToken(t[i]) ? parsePorts(fd, t[i++]) : [ANY_PORT];
  if (i < t.length) throw new SdfParseError(fd, `unsupported options "${t.slice(i).join(' ')}"`);
  return { action, direction, proto, from: { addr: fromAddr, ports: fromPorts }, to: { addr: toAddr, ports: toPorts } };
}

function fmtAddr(a: Range | 'assigned'): string {
  if (a === 'assigned') return 'assigned';
  if (a[0] === 0 && a[1] === 0xffffffff) return 'any';
  const size = a[1] - a[0] + 1;
  const len = 32 - Math.log2(size);
  const ip = [a[0] >>> 24, (a[0] >>> 16) & 255, (a[0] >>> 8) & 255, a[0] & 255].join('.');
  return Number.isInteger(len) && len < 32 ? `${ip}/${len}` : ip;
}

/** Formats back into the canonical text (inverse of parseFlowDescription for prefix addresses). */
export function formatFlowDescription(f: FlowDescription): string {
  const proto = f.proto[0] === 0 && f.proto[1] === 255 ? 'ip' : String(f.proto[0]);
  const ports = (p: Range[]) => (p.length === 1 && p[0][0] === 0 && p[0][1] === 65535 ? '' : ` ${p.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  return `${f.action} ${f.direction} ${proto} from ${fmtAddr(f.from.addr)}${ports(f.from.ports)} to ${fmtAddr(f.to.addr)}${ports(f.to.ports)}`;
}
