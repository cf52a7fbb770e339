// IoT motion detection, function 2: the actuator. Turns a room's light on when motion starts and
// off once the room saw no motion for LIGHT_OFF_AFTER_MS (checked on each event, as the
// dissertation's "turned off after a period of no activity"); 1 ms service time.
import { defineFunction } from '@fastpath/spright-sdk';
import { burnCpu } from '../cpu.ts';

const serviceMs = Number(process.env.MOTION_SERVICE_MS ?? 1);
const offAfter = Number(process.env.LIGHT_OFF_AFTER_MS ?? 60_000);
const lights = new Map<string, boolean>();

export default defineFunction({
  name: 'actuator',
  handle(ctx) {
    const e = ctx.json<{ sensor: string; room: string; state: string; ts: number; lastOn: number | null }>();
    burnCpu(serviceMs, e.room);
    const was = lights.get(e.room) ?? false;
    const on = e.state === 'on' || (e.lastOn !== null && e.ts - e.lastOn < offAfter);
    lights.set(e.room, on);
    ctx.respond(200, {}, { room: e.room, light: on ? 'on' : 'off', changed: on !== was });
  },
});
