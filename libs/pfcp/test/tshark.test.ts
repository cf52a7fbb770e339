// Proves Wireshark's PFCP dissector reads every message we emit, without malformed fields or
// warnings, and with the values we set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMessage, PFCP_PORT } from '../src/index.ts';
import { fieldValues, tsharkDecode, udpPackets, writePcap } from '@fastpath/gtpu';
import { samples } from './samples.ts';

const dir = mkdtempSync(join(tmpdir(), 'pfcp-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tshark decodes every PFCP message we emit', () => {
  const file = join(dir, 'pfcp.pcap');
  writePcap(file, udpPackets(samples.map(encodeMessage), PFCP_PORT));
  const pkts = tsharkDecode(file);

  it('one PFCP packet per message, none malformed, no warnings', () => {
    expect(pkts).toHaveLength(samples.length);
    pkts.forEach((p, i) => {
      expect(p.layers.pfcp, `packet ${i} has no pfcp layer`).toBeDefined();
      expect(p.problems, `packet ${i} (type ${samples[i].type})`).toEqual([]);
      expect(fieldValues(p.layers.pfcp, 'pfcp.msg_type')).toEqual([String(samples[i].type)]);
      expect(fieldValues(p.layers.pfcp, 'pfcp.seqno')).toEqual([String(samples[i].sequence)]);
    });
  });

  it('reads the values we set in the Session Establishment Request', () => {
    const est = pkts[samples.findIndex((s) => s.type === 50)].layers.pfcp;
    const v = (f: string) => fieldValues(est, f);
    expect(v('pfcp.seid')).toEqual(['0x0000000000000000', '0x1122334455667788']);
    expect(v('pfcp.mp')).toEqual(['3']);
    expect(v('pfcp.pdr_id')).toEqual(['1', '2']);
    expect(v('pfcp.precedence')).toEqual(['255', '255']);
    expect(v('pfcp.f_teid.choose_id').map(Number)).toEqual([7]);
    expect(v('pfcp.f_teid_flags.ch')).toEqual(['1']);
    expect(v('pfcp.ue_ip_addr_ipv4')).toEqual(['10.60.0.1', '10.60.0.1']);
    expect(v('pfcp.flow_desc')).toEqual(['permit out 17 from 192.168.0.0/16 1000-2000 to assigned']);
    expect(v('pfcp.network_instance')).toEqual(['internet', 'internet', 'internet']);
    expect(v('pfcp.outer_hdr_creation.teid')).toEqual(['0xabcdef01']);
    expect(v('pfcp.outer_hdr_creation.ipv4')).toEqual(['10.200.0.5']);
    expect(v('pfcp.apply_action.buff')).toEqual(['0', '1']);
    expect(v('pfcp.apply_action.forw')).toEqual(['1', '0']);
    expect(v('pfcp.ul_mbr')).toEqual(['100000']);
    expect(v('pfcp.dl_mbr')).toEqual(['200000']);
    expect(v('pfcp.gate_status.dlgate')).toEqual(['1']);
    expect(v('pfcp.volume_threshold.tovol')).toEqual(['1000000']);
    expect(v('pfcp.time_threshold')).toEqual(['60']);
    expect(v('pfcp.qfi_value')).toEqual(['0x09', '0x09']);
    expect(v('pfcp.bar_id')).toContain('1');
    expect(v('pfcp.application_id_str')).toEqual(['web']);
  });

  it('reads the report, usage and offending IE values', () => {
    const rep = pkts[samples.findIndex((s) => s.type === 56)].layers.pfcp;
    expect(fieldValues(rep, 'pfcp.report_type.dldr')).toEqual(['1']);
    expect(fieldValues(rep, 'pfcp.report_type.usar')).toEqual(['1']);
    expect(fieldValues(rep, 'pfcp.volume_measurement.dlvol')).toEqual(['1000000']);
    const del = pkts[samples.findIndex((s) => s.type === 55)].layers.pfcp;
    expect(fieldValues(del, 'pfcp.duration_measurement')).toEqual(['90']);
    const rej = pkts[samples.findIndex((s) => s.type === 51 && (s as any).cause === 66)].layers.pfcp;
    expect(fieldValues(rej, 'pfcp.cause')).toEqual(['66']);
    expect(fieldValues(rej, 'pfcp.offending_ie')).toEqual(['57']);
  });
});
