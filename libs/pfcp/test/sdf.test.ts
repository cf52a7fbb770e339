import { describe, expect, it } from 'vitest';
import { formatFlowDescription, parseFlowDescription, SdfParseError } from '../src/index.ts';

describe('IPFilterRule flow descriptions -> ranges', () => {
  it('parses prefixes, port ranges and protocols', () => {
    expect(parseFlowDescription('permit out 17 from 192.168.0.0/16 1000-2000 to assigned')).toEqual({
      action: 'permit', direction: 'out', proto: [17, 17],
      from: { addr: [0xc0a80000, 0xc0a8ffff], ports: [[1000, 2000]] },
      to: { addr: 'assigned', ports: [[0, 65535]] },
    });
    expect(parseFlowDescription('permit out ip from any to 10.60.0.1 80,443')).toMatchObject({
      proto: [0, 255], from: { addr: [0, 0xffffffff] }, to: { addr: [0x0a3c0001, 0x0a3c0001], ports: [[80, 80], [443, 443]] },
    });
    expect(parseFlowDescription('permit out icmp from 1.2.3.4/0 to any').proto).toEqual([1, 1]);
    expect(parseFlowDescription('permit out ip from 10.1.2.3/8 to any').from.addr).toEqual([0x0a000000, 0x0affffff]);
  });

  it('formats back to canonical text', () => {
    for (const s of ['permit out 17 from 192.168.0.0/16 1000-2000 to assigned', 'permit out ip from any to 10.60.0.1 80,443', 'deny in 6 from 10.0.0.0/8 to any 22']) {
      expect(formatFlowDescription(parseFlowDescription(s))).toBe(s);
    }
  });

  it('rejects what it cannot represent with SdfParseError', () => {
    for (const bad of ['', 'allow out ip from any to any', 'permit up ip from any to any', 'permit out foo from any to any', 'permit out ip from any', 'permit out ip from 1.2.3.4/33 to any',
      'permit out ip from 1.2.3 to any', 'permit out ip from any to any 70000', 'permit out ip from any to any 90-80', 'permit out ip from 2001:db8::/32 to any', 'permit out ip from any to any frag']) {
      expect(() => parseFlowDescription(bad), bad).toThrow(SdfParseError);
    }
  });
});
