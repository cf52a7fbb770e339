// upf.yaml: what the UPF listens on and how big its tables are. Validation errors name the field.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Kind, type KindName, KIND_NAMES } from '@fastpath/pdrcls';
import { parseFlowDescription, SdfParseError } from '@fastpath/pfcp';
import type { XdpMode } from './datapath.ts';

export class UpfConfigError extends Error {
  constructor(readonly field: string, reason: string) {
    super(`upf config: ${field}: ${reason}`);
    this.name = 'UpfConfigError';
  }
}

export interface UpfConfig {
  /** Our PFCP Node ID (an IPv4 address or FQDN) and the N4 address we report in F-SEIDs. */
  nodeId: string;
  pfcp: { address: string; port: number };
  /** N3: where gNBs send GTP-U; this address goes into the F-TEIDs we allocate. io: how GTP-U is
   *  received and sent — `socket` (recvmmsg/sendmmsg on the UDP socket) or AF_XDP on `interface`
   *  (`xdp` = native XDP when the driver has it, else generic; `xdp-native`, `xdp-generic` force
   *  one): GTP-U in through AF_XDP, downlink GTP-U out the same socket's TX ring to the gNB's MAC
   *  learned from its uplink (the UDP socket until then, and for echo replies). Default: `xdp`
   *  when `interface` is given, else `socket`. */
  n3: { address: string; port: number; io: 'socket' | XdpMode; interface?: string };
  /** N6: the interface towards the data network. io: how uplink leaves — `raw` (raw IPv4 socket:
   *  kernel route + neighbour), `packet` (AF_PACKET with qdisc bypass to nextHopMac) or `xdp`
   *  (AF_XDP TX ring on `interface`, sharing the N3 UMEM: sent from the frame it arrived in; needs
   *  n3.io xdp*). Default: `xdp` with nextHopMac and AF_XDP N3, `packet` with nextHopMac, else `raw`. */
  n6: { interface: string; io: N6Io; nextHopMac?: string };
  /** Network namespace (name under /var/run/netns, or a path) that holds N3 and N6; empty = ours. */
  netns: string;
  classifier: KindName;
  maxSessions: number;
  /** FAR/QER/URR table size (each). */
  maxRules: number;
  buffer: { poolPackets: number; perSessionPackets: number };
  metrics: { port: number; host: string } | null;
  /** First TEID handed out for F-TEID CHOOSE. */
  teidBase: number;
  /** Application ID (PDI) -> flow descriptions in SDF filter syntax (`permit out ... from ... to ...`). */
  applications: Map<string, string[]>;
}

function nextHop(v: unknown): { nextHopMac?: string } {
  if (v === undefined) return {};
  if (typeof v !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(v)) throw new UpfConfigError('n6.nextHopMac', `a MAC address like 02:00:00:00:00:01, got ${JSON.stringify(v)}`);
  return { nextHopMac: v };
}

const IO = ['socket', 'xdp', 'xdp-native', 'xdp-generic'] as const;
export const N6_IO = ['raw', 'packet', 'xdp'] as const;
export type N6Io = (typeof N6_IO)[number];

function n6io(n6: Record<string, unknown>, n3io: 'socket' | XdpMode): { io: N6Io; nextHopMac?: string } {
  const hop = nextHop(n6.nextHopMac);
  const dflt: N6Io = !hop.nextHopMac ? 'raw' : n3io === 'socket' ? 'packet' : 'xdp';
  const io = (n6.io ?? dflt) as N6Io;
  if (!N6_IO.includes(io)) throw new UpfConfigError('n6.io', `one of ${N6_IO.join(', ')}`);
  if (io !== 'raw' && !hop.nextHopMac) throw new UpfConfigError('n6.nextHopMac', `the next hop's MAC is needed with n6.io: ${io} (no neighbour lookup on that path)`);
  if (io === 'xdp' && n3io === 'socket') throw new UpfConfigError('n6.io', 'xdp shares the N3 AF_XDP UMEM: needs n3.io xdp, xdp-native or xdp-generic');
  return { io, ...hop };
}

