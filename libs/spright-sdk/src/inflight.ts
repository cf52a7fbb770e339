// Requests (gateway) and calls (functions) waiting for their answer, by correlation id: a table
// of slots whose id carries the slot in its low bits and that slot's generation above them, and
// one coarse deadline sweep instead of a timer per entry.
//
// Why not a Map and a setTimeout each: with an insert and a delete per request, V8 rehashes a
// Map into a new table every few dozen requests and links the old table to the new one. Once one
// table of that chain sits in old space, its successors — and every request they still reference —
// survive each scavenge until the next full GC (about 1.3 MB promoted per scavenge at c=32 in the
// chain2 profile, with multi-millisecond scavenges behind the p99). A slot array only ever grows.

export interface InFlightOptions<T> {
  /** Entries at most (slots are created as needed up to this). */
  capacity: number;
  /** Called for an entry whose deadline passed; it has already been removed. */
  expired(corr: number, entry: T): void;
}

/** How often deadlines are checked for a given timeout: a tenth of it, within [5, 100] ms (an
 *  entry expires at most that late). The sweep runs at the period of the shortest timeout added
 *  since the table was last idle. */
export const sweepPeriodMs = (timeoutMs: number): number => Math.min(100, Math.max(5, Math.floor(timeoutMs / 10)));

export class InFlightTable<T> {
  readonly #o: InFlightOptions<T>;
  readonly #bits: number;
  readonly #mask: number;
  readonly #maxGen: number;
  readonly #entries: (T | undefined)[] = [];
  readonly #corrs: number[] = [];
  readonly #deadlines: number[] = [];
  /** Next generation per slot (never 0, so no id is 0). */
  readonly #gens: number[] = [];
  readonly #free: number[] = [];
  #size = 0;
  #sweep: NodeJS.Timeout | undefined;
  #periodMs = Infinity;

  constructor(opts: InFlightOptions<T>) {
    if (!(opts.capacity >= 1 && opts.capacity <= 1 << 24)) throw new RangeError(`in-flight capacity ${opts.capacity} is outside [1, 2^24]`);
    this.#o = opts;
    this.#bits = Math.max(1, Math.ceil(Math.log2(opts.capacity)));
    this.#mask = (1 << this.#bits) - 1;
    this.#maxGen = 2 ** (32 - this.#bits) - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Whether the deadline sweep is armed (it is not while nothing is in flight, after one period). */
  get sweeping(): boolean {
    return this.#sweep !== undefined;
  }

  get full(): boolean {
    return this.#free.length === 0 && this.#entries.length >= this.#o.capacity;
  }

  /** Adds an entry answered 'expired' after `timeoutMs`; its correlation id, or undefined when full. */
  add(entry: T, timeoutMs: number): number | undefined {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#entries.length >= this.#o.capacity) return undefined;
      slot = this.#entries.length;
      this.#entries.push(undefined);
      this.#corrs.push(0);
      this.#deadlines.push(0);
      this.#gens.push(1);
    }
    const gen = this.#gens[slot];
    this.#gens[slot] = gen >= this.#maxGen ? 1 : gen + 1;
    // A slot's id repeats only after 2^(32 - bits) reuses of that slot.
    const corr = (gen * (this.#mask + 1) + slot) >>> 0;
    this.#entries[slot] = entry;
    this.#corrs[slot] = corr;
    this.#deadlines[slot] = performance.now() + timeoutMs;
    this.#size++;
    const period = sweepPeriodMs(timeoutMs);
    if (period < this.#periodMs) {
      clearInterval(this.#sweep);
      this.#periodMs = period;
      this.#sweep = setInterval(() => this.#sweepDeadlines(), period);
    }
    return corr;
  }

  get(corr: number): T | undefined {
    const slot = corr & this.#mask;
    // A free slot's id is 0, which no entry ever has (a corrupt object may still carry it).
    return corr !== 0 && this.#corrs[slot] === corr ? this.#entries[slot] : undefined;
  }

  /** Removes and returns the entry (undefined when it is not, or no longer, in flight). */
  take(corr: number): T | undefined {
    const slot = corr & this.#mask;
    if (corr === 0 || this.#corrs[slot] !== corr) return undefined;
    const e = this.#entries[slot];
    this.#entries[slot] = undefined;
    this.#corrs[slot] = 0;
    this.#free.push(slot);
    this.#size--;
    return e;
  }

  /** [corr, entry] of everything in flight (safe to take() while iterating). */
  *entries(): Generator<[number, T]> {
    for (let slot = 0; slot < this.#entries.length; slot++) {
      const e = this.#entries[slot];
      if (e !== undefined) yield [this.#corrs[slot], e];
    }
  }

  /** Stops the sweep (entries stay; take() them to answer). */
  close(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#periodMs = Infinity;
  }

  #sweepDeadlines(): void {
    if (this.#size === 0) {
      // Idle: no timer runs until the next entry.
      this.close();
      return;
    }
    const now = performance.now();
    for (let slot = 0; slot < this.#entries.length; slot++) {
      if (this.#entries[slot] === undefined || this.#deadlines[slot] > now) continue;
      const corr = this.#corrs[slot];
      this.#o.expired(corr, this.take(corr)!);
    }
  }
}
