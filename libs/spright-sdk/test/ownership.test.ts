// The hand-off protocol that keeps a kill -9 from losing a request (issue #6): a receiver acts on
// an object only once it owns it, and the sender hands it over only after the send. A sender
// killed in between leaves the object its own: the agent reclaims it and the receiver drops the
// now stale descriptor instead of racing that free.
import { describe, expect, it } from 'vitest';
import type { Descriptor, ObjectRef } from '@fastpath/shm';
import { OwnershipGate } from '../src/transport/owners.ts';

const ME = 7;
const SENDER = 3;

function setup() {
  const owners = new Map<number, number>(); // offset -> owner (absent = not a live allocation)
  const pool = { ownerOf: (r: ObjectRef) => owners.get(r.offset) ?? 0 };
  const owned: number[] = [];
  const stale: number[] = [];
  const gate = new OwnershipGate(pool, ME, (d) => owned.push(d.offset), (d) => stale.push(d.offset));
  const d = (offset: number): Descriptor => ({ instance: ME, chain: 1, flags: 0, topic: 0, offset, generation: 1 });
  return { owners, gate, owned, stale, d };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('OwnershipGate', () => {
  it('hands over at once an object that is already ours; drops a stale one', () => {
    const { owners, gate, owned, stale, d } = setup();
    owners.set(64, ME);
    gate.offer(d(64));
    gate.offer(d(128));
    expect(owned).toEqual([64]);
    expect(stale).toEqual([128]);
    expect(gate.waiting).toBe(0);
  });

  it('waits for a sender that has sent but not yet handed the object over', async () => {
    const { owners, gate, owned, stale, d } = setup();
    owners.set(64, SENDER);
    gate.offer(d(64));
    expect(owned).toEqual([]);
    expect(gate.waiting).toBe(1);
    owners.set(64, ME); // the sender's setOwner right after its send
    await turn();
    expect(owned).toEqual([64]);
    expect(stale).toEqual([]);
  });

  it('drops it when the sender was killed before the hand-over and the agent reclaimed the object', async () => {
    const { owners, gate, owned, stale, d } = setup();
    owners.set(64, SENDER);
    gate.offer(d(64));
    await turn();
    expect(gate.waiting).toBe(1); // still the (dead) sender's: not ours to read
    owners.delete(64); // reclaim(SENDER)
    await new Promise((r) => setTimeout(r, 20));
    expect(owned).toEqual([]);
    expect(stale).toEqual([64]);
    expect(gate.waiting).toBe(0);
  });
});