function n3io(n3: Record<string, unknown> | undefined): { io: 'socket' | XdpMode; interface?: string } {
  const io = (n3?.io ?? (typeof n3?.interface === 'string' && n3.interface ? 'xdp' : 'socket')) as (typeof IO)[number];
  if (!IO.includes(io)) throw new UpfConfigError('n3.io', `one of ${IO.join(', ')}`);
  const ifname = n3?.interface;
  if (io !== 'socket' && (typeof ifname !== 'string' || !ifname || ifname.length > 15)) throw new UpfConfigError('n3.interface', `the N3 interface name (1..15 chars) is needed with io: ${io}`);
  return io === 'socket' ? { io } : { io, interface: ifname as string };
}

function applications(v: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (v === undefined || v === null) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw new UpfConfigError('applications', 'a mapping of Application ID -> list of flow descriptions');
  for (const [id, flows] of Object.entries(v)) {
    const field = `applications.${id}`;
    if (!Array.isArray(flows) || flows.length === 0 || flows.some((f) => typeof f !== 'string')) throw new UpfConfigError(field, 'a non-empty list of flow descriptions');
    for (const f of flows as string[]) {
      try {
        parseFlowDescription(f);
      } catch (e) {
        if (e instanceof SdfParseError) throw new UpfConfigError(field, `${JSON.stringify(f)}: ${e.message}`);
        throw e;
      }
    }
    out.set(id, flows as string[]);
  }
  return out;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ip(v: unknown, field: string): string {
  if (typeof v !== 'string' || !IPV4.test(v) || v.split('.').some((p) => Number(p) > 255)) throw new UpfConfigError(field, `expected an IPv4 address, got ${JSON.stringify(v)}`);
  return v;
}
function int(v: unknown, field: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new UpfConfigError(field, `expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return v;
}

export function parseConfig(doc: unknown): UpfConfig {
  if (!doc || typeof doc !== 'object') throw new UpfConfigError('(root)', 'expected a mapping');
  const d = doc as Record<string, any>;
  const known = new Set(['nodeId', 'pfcp', 'n3', 'n6', 'netns', 'classifier', 'maxSessions', 'maxRules', 'buffer', 'metrics', 'teidBase', 'applications']);
  for (const k of Object.keys(d)) if (!known.has(k)) throw new UpfConfigError(k, 'unknown field');
  const classifier = d.classifier ?? 'ps';
  if (!KIND_NAMES.includes(classifier)) throw new UpfConfigError('classifier', `one of ${KIND_NAMES.join(', ')}`);
  if (typeof d.n6?.interface !== 'string' || !d.n6.interface || d.n6.interface.length > 15) throw new UpfConfigError('n6.interface', 'an interface name (1..15 chars)');
  if (typeof d.nodeId !== 'string' || !d.nodeId) throw new UpfConfigError('nodeId', 'an IPv4 address or FQDN');
  const n3 = { address: ip(d.n3?.address, 'n3.address'), port: int(d.n3?.port, 'n3.port', 0, 65535, 2152), ...n3io(d.n3) };
  return {
    nodeId: d.nodeId,
    pfcp: { address: ip(d.pfcp?.address ?? '0.0.0.0', 'pfcp.address'), port: int(d.pfcp?.port, 'pfcp.port', 0, 65535, 8805) },
    n3,
    n6: { interface: d.n6.interface, ...n6io(d.n6, n3.io) },
    netns: typeof d.netns === 'string' ? d.netns : '',
    classifier,
    maxSessions: int(d.maxSessions, 'maxSessions', 1, 1 << 22, 1024),
    maxRules: int(d.maxRules, 'maxRules', 1, (1 << 20) - 1, 65536),
    buffer: { poolPackets: int(d.buffer?.poolPackets, 'buffer.poolPackets', 0, 1 << 20, 4096), perSessionPackets: int(d.buffer?.perSessionPackets, 'buffer.perSessionPackets', 1, 65535, 64) },
    metrics: d.metrics === null || d.metrics === false ? null : { port: int(d.metrics?.port, 'metrics.port', 0, 65535, 9090), host: d.metrics?.host ?? '127.0.0.1' },
    teidBase: int(d.teidBase, 'teidBase', 1, 0xffffffff, 0x1000),
    applications: applications(d.applications),
  };
}

export function loadConfig(path: string): UpfConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UpfConfigError('(file)', `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseConfig(parse(text));
}

export function kindOf(name: KindName): number {
  return { oracle: Kind.ORACLE, ll: Kind.LL, 'll-fullscan': Kind.LL_FULLSCAN, tss: Kind.TSS, pstss: Kind.PSTSS, ps: Kind.PS }[name];
}
