// Parking (2) detect: finds a vehicle (bright region) in the snapshot, derives its plate from the
// region's pixels, and spends the VGG-16 service time of the dissertation (435 ms of CPU,
// PARKING_DETECT_MS) on real work. Keeps who is parked where:
//   new vehicle -> search (Chain-1); same vehicle still there or vehicle left -> charge (Chain-2).
import { createHash } from 'node:crypto';
import { defineFunction } from '@fastpath/spright-sdk';
import { burnCpu } from '../cpu.ts';
import { HEADER } from './snapshot.ts';

const serviceMs = Number(process.env.PARKING_DETECT_MS ?? 435);
const parked = new Map<number, { plate: string; since: number }>();

export default defineFunction({
  name: 'detect',
  handle(ctx) {
    const b = ctx.body;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const spot = v.getUint16(8, true);
    const w = v.getUint16(10, true);
    const h = v.getUint16(12, true);
    const px = b.subarray(HEADER, HEADER + w * h);
    // Bounding box of bright pixels (threshold 128).
    let x0 = w, y0 = h, x1 = -1, y1 = -1, n = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (px[y * w + x] > 128) {
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    const occupied = n > (w * h) / 10;
    let plate: string | null = null;
    if (occupied) {
      const hash = createHash('sha1');
      for (let y = y0; y <= y1; y++) hash.update(px.subarray(y * w + x0, y * w + x1 + 1));
      const d = hash.digest();
      plate = `${String.fromCharCode(65 + (d[0] % 26), 65 + (d[1] % 26), 65 + (d[2] % 26))}${(d.readUInt16LE(3) % 9000) + 1000}`;
    }
    burnCpu(serviceMs, px.subarray(0, 64));
    const now = Number(ctx.headers['x-ts'] ?? Date.now());
    const prev = parked.get(spot);
    if (!occupied) {
      if (!prev) return ctx.respond(200, {}, { spot, occupied: false, chain: 'detect-only' });
      parked.delete(spot);
      ctx.setBody({ spot, plate: prev.plate, since: prev.since, now, event: 'leave' });
      return ctx.next('known');
    }
    if (prev && prev.plate === plate) {
      ctx.setBody({ spot, plate, since: prev.since, now, event: 'stay' });
      return ctx.next('known');
    }
    parked.set(spot, { plate: plate!, since: now });
    ctx.setBody({ spot, plate, since: now, now, event: 'arrive' });
    ctx.next();
  },
});
