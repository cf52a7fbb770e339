// Motion-event trace generator in the shape of the MERL motion detector data the dissertation
// replays: people walk past sensors, so events come in bursts (a few sensors firing within
// about a second), bursts a few seconds apart while someone is around, and long idle gaps
// (minutes) when nobody is. Seeded, so a trace is reproducible; `compress` divides all gaps.
import { mulberry32 } from '../boutique/users.ts';

export interface MotionEvent {
  /** ms from the trace start. */
  t: number;
  sensor: string;
  room: string;
  state: 'on' | 'off';
}

export interface TraceOptions {
  durationS: number;
  seed?: number;
  /** Divide every time gap (a 60-minute day segment replayed in 10 minutes: compress 6). */
  compress?: number;
  rooms?: number;
  sensorsPerRoom?: number;
}

export function motionTrace(o: TraceOptions): MotionEvent[] {
  const rng = mulberry32(o.seed ?? 42);
  const rooms = o.rooms ?? 4;
  const per = o.sensorsPerRoom ?? 3;
  const c = o.compress ?? 1;
  const end = o.durationS * 1000;
  const out: MotionEvent[] = [];
  const exp = (mean: number) => -Math.log(1 - rng()) * mean;
  let t = exp(20_000) / c;
  while (t < end) {
    // An activity period: someone around for ~1 minute, bursts every few seconds.
    const activeUntil = t + (20_000 + exp(60_000)) / c;
    const room = Math.floor(rng() * rooms);
    while (t < activeUntil && t < end) {
      const n = 1 + Math.floor(rng() * per);
      let bt = t;
      for (let i = 0; i < n && bt < end; i++) {
        out.push({ t: Math.round(bt), sensor: `r${room}s${Math.floor(rng() * per)}`, room: `room${room}`, state: 'on' });
        bt += (50 + rng() * 700) / c;
      }
      out.push({ t: Math.round(bt), sensor: `r${room}s0`, room: `room${room}`, state: 'off' });
      t = bt + (2000 + exp(4000)) / c;
    }
    // Nobody around: a long idle gap.
    t += (60_000 + exp(180_000)) / c;
  }
  return out.filter((e) => e.t < end);
}
