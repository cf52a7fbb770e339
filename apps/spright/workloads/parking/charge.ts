// Parking (4) charge: fee for the stay so far (PARKING_RATE cents per started 15 minutes; a
// departure settles the stay), answered to the camera.
import { defineFunction } from '@fastpath/spright-sdk';

const rate = Number(process.env.PARKING_RATE ?? 150);

export default defineFunction({
  name: 'charge',
  handle(ctx) {
    const o = ctx.json<{ spot: number; plate: string; since: number; now: number; event: string; persisted?: boolean }>();
    const minutes = Math.max(0, (o.now - o.since) / 60_000);
    const feeCents = Math.max(1, Math.ceil(minutes / 15)) * rate;
    ctx.respond(200, {}, { spot: o.spot, plate: o.plate, event: o.event, feeCents, settled: o.event === 'leave', chain: o.event === 'arrive' ? 'chain-1' : 'chain-2', newPlate: o.persisted === true });
  },
});
