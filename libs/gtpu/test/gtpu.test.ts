import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeGtpu, encodeGtpu, fieldValues, GTPU_PORT, GtpuDecodeError, GtpuEncodeError, GtpuType, icmpPacket, parseIpv4, parseUdp,
  tsharkDecode, udpPacket, udpPackets, writePcap, type GtpuMessage,
} from '../src/index.ts';

const inner = udpPacket('10.60.0.1', '10.70.0.1', 40000, 5001, Buffer.alloc(40, 0xab));
const samples: GtpuMessage[] = [
  { type: GtpuType.GPdu, teid: 0x1000, payload: inner },
  { type: GtpuType.GPdu, teid: 0x1001, payload: inner, extensions: [{ kind: 'pdu-session', direction: 'ul', qfi: 9 }] },
  { type: GtpuType.GPdu, teid: 0x1002, sequence: 77, payload: icmpPacket('10.70.0.1', '10.60.0.1', 0, 1, 1, Buffer.from('ping')), extensions: [{ kind: 'pdu-session', direction: 'dl', qfi: 5, rqi: true, ppp: false }] },
  { type: GtpuType.GPdu, teid: 0x1003, sequence: 1, npdu: 3, payload: inner, extensions: [{ kind: 'udp-port', port: 2152 }, { kind: 'pdu-session', direction: 'ul', qfi: 1 }] },
  { type: GtpuType.EchoRequest, sequence: 1 },
  { type: GtpuType.EchoResponse, sequence: 1, recovery: 0 },
  { type: GtpuType.ErrorIndication, sequence: 2, teidDataI: 0xdeadbeef, peerAddress: '10.200.0.1' },
  { type: GtpuType.EndMarker, teid: 0x1000 },
];

describe('GTP-U codec', () => {
  for (const m of samples) {
    it(`round trip: type ${m.type}${m.extensions ? ' with ' + m.extensions.map((e) => e.kind).join('+') : ''}`, () => {
      expect(decodeGtpu(encodeGtpu(m))).toEqual(m);
    });
  }

  it('golden: G-PDU with a UL PDU Session Container (hand-checked against TS 29.281 / 38.415)', () => {
    const b = encodeGtpu({ type: GtpuType.GPdu, teid: 1, payload: Buffer.of(0x45), extensions: [{ kind: 'pdu-session', direction: 'ul', qfi: 9 }] });
    // 0x34 = v1, PT, E; type 255; length 9 = 4 optional + 4 extension + 1 payload; TEID 1; seq 0, N-PDU 0, next 0x85;
    // extension: length 1 word, PDU type 1 (UL) << 4, QFI 9, next 0.
    expect(b.toString('hex')).toBe('34ff000900000001' + '00000085' + '01100900' + '45');
  });

  it('golden: Echo Request carries a sequence number', () => {
    expect(encodeGtpu({ type: GtpuType.EchoRequest, sequence: 0x1234 }).toString('hex')).toBe('3201000400000000' + '12340000');
  });

  it('bad input -> typed GtpuDecodeError', () => {
    const good = encodeGtpu(samples[1]);
    for (let n = 0; n < good.length - inner.length; n++) expect(() => decodeGtpu(good.subarray(0, n)), `truncated to ${n}`).toThrow(GtpuDecodeError);
    const v2 = Buffer.from(good);
    v2[0] = 0x54;
    expect(() => decodeGtpu(v2)).toThrow(/version 2/);
    const gtpPrime = Buffer.from(good);
    gtpPrime[0] &= ~0x10;
    expect(() => decodeGtpu(gtpPrime)).toThrow(/PT flag/);
    const badExt = Buffer.from(good);
    badExt[12] = 0;
    expect(() => decodeGtpu(badExt)).toThrow(/length 0/);
    const unknown = Buffer.from(encodeGtpu(samples[4]));
    unknown[1] = 99;
    expect(() => decodeGtpu(unknown)).toThrow(/unknown message type 99/);
    expect(() => encodeGtpu({ type: GtpuType.GPdu, teid: 1, payload: inner, extensions: [{ kind: 'pdu-session', direction: 'ul', qfi: 64 }] })).toThrow(GtpuEncodeError);
  });

  it('IPv4/UDP helpers round trip', () => {
    const ip = parseIpv4(inner);
    expect(ip).toMatchObject({ src: '10.60.0.1', dst: '10.70.0.1', proto: 17 });
    expect(parseUdp(ip.payload)).toMatchObject({ sport: 40000, dport: 5001 });
  });
});

describe('tshark decodes every GTP-U message we emit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gtpu-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gtpu.pcap');
  writePcap(file, udpPackets(samples.map(encodeGtpu), GTPU_PORT));
  // Checksum validation on, so the inner and outer IP/UDP/ICMP checksums we compute are checked too.
  const pkts = tsharkDecode(file, ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']);

  it('no malformed packets or warnings, right type and TEID', () => {
    expect(pkts).toHaveLength(samples.length);
    pkts.forEach((p, i) => {
      expect(p.problems, `packet ${i}`).toEqual([]);
      expect(fieldValues(p.layers.gtp, 'gtp.message').map(Number)).toEqual([samples[i].type]);
      const teid = 'teid' in samples[i] ? (samples[i] as { teid: number }).teid : 0;
      expect(fieldValues(p.layers.gtp, 'gtp.teid').map(Number)).toEqual([teid]);
    });
  });

  it('reads QFI, PDU type, sequence and the inner packet', () => {
    const ul = pkts[1].layers;
    expect(fieldValues(ul.gtp, 'gtp.ext_hdr.pdu_ses_con.qos_flow_id').map(Number)).toEqual([9]);
    expect(fieldValues(ul.gtp, 'gtp.ext_hdr.pdu_ses_con.pdu_type').map(Number)).toEqual([1]);
    expect(fieldValues(pkts[2].layers.gtp, 'gtp.seq_number').map(Number)).toEqual([77]);
    expect(fieldValues(pkts[2].layers.gtp, 'gtp.ext_hdr.pdu_ses_con.qos_flow_id').map(Number)).toEqual([5]);
    // The inner packet is dissected as a second IP layer.
    expect(fieldValues(pkts[0].layers, 'ip.src')).toEqual(['10.0.0.1', '10.60.0.1']);
    expect(fieldValues(pkts[2].layers, 'icmp.type')).toEqual(['0']);
    expect(fieldValues(pkts[6].layers.gtp, 'gtp.tei').concat(fieldValues(pkts[6].layers.gtp, 'gtp.teid_data')).length).toBeGreaterThan(0);
  });
});
