// Map access on raw key/value bytes, plus typed views through codecs and per-CPU aggregation.
import * as bpf from './libbpf.ts';
import { BpfUsageError } from './errors.ts';

/** Map types this library knows by name (BPF_MAP_TYPE_*). */
export const MapType = {
  HASH: 1, ARRAY: 2, PERCPU_HASH: 5, PERCPU_ARRAY: 6, LRU_HASH: 9, DEVMAP: 14, SOCKMAP: 15,
  SOCKHASH: 18, SK_STORAGE: 24, DEVMAP_HASH: 25,
} as const;

export const UpdateFlags = { ANY: 0n, NOEXIST: 1n, EXIST: 2n } as const;

/** Encodes/decodes one key or value type to/from its C layout. */
export interface Codec<T> {
  size: number;
  encode(v: T, into?: Buffer): Buffer;
  decode(b: Buffer, offset?: number): T;
}

let cpus: number | undefined;
/** Possible CPUs: the number of slots in a per-CPU map value. */
export function possibleCpus(): number {
  return (cpus ??= bpf.possibleCpus());
}

export class BpfMap {
  constructor(
    private readonly info: bpf.MapInfo,
    private readonly handle: bpf.MapHandle,
    private readonly assertOpen: () => void,
    private readonly trackPin: (unpin: () => void, path: string) => void,
    private readonly untrackPin: (path: string) => void,
  ) {}

  get name(): string { return this.info.name; }
  get fd(): number { this.assertOpen(); return this.info.fd; }
  get type(): number { return this.info.type; }
  /** The kernel's id of the map (as bpftool shows it). */
  get id(): number { return bpf.objectId(this.fd); }
  get keySize(): number { return this.info.keySize; }
  get valueSize(): number { return this.info.valueSize; }
  get maxEntries(): number { return this.info.maxEntries; }
  get perCpu(): boolean { return this.info.type === MapType.PERCPU_HASH || this.info.type === MapType.PERCPU_ARRAY; }

  /** Bytes of one lookup result: per-CPU maps return one 8-byte-aligned slot per possible CPU. */
  get lookupSize(): number {
    return this.perCpu ? Math.ceil(this.valueSize / 8) * 8 * possibleCpus() : this.valueSize;
  }

  private checkKey(key: Buffer): void {
    if (key.length !== this.keySize) throw new BpfUsageError(`map ${this.name}: key is ${key.length} bytes, the map wants ${this.keySize}`);
  }

  lookup(key: Buffer): Buffer | undefined {
    this.checkKey(key);
    const value = Buffer.alloc(this.lookupSize);
    return bpf.mapLookup(this.fd, key, value) ? value : undefined;
  }

  /** For per-CPU maps: one Buffer per possible CPU. */
  lookupPerCpu(key: Buffer): Buffer[] | undefined {
    if (!this.perCpu) throw new BpfUsageError(`map ${this.name} is not per-CPU`);
    const all = this.lookup(key);
    if (!all) return undefined;
    const slot = Math.ceil(this.valueSize / 8) * 8;
    return Array.from({ length: possibleCpus() }, (_, i) => all.subarray(i * slot, i * slot + this.valueSize));
  }

  update(key: Buffer, value: Buffer, flags: bigint = UpdateFlags.ANY): void {
    this.checkKey(key);
    const want = this.type === MapType.SOCKHASH || this.type === MapType.SOCKMAP ? [4, 8] : [this.lookupSize];
    if (!want.includes(value.length)) throw new BpfUsageError(`map ${this.name}: value is ${value.length} bytes, the map wants ${want.join(' or ')}`);
    bpf.mapUpdate(this.fd, key, value, flags);
  }

  /** false when the key was absent. */
  delete(key: Buffer): boolean {
    this.checkKey(key);
    return bpf.mapDelete(this.fd, key);
  }

