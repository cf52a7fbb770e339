// A tiny pcap writer (LINKTYPE_RAW: each record is an IPv4 packet) and a tshark decoder, so tests can
// prove that Wireshark's dissectors read what our encoders emit.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { udpPacket } from './ip.ts';

const LINKTYPE_RAW = 101;

/** Writes IPv4 packets as a classic pcap file (microsecond timestamps, 1 ms apart). */
export function writePcap(path: string, packets: Buffer[]): void {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(LINKTYPE_RAW, 20);
  const recs = packets.map((p, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000, 0);
    h.writeUInt32LE(i * 1000, 4);
    h.writeUInt32LE(p.length, 8);
    h.writeUInt32LE(p.length, 12);
    return Buffer.concat([h, p]);
  });
  writeFileSync(path, Buffer.concat([g, ...recs]));
}

/** Wraps UDP payloads (e.g. PFCP or GTP-U messages) in IPv4/UDP between two fixed hosts. */
export function udpPackets(payloads: Buffer[], port: number): Buffer[] {
  return payloads.map((p, i) => udpPacket('10.0.0.1', '10.0.0.2', port, port, p, i));
}

export interface TsharkPacket {
  /** The "layers" object of `tshark -T json`. */
  layers: Record<string, any>;
  /** Expert-info messages at warning level or above, plus any malformed marker. */
  problems: string[];
}

/** Runs `tshark -V -T json` on a pcap and returns each packet's layers and its problems. */
export function tsharkDecode(path: string, extraArgs: string[] = []): TsharkPacket[] {
  const r = spawnSync('tshark', ['-n', '-r', path, '-V', '-T', 'json', '--no-duplicate-keys', ...extraArgs], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
  const pkts = JSON.parse(r.stdout) as { _source: { layers: Record<string, any> } }[];
  return pkts.map((p) => ({ layers: p._source.layers, problems: findProblems(p._source.layers) }));
}

function findProblems(node: unknown, out: string[] = [], key = ''): string[] {
  if (key === '_ws.malformed' || key.startsWith('_ws.malformed')) out.push(`malformed: ${JSON.stringify(node)}`);
  if (node && typeof node === 'object') {
    const o = node as Record<string, any>;
    if (key === '_ws.expert' || key.startsWith('_ws.expert')) {
      const sev = o['_ws.expert.severity'];
      // 4194304 = PI_WARN, 8388608 = PI_ERROR (epan/proto.h); notes and chats are informational.
      if (sev !== undefined && Number(sev) >= 4194304) out.push(`expert: ${o['_ws.expert.message'] ?? JSON.stringify(o)}`);
    }
    for (const [k, v] of Object.entries(o)) findProblems(v, out, k);
  }
  return out;
}

/** Every value stored under `field` anywhere in the decoded tree (tshark repeats field names inside groups). */
export function fieldValues(node: unknown, field: string, out: string[] = []): string[] {
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, any>)) {
      if (k === field) {
        if (Array.isArray(v)) out.push(...v.map(String));
        else if (typeof v !== 'object') out.push(String(v));
      }
      fieldValues(v, field, out);
    }
  }
  return out;
}
