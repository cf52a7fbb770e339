// PFCP PDR -> classifier rules (the README's key layout), and config validation.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dim, DIM_MAX } from '@fastpath/pdrcls';
import { Cause, IeType, Interface, ipv4ToInt } from '@fastpath/pfcp';
import { workspaceRoot } from '@fastpath/native';
import { classifierId, pdrIdOf, pdrToRules, RuleError } from '../src/translate.ts';
import { parseConfig, UpfConfigError } from '../src/config.ts';

const UE = ipv4ToInt('10.60.0.1');
const APPS = new Map([['dns', ['permit out 17 from any 53 to assigned', 'permit out 6 from any 53 to assigned']]]);
const range = (r: { lo: number[]; hi: number[] }, d: number) => [r.lo[d], r.hi[d]];

describe('PDR -> classifier rules', () => {
  it('uplink PDR: source interface, TEID, UE IP, QFI; flow description swapped (UE is the source)', () => {
    const [r, ...rest] = pdrToRules(
      { pdrId: 3, precedence: 7, farId: 1, pdi: { sourceInterface: Interface.Access, localFTeid: { choose: {} }, ueIpAddress: { ipv4: '10.60.0.1' }, qfis: [9], sdfFilters: [{ flowDescription: 'permit out 17 from 192.168.0.0/16 1000-2000 to assigned 53' }] } },
      { teid: 0x1234, ueIp4: UE, cookie: 42n },
    );
    expect(rest).toEqual([]);
    expect(r.pdrId).toBe(classifierId(3, 0));
    expect(pdrIdOf(r.pdrId)).toBe(3);
    expect(r.precedence).toBe(7);
    expect(r.cookie).toBe(42n);
    expect(range(r, Dim.SRC_IFACE)).toEqual([0, 0]);
    expect(range(r, Dim.TEID)).toEqual([0x1234, 0x1234]);
    expect(range(r, Dim.UE_IP4)).toEqual([UE, UE]);
    expect(range(r, Dim.QFI)).toEqual([9, 9]);
    expect(range(r, Dim.PROTO)).toEqual([17, 17]);
    expect(range(r, Dim.SRC_IP4)).toEqual([UE, UE]); // "to assigned" is the uplink source
    expect(range(r, Dim.SRC_PORT)).toEqual([53, 53]);
    expect(range(r, Dim.DST_IP4)).toEqual([0xc0a80000, 0xc0a8ffff]);
    expect(range(r, Dim.DST_PORT)).toEqual([1000, 2000]);
    expect(range(r, Dim.TOS)).toEqual([0, DIM_MAX[Dim.TOS]]);
  });

  it('downlink PDR keeps from/to; port lists and several filters expand into sub-rules; ToS prefix', () => {
    const rules = pdrToRules(
      { pdrId: 2, precedence: 1, farId: 2, pdi: { sourceInterface: Interface.Core, ueIpAddress: { ipv4: '10.60.0.1' }, sdfFilters: [{ flowDescription: 'permit out 6 from 1.2.3.4 80,443 to assigned' }, { flowDescription: 'permit out ip from any to assigned', tosTrafficClass: 0xb8fc }] } },
      { ueIp4: UE, cookie: 1n },
    );
    expect(rules.map((r) => r.pdrId)).toEqual([classifierId(2, 0), classifierId(2, 1), classifierId(2, 2)]);
    expect(rules.map((r) => range(r, Dim.SRC_PORT))).toEqual([[80, 80], [443, 443], [0, 65535]]);
    expect(range(rules[0], Dim.SRC_IP4)).toEqual([0x01020304, 0x01020304]);
    expect(range(rules[0], Dim.DST_IP4)).toEqual([UE, UE]);
    expect(range(rules[0], Dim.TEID)).toEqual([0, DIM_MAX[Dim.TEID]]);
    expect(range(rules[2], Dim.TOS)).toEqual([0xb8, 0xbb]);
    expect(range(rules[2], Dim.PROTO)).toEqual([0, 255]);
  });

  it('several QFIs are an OR: one sub-rule per QFI (times the SDF expansion)', () => {
    const rules = pdrToRules(
      { pdrId: 4, precedence: 1, farId: 1, pdi: { sourceInterface: Interface.Access, localFTeid: { choose: {} }, qfis: [5, 9], sdfFilters: [{ flowDescription: 'permit out 17 from any 53,5353 to assigned' }] } },
      { teid: 7, ueIp4: UE, cookie: 0n },
    );
    expect(rules.map((r) => [range(r, Dim.QFI)[0], range(r, Dim.DST_PORT)[0]])).toEqual([[5, 53], [5, 5353], [9, 53], [9, 5353]]);
    expect(rules.map((r) => r.pdrId)).toEqual([0, 1, 2, 3].map((i) => classifierId(4, i)));
  });

  it('Application ID: the configured flow descriptions, ANDed with the PDR\'s own SDF filters', () => {
    const [dns, dnsTcp, ...rest] = pdrToRules({ pdrId: 6, precedence: 1, farId: 1, pdi: { sourceInterface: Interface.Core, ueIpAddress: { ipv4: '10.60.0.1' }, applicationId: 'dns' } }, { ueIp4: UE, cookie: 0n, applications: APPS });
    expect(rest).toEqual([]);
    expect([range(dns, Dim.PROTO), range(dns, Dim.SRC_PORT), range(dns, Dim.DST_IP4)]).toEqual([[17, 17], [53, 53], [UE, UE]]);
    expect(range(dnsTcp, Dim.PROTO)).toEqual([6, 6]);
    // SDF "from 8.8.8.0/24" AND the application's "from any 53": both dimensions narrowed
    const both = pdrToRules(
      { pdrId: 7, precedence: 1, farId: 1, pdi: { sourceInterface: Interface.Core, applicationId: 'dns', sdfFilters: [{ flowDescription: 'permit out 17 from 8.8.8.0/24 to any' }] } },
      { ueIp4: UE, cookie: 0n, applications: APPS },
    );
    expect(both).toHaveLength(1); // the TCP flow of the application never meets a UDP filter
    expect([range(both[0], Dim.SRC_IP4), range(both[0], Dim.SRC_PORT), range(both[0], Dim.PROTO)]).toEqual([[0x08080800, 0x080808ff], [53, 53], [17, 17]]);
  });

  it('refuses what it cannot classify with Cause 73 and the Offending IE', () => {
    const bad: [object, number][] = [
      [{ applicationId: 'web' }, IeType.ApplicationID], // not configured
      [{ applicationId: 'dns', sdfFilters: [{ flowDescription: 'permit out 6 from any to any' }] }, IeType.ApplicationID], // TCP AND UDP: empty
      [{ sdfFilters: [{ flowDescription: 'permit out ip from 2001:db8::/32 to assigned' }] }, IeType.SDFFilter],
      [{ sdfFilters: [{ spi: 5 }] }, IeType.SDFFilter],
      [{ sdfFilters: [{ flowDescription: 'permit out ip from any to any', tosTrafficClass: 0x1005 }] }, IeType.SDFFilter],
      [{ sdfFilters: [{ flowDescription: 'permit out ip from any to assigned' }] }, IeType.SDFFilter], // no UE IP known
    ];
    for (const [pdi, ie] of bad) {
      let err: unknown;
      try {
        pdrToRules({ pdrId: 1, precedence: 1, farId: 1, pdi: { sourceInterface: Interface.Core, ...pdi } }, { cookie: 0n, applications: APPS });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(pdi)).toBeInstanceOf(RuleError);
      expect((err as RuleError).pfcpCause).toBe(Cause.RuleCreationModificationFailure);
      expect((err as RuleError).offendingIe).toBe(ie);
    }
  });
});

