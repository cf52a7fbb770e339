// upf.yaml I/O fields: n3.io / n6.io defaults and the combinations that are refused.
import { describe, expect, it } from 'vitest';
import { parseConfig, UpfConfigError } from '../src/config.ts';

const base = { nodeId: '10.0.0.2', n3: { address: '10.0.0.2' }, n6: { interface: 'eth1' } };
const MAC = '02:00:00:00:00:01';

describe('upf.yaml n3.io / n6.io', () => {
  it('defaults: sockets without interfaces; AF_XDP in and out once the N3 interface and the N6 next hop are named', () => {
    expect(parseConfig(base).n3.io).toBe('socket');
    expect(parseConfig(base).n6).toEqual({ interface: 'eth1', io: 'raw' });
    expect(parseConfig({ ...base, n6: { interface: 'eth1', nextHopMac: MAC } }).n6).toEqual({ interface: 'eth1', io: 'packet', nextHopMac: MAC });
    const fast = parseConfig({ ...base, n3: { address: '10.0.0.2', interface: 'n3' }, n6: { interface: 'eth1', nextHopMac: MAC } });
    expect(fast.n3).toEqual({ address: '10.0.0.2', port: 2152, io: 'xdp', interface: 'n3' });
    expect(fast.n6).toEqual({ interface: 'eth1', io: 'xdp', nextHopMac: MAC });
    // explicit choices win over the defaults
    expect(parseConfig({ ...base, n3: { address: '10.0.0.2', io: 'socket', interface: 'n3' } }).n3.io).toBe('socket');
    expect(parseConfig({ ...base, n3: { address: '10.0.0.2', interface: 'n3' }, n6: { interface: 'eth1', io: 'packet', nextHopMac: MAC } }).n6.io).toBe('packet');
    expect(parseConfig({ ...base, n3: { address: '10.0.0.2', interface: 'n3' }, n6: { interface: 'eth1', io: 'raw' } }).n6.io).toBe('raw');
  });

  it('refuses bad values and impossible combinations, naming the field', () => {
    const cases: [object, RegExp][] = [
      [{ ...base, n6: { interface: 'eth1', io: 'dpdk' } }, /n6\.io: one of raw, packet, xdp/],
      [{ ...base, n6: { interface: 'eth1', io: 7 } }, /n6\.io: one of/],
      [{ ...base, n6: { interface: 'eth1', io: 'packet' } }, /n6\.nextHopMac: the next hop's MAC is needed/],
      [{ ...base, n6: { interface: 'eth1', io: 'xdp' } }, /n6\.nextHopMac/],
      [{ ...base, n6: { interface: 'eth1', io: 'xdp', nextHopMac: MAC } }, /n6\.io: xdp shares the N3 AF_XDP UMEM/],
      [{ ...base, n3: { address: '10.0.0.2', io: 'xdp' } }, /n3\.interface/],
      [{ ...base, n3: { address: '10.0.0.2', io: 'af_xdp', interface: 'n3' } }, /n3\.io: one of/],
      [{ ...base, n6: { interface: 'eth1', nextHopMac: 'zz' } }, /n6\.nextHopMac: a MAC address/],
    ];
    for (const [doc, re] of cases) {
      expect(() => parseConfig(doc)).toThrow(UpfConfigError);
      expect(() => parseConfig(doc)).toThrow(re);
    }
  });
});
