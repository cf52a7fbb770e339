import { describe, expect, it } from 'vitest';
import { Router, RouteError } from '../src/routing.ts';
import { instanceId, matchSequence, type ChainTopology } from '../src/topology.ts';

const topo: ChainTopology = {
  chain: 't',
  chainId: 7,
  transport: 'h',
  region: 'r',
  key: '00',
  pool: 'objects',
  objectSize: 1024,
  ringSlots: 16,
  gateway: { id: instanceId(7, 1), fn: 'gateway', ring: 'rx-1' },
  functions: [
    { name: 'a', concurrency: 1, instances: [{ id: instanceId(7, 2), fn: 'a', ring: 'rx-2' }] },
    { name: 'b', concurrency: 1, instances: [2, 3, 4].map((i) => ({ id: instanceId(7, i + 1), fn: 'b', ring: `rx-${i + 1}` })) },
    { name: 'c', concurrency: 1, instances: [{ id: instanceId(7, 6), fn: 'c', ring: 'rx-6' }] },
  ],
  sequences: [{ functions: ['a', 'b', 'c'] }, { path: '/fast', method: 'GET', functions: ['a', 'c'] }],
  topicIds: { skip: 1 },
  topicRoutes: { 'a/1': 'c' },
};

describe('router (userspace DFR table)', () => {
  it('follows sequences and ends them', () => {
    const r = new Router(topo);
    expect(r.head(0)).toBe('a');
    expect(r.bySequence(0, 'a')).toBe('b');
    expect(r.bySequence(0, 'c')).toBeUndefined();
    expect(r.bySequence(1, 'a')).toBe('c');
    expect(r.bySequence(99, 'a')).toBe('b');
  });

  it('routes by (function, topic) and names unknown topics', () => {
    const r = new Router(topo);
    expect(r.byTopic('a', 'skip')).toBe('c');
    expect(() => r.byTopic('a', 'nope')).toThrow(RouteError);
    expect(() => r.byTopic('b', 'skip')).toThrow(/no route for \(b, skip\)/);
    expect(() => r.candidates('zz')).toThrow(/no function "zz"/);
  });

  it('round-robins over live instances only', () => {
    const r = new Router(topo);
    const firsts = [0, 1, 2, 3].map(() => r.candidates('b')[0].id & 0xffff);
    expect(firsts).toEqual([3, 4, 5, 3]);
    r.markDown(instanceId(7, 4));
    expect(r.candidates('b').map((i) => i.id & 0xffff).sort()).toEqual([3, 5]);
    r.markUp(instanceId(7, 4));
    expect(r.candidates('b')).toHaveLength(3);
  });

  it('matches request sequences by path prefix and method', () => {
    expect(matchSequence(topo, 'GET', '/fast')).toBe(1);
    expect(matchSequence(topo, 'GET', '/fast/x')).toBe(1);
    expect(matchSequence(topo, 'GET', '/faster')).toBe(0);
    expect(matchSequence(topo, 'POST', '/fast')).toBe(0);
  });

  it('keeps instance ids unsigned for high chain ids', () => {
    expect(instanceId(0xffff, 1)).toBe(0xffff0001);
  });
});
