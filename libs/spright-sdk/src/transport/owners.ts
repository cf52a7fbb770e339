// Moving an object's ownership as its descriptor leaves (see DescriptorTransport.send).
import { DoubleFreeError, StaleObjectError, type ObjectRef } from '@fastpath/shm';
import type { ObjectOwners } from './types.ts';

/** Makes `owner` the object's owner. A reference that is no longer live (freed or reallocated:
 *  reclaimed with a dead holder) has nothing to hand over; its descriptor is harmless, since
 *  receivers drop stale references, so it still goes out. */
export function handOver(owners: ObjectOwners, ref: ObjectRef, owner: number): void {
  try {
    owners.setOwner(ref, owner);
  } catch (err) {
    if (!(err instanceof StaleObjectError || err instanceof DoubleFreeError)) throw err;
  }
}
