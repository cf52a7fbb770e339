// IoT motion detection (Fig. 5.9 b), function 1: the sensor function. Validates a motion event
// ({sensor, room, state: 'on'|'off', ts}), keeps the last activity time per room, burns its 1 ms
// service time (MOTION_SERVICE_MS) and hands the event to the actuator.
import { defineFunction } from '@fastpath/spright-sdk';
import { burnCpu } from '../cpu.ts';

const serviceMs = Number(process.env.MOTION_SERVICE_MS ?? 1);
const lastOn = new Map<string, number>();

export default defineFunction({
  name: 'sensor',
  handle(ctx) {
    const e = ctx.json<{ sensor: string; room: string; state: string; ts: number }>();
    if (typeof e.sensor !== 'string' || typeof e.room !== 'string' || (e.state !== 'on' && e.state !== 'off') || !Number.isFinite(e.ts)) {
      return ctx.respond(400, {}, { error: 'event must be {sensor, room, state: on|off, ts}' });
    }
    burnCpu(serviceMs, e.sensor);
    if (e.state === 'on') lastOn.set(e.room, e.ts);
    ctx.setBody({ ...e, lastOn: lastOn.get(e.room) ?? null });
    ctx.next();
  },
});
