// S transport batching, against a recording stand-in for the credit transport (the socket path
// is covered by the multi-process chains in apps/spright): descriptors sent in one event-loop
// turn leave in one write per target at its end, ownership moves only after that write, and a
// turn that runs long (CPU-heavy handlers back to back) does not hold earlier sends past 1 ms.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CreditTransport } from '@fastpath/ebpf';
import type { Descriptor, ObjectRef } from '@fastpath/shm';
import { instanceId, type ChainTopology } from '../src/topology.ts';
import { testTopology } from './topology.ts';
import { SproxyTransport } from '../src/transport/sproxy.ts';

const CHAIN = 0x4a3;
const id = (i: number) => instanceId(CHAIN, i);
const topo = testTopology({
  chain: 'batching',
  chainId: CHAIN,
  transport: 's',
  functions: [
    { name: 'a', concurrency: 8 },
    { name: 'b', concurrency: 8 },
  ],
  sequence: ['a', 'b'],
});

function harness() {
  const writes: { target: number; n: number }[] = [];
  const handed: { offset: number; owner: number }[] = [];
  const credit = {
    socket: { destroyed: false },
    queued: 0,
    stats: { sent: 0, received: 0, creditsGranted: 0, creditsReceived: 0, queuedPeak: 0 },
    credits: () => 256,
    send: (target: number) => writes.push({ target, n: 1 }),
    sendBatch: (target: number, objects: bigint[]) => writes.push({ target, n: objects.length }),
  };
  const owners = { setOwner: (ref: ObjectRef, owner: number) => handed.push({ offset: ref.offset, owner }) };
  // The constructor is private to the module's factories (connect/fromFd), which need a socket.
  const Ctor = SproxyTransport as unknown as new (c: CreditTransport, t: ChainTopology, maxQueue: number, o: typeof owners) => SproxyTransport;
  const t = new Ctor(credit as unknown as CreditTransport, topo, 256, owners);
  const d = (instance: number, offset: number): Descriptor => ({ instance, chain: CHAIN, flags: 0, topic: 0, offset, generation: 1 });
  return { t, d, writes, handed };
}

const endOfTurn = () => new Promise((r) => setImmediate(r));
/** A handler keeping the CPU for `ms`: the transport's clock moves, nothing else runs. */
const busy = (ms: number) => vi.advanceTimersByTime(ms);

describe('SproxyTransport batching', () => {
  // The transport's clock (performance.now) is the test's: a preemption or a GC pause between
  // two statements must not count as a long turn. The end of a turn (setImmediate) stays real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends what one turn sent in one write per target at its end, and hands objects over after it', async () => {
    const { t, d, writes, handed } = harness();
    expect(t.send(d(id(2), 64))).toBe('sent');
    expect(t.send(d(id(2), 128))).toBe('sent');
    expect(t.send(d(id(3), 192))).toBe('sent');
    expect(writes).toEqual([]);
    expect(handed).toEqual([]);
    await endOfTurn();
    expect(writes).toEqual([
      { target: id(2), n: 2 },
      { target: id(3), n: 1 },
    ]);
    expect(handed).toEqual([
      { offset: 64, owner: id(2) },
      { offset: 128, owner: id(2) },
      { offset: 192, owner: id(3) },
    ]);
    // Batches are reused across turns: the next turn starts empty.
    t.send(d(id(3), 256));
    await endOfTurn();
    expect(writes.at(-1)).toEqual({ target: id(3), n: 1 });
    expect(t.stats().writes).toBe(3);
  });

  it('does not hold a send for the rest of a long turn: the next send or handler start after 1 ms sends it', async () => {
    const { t, d, writes, handed } = harness();
    t.send(d(id(2), 64));
    t.flushHeld(); // not yet 1 ms: stays batched
    expect(writes).toEqual([]);
    busy(3); // a handler doing CPU work in the same turn
    t.flushHeld();
    expect(writes).toEqual([{ target: id(2), n: 1 }]);
    expect(handed).toEqual([{ offset: 64, owner: id(2) }]);
    t.send(d(id(2), 128));
    busy(3);
    t.send(d(id(3), 192)); // the send itself flushes what waited
    expect(writes).toEqual([
      { target: id(2), n: 1 },
      { target: id(2), n: 1 },
    ]);
    await endOfTurn();
    expect(writes.at(-1)).toEqual({ target: id(3), n: 1 });
    expect(handed.map((h) => h.offset)).toEqual([64, 128, 192]);
  });

  it('sends at once when forced (after a handler that kept the CPU), and only what is batched', async () => {
    const { t, d, writes } = harness();
    t.flushHeld(true);
    expect(writes).toEqual([]);
    t.send(d(id(2), 64));
    t.flushHeld(true);
    expect(writes).toEqual([{ target: id(2), n: 1 }]);
    await endOfTurn();
    expect(writes).toHaveLength(1);
  });

  it('refuses a descriptor for an instance outside the chain', () => {
    const { t, d } = harness();
    expect(t.send(d(instanceId(CHAIN + 1, 2), 64))).toBe('unknown-target');
  });
});
