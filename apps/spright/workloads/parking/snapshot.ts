// Parking-spot snapshots: 64x48 8-bit grayscale (3 KB, like the ~3 KB JPEGs of CNRPark+EXT) with
// a 14-byte header. A parked vehicle is a bright textured rectangle whose texture is derived from
// the vehicle id, so the same vehicle always yields the same plate. Also the burst generator:
// every interval (240 s in the dissertation) one snapshot per spot (164 spots).
import { mulberry32 } from '../boutique/users.ts';

export const MAGIC = 'PKSNAP1\0';
export const W = 64;
export const H = 48;
export const HEADER = 14;

export function makeSnapshot(spot: number, vehicle: number | null, noiseSeed = spot): Uint8Array {
  const out = new Uint8Array(HEADER + W * H);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const v = new DataView(out.buffer);
  v.setUint16(8, spot, true);
  v.setUint16(10, W, true);
  v.setUint16(12, H, true);
  const noise = mulberry32(noiseSeed * 7919 + 1);
  for (let i = 0; i < W * H; i++) out[HEADER + i] = 20 + Math.floor(noise() * 40); // asphalt
  if (vehicle !== null) {
    const tex = mulberry32(vehicle * 104729 + 3);
    for (let y = 12; y < 36; y++) for (let x = 10; x < 54; x++) out[HEADER + y * W + x] = 150 + Math.floor(tex() * 100);
  }
  return out;
}

export interface Snapshot {
  spot: number;
  vehicle: number | null;
  image: Uint8Array;
}

/** Spot occupancy across bursts: each interval a car leaves with p=0.3, an empty spot fills with
 * p=0.4 (new vehicle ids), so bursts mix arrivals (Chain-1), stays and departures (Chain-2). */
export function* parkingBursts(spots = 164, seed = 7): Generator<Snapshot[]> {
  const rng = mulberry32(seed);
  const occ: (number | null)[] = Array.from({ length: spots }, () => null);
  let nextVehicle = 1;
  for (let burst = 0; ; burst++) {
    for (let s = 0; s < spots; s++) {
      if (occ[s] !== null && rng() < 0.3) occ[s] = null;
      else if (occ[s] === null && rng() < 0.4) occ[s] = nextVehicle++;
    }
    yield occ.map((vehicle, spot) => ({ spot, vehicle, image: makeSnapshot(spot, vehicle, spot + burst * spots) }));
  }
}