describe('upf.yaml validation and the CLI', () => {
  const base = { nodeId: '10.0.0.2', n3: { address: '10.0.0.2' }, n6: { interface: 'eth1' } };

  it('fills defaults and names the bad field', () => {
    expect(parseConfig(base)).toMatchObject({ pfcp: { port: 8805 }, n3: { port: 2152 }, classifier: 'ps', metrics: { port: 9090 } });
    const cases: [object, RegExp][] = [
      [{ ...base, n3: { address: '300.0.0.1' } }, /n3\.address/],
      [{ ...base, classifier: 'hash' }, /classifier/],
      [{ ...base, n6: { interface: 'a-very-long-interface-name' } }, /n6\.interface/],
      [{ ...base, maxRules: 0 }, /maxRules/],
      [{ ...base, colour: 'blue' }, /colour: unknown field/],
      [{ n3: { address: '1.2.3.4' }, n6: { interface: 'x' } }, /nodeId/],
      [{ ...base, applications: ['dns'] }, /applications: a mapping/],
      [{ ...base, n3: { address: '10.0.0.2', io: 'dpdk' } }, /n3\.io: one of socket, xdp/],
      [{ ...base, n6: { interface: 'eth1', nextHopMac: '02:00' } }, /n6\.nextHopMac: a MAC address/],
      [{ ...base, n3: { address: '10.0.0.2', io: 'xdp' } }, /n3\.interface: the N3 interface name/],
      [{ ...base, applications: { dns: [] } }, /applications\.dns: a non-empty list/],
      [{ ...base, applications: { dns: ['permit out 17 from any 99999 to assigned'] } }, /applications\.dns: "permit/],
    ];
    expect(parseConfig({ ...base, n3: { address: '10.0.0.2', io: 'xdp-native', interface: 'n3' } }).n3).toEqual({ address: '10.0.0.2', port: 2152, io: 'xdp-native', interface: 'n3' });
    expect(parseConfig({ ...base, applications: { dns: ['permit out 17 from any 53 to assigned'] } }).applications.get('dns')).toEqual(['permit out 17 from any 53 to assigned']);
    for (const [doc, re] of cases) {
      expect(() => parseConfig(doc)).toThrow(UpfConfigError);
      expect(() => parseConfig(doc)).toThrow(re);
    }
  });

  it('`upf --help` lists run; a bad config exits 2 with the field named', () => {
    const cli = join(workspaceRoot, 'apps/upf/src/cli.ts');
    const help = spawnSync(process.execPath, ['--import', 'tsx', cli, 'run', '--help'], { encoding: 'utf8', cwd: workspaceRoot });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--config <file>/);
    const dir = mkdtempSync(join(tmpdir(), 'upf-cfg-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'nodeId: 1.2.3.4\nn3: { address: 1.2.3.4 }\nn6: { interface: x }\npfcp: { port: 99999 }\n');
      const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'run', '--config', join(dir, 'bad.yaml')], { encoding: 'utf8', cwd: workspaceRoot });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/pfcp\.port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
