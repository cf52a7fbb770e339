// Kubernetes resource quantities ("500m", "2", "128Mi", "1G", "1e3") to the core's units:
// CPU in cores, memory in MiB, plain counts as numbers.

export class QuantityError extends Error {
  constructor(readonly quantity: unknown) {
    super(`not a Kubernetes quantity: ${JSON.stringify(quantity)}`);
    this.name = 'QuantityError';
  }
}

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value in base units (cores, bytes, count). */
export function parseQuantity(q: unknown): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q) || q < 0) throw new QuantityError(q);
    return q;
  }
  if (typeof q !== 'string') throw new QuantityError(q);
  const m = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([eE][+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(q.trim());
  if (!m) throw new QuantityError(q);
  const base = Number(m[1]);
  const v = m[2] ? base * 10 ** Number(m[2].slice(1)) : base * SUFFIX[m[3] ?? ''];
  if (!Number.isFinite(v)) throw new QuantityError(q);
  return v;
}

export const cpuCores = (q: unknown): number => parseQuantity(q);
export const memoryMiB = (q: unknown): number => parseQuantity(q) / 2 ** 20;