  *keys(): Generator<Buffer> {
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      if (!bpf.mapNextKey(this.fd, prev, next)) return;
      yield next;
      prev = next;
    }
  }

  *entries(): Generator<[Buffer, Buffer]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) yield [k, v]; // an entry deleted while iterating is skipped
    }
  }

  /** Pins the map in bpffs; the owning object unpins it on dispose (or call unpin). */
  pin(path: string): void {
    this.assertOpen();
    bpf.pinMap(this.handle, path);
    this.trackPin(() => bpf.unpinMap(this.handle, path), path);
  }

  unpin(path: string): void {
    bpf.unpinMap(this.handle, path);
    this.untrackPin(path);
  }

  /** A typed view of this map. */
  typed<K, V>(key: Codec<K>, value: Codec<V>): TypedMap<K, V> {
    return new TypedMap(this, key, value);
  }
}

export class TypedMap<K, V> {
  constructor(
    readonly raw: BpfMap,
    private readonly k: Codec<K>,
    private readonly v: Codec<V>,
  ) {
    if (k.size !== raw.keySize) throw new BpfUsageError(`map ${raw.name}: key codec is ${k.size} bytes, map key ${raw.keySize}`);
    if (v.size !== raw.valueSize && raw.type !== MapType.SOCKHASH) throw new BpfUsageError(`map ${raw.name}: value codec is ${v.size} bytes, map value ${raw.valueSize}`);
  }

  get(key: K): V | undefined {
    const b = this.raw.lookup(this.k.encode(key));
    return b ? this.v.decode(b) : undefined;
  }

  set(key: K, value: V, flags: bigint = UpdateFlags.ANY): void {
    this.raw.update(this.k.encode(key), this.v.encode(value), flags);
  }

  delete(key: K): boolean {
    return this.raw.delete(this.k.encode(key));
  }

  *entries(): Generator<[K, V]> {
    for (const [k, v] of this.raw.entries()) yield [this.k.decode(k), this.v.decode(v)];
  }

  /** Per-CPU map: every CPU's value. */
  perCpu(key: K): V[] | undefined {
    return this.raw.lookupPerCpu(this.k.encode(key))?.map((b) => this.v.decode(b));
  }

  /** Per-CPU map: the values of all CPUs combined with `sum`. */
  aggregate(key: K, sum: (a: V, b: V) => V): V | undefined {
    return this.perCpu(key)?.reduce(sum);
  }

  /** Per-CPU map: every key with its CPU values combined. */
  *aggregated(sum: (a: V, b: V) => V): Generator<[K, V]> {
    for (const kb of this.raw.keys()) {
      const per = this.raw.lookupPerCpu(kb);
      if (per) yield [this.k.decode(kb), per.map((b) => this.v.decode(b)).reduce(sum)];
    }
  }
}

/** Codec for a struct of unsigned fields (u8/u16/u32/u64 at given offsets, little-endian). */
export function structCodec<T extends object>(size: number, fields: { [K in keyof T]: [offset: number, bits: 8 | 16 | 32 | 64] }): Codec<T> {
  const list = Object.entries(fields) as [keyof T & string, [number, 8 | 16 | 32 | 64]][];
  return {
    size,
    encode(v, into = Buffer.alloc(size)) {
      for (const [name, [off, bits]] of list) {
        const x = ((v as Record<string, number | bigint>)[name] ?? 0);
        if (bits === 8) into.writeUInt8(Number(x), off);
        else if (bits === 16) into.writeUInt16LE(Number(x), off);
        else if (bits === 32) into.writeUInt32LE(Number(x), off);
        else into.writeBigUInt64LE(BigInt(x), off);
      }
      return into;
    },
    decode(b, base = 0) {
      const out = {} as Record<string, number | bigint>;
      for (const [name, [off, bits]] of list) {
        out[name] = bits === 8 ? b.readUInt8(base + off) : bits === 16 ? b.readUInt16LE(base + off) : bits === 32 ? b.readUInt32LE(base + off) : b.readBigUInt64LE(base + off);
      }
      return out as unknown as T;
    },
  };
}

export const u32Codec: Codec<number> = {
  size: 4,
  encode: (v, into = Buffer.alloc(4)) => (into.writeUInt32LE(v >>> 0, 0), into),
  decode: (b, off = 0) => b.readUInt32LE(off),
};
export const u64Codec: Codec<bigint> = {
  size: 8,
  encode: (v, into = Buffer.alloc(8)) => (into.writeBigUInt64LE(v, 0), into),
  decode: (b, off = 0) => b.readBigUInt64LE(off),
};
