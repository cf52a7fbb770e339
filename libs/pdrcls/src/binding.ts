// koffi binding of native/pdrcls: every exported C function has a typed wrapper here.
// Hot paths (classify, batch insert, bench loops) take Buffers/typed arrays that C reads
// and writes in place; nothing is copied per key.
import { koffi, loadLibrary } from '@fastpath/native';
import { codeName, PdrclsError } from './errors.ts';
import { encodeRules, KEY_BYTES, PDR_DIMS, RULE_BYTES, readRule, writeRule, type PdrRule } from './rules.ts';

const ABI = 1;

/** Classifier kinds (enum pdrcls_kind). */
export const Kind = { ORACLE: 0, LL: 1, LL_FULLSCAN: 2, TSS: 3, PSTSS: 4, PS: 5 } as const;
export type KindName = 'oracle' | 'll' | 'll-fullscan' | 'tss' | 'pstss' | 'ps';
export const KIND_NAMES: readonly KindName[] = ['oracle', 'll', 'll-fullscan', 'tss', 'pstss', 'ps'];

export interface ClassifierStats {
  rules: number;
  tables: number;
  probes: number;
  lookups: number;
  bytes: number;
}

/** Lookup counters of the session front end, summed over reader slots. */
export interface SessionStats {
  sessions: number;
  lookups: number;
  noSession: number;
  probes: number;
  kind: number;
}

export interface SessionMatch {
  seid: bigint; // 0n = no session
  cookie: bigint;
  pdrId: number; // PDR_ID_NONE = no rule
}

function bind() {
  const lib = loadLibrary('fastpath_pdrcls');
  koffi.opaque('pdrcls');
  koffi.opaque('pdrsess');
  koffi.struct('pdrsess_stats', { sessions: 'uint64_t', lookups: 'uint64_t', no_session: 'uint64_t', probes: 'uint64_t', kind: 'uint32_t', reserved: 'uint32_t' });
  koffi.struct('pdrcls_stats', { rules: 'uint64_t', tables: 'uint64_t', probes: 'uint64_t', lookups: 'uint64_t', bytes: 'uint64_t' });
  const f = {
    abi: lib.func('int pdrcls_abi_version(void)'),
    strerror: lib.func('const char *pdrcls_strerror(int err)'),
    kindName: lib.func('const char *pdrcls_kind_name(int kind)'),
    better: lib.func('int pdr_rule_better(uint32_t pa, uint32_t ia, uint32_t pb, uint32_t ib)'),
    dimMax: lib.func('uint32_t pdr_dim_max(int dim)'),
    matches: lib.func('int pdr_rule_matches(const void *rule, const void *key)'),
    initAny: lib.func('void pdr_rule_init_any(void *rule)'),
    create: lib.func('pdrcls *pdrcls_create(int kind)'),
    destroy: lib.func('void pdrcls_destroy(pdrcls *c)'),
    kind: lib.func('int pdrcls_kind(pdrcls *c)'),
    insert: lib.func('int pdrcls_insert(pdrcls *c, const void *rule)'),
    insertBatch: lib.func('int pdrcls_insert_batch(pdrcls *c, const void *rules, size_t n)'),
    del: lib.func('int pdrcls_delete(pdrcls *c, uint32_t id)'),
    get: lib.func('int pdrcls_get(pdrcls *c, uint32_t id, void *out)'),
    list: lib.func('int pdrcls_list(pdrcls *c, void *out, size_t cap)'),
    clone: lib.func('pdrcls *pdrcls_clone(pdrcls *c, int kind)'),
    classify: lib.func('int pdrcls_classify_batch(pdrcls *c, const void *keys, size_t n, void *ids, void *cookies)'),
    stats: lib.func('int pdrcls_stats(pdrcls *c, _Out_ pdrcls_stats *out)'),
    resetProbes: lib.func('void pdrcls_reset_probes(pdrcls *c)'),
    benchClassify: lib.func('int pdrcls_bench_classify(pdrcls *c, const void *keys, size_t n, size_t batch, uint32_t reps, void *ns)'),
    benchUpdates: lib.func('int pdrcls_bench_updates(pdrcls *c, const void *rules, size_t nrules, const void *codes, const void *ids, size_t nops, void *ns)'),
    sCreate: lib.func('pdrsess *pdrsess_create(int kind, uint32_t expected)'),
    sDestroy: lib.func('void pdrsess_destroy(pdrsess *s)'),
    sAdd: lib.func('int pdrsess_add(pdrsess *s, uint64_t seid, uint32_t teid, uint32_t ue)'),
    sRemove: lib.func('int pdrsess_remove(pdrsess *s, uint64_t seid)'),
    sApply: lib.func('int pdrsess_apply(pdrsess *s, uint64_t seid, const void *adds, size_t nadd, const void *dels, size_t ndel)'),
    sRuleCount: lib.func('int pdrsess_rule_count(pdrsess *s, uint64_t seid)'),
    sCount: lib.func('int pdrsess_count(pdrsess *s)'),
    sReaderRegister: lib.func('int pdrsess_reader_register(pdrsess *s)'),
    sReaderUnregister: lib.func('void pdrsess_reader_unregister(pdrsess *s, int reader)'),
    sClassify: lib.func('int pdrsess_classify_batch(pdrsess *s, int reader, int dir, const void *keys, size_t n, void *out)'),
    sReclaim: lib.func('int pdrsess_reclaim(pdrsess *s)'),
    sEpoch: lib.func('uint64_t pdrsess_epoch(pdrsess *s)'),
    sStats: lib.func('int pdrsess_stats(pdrsess *s, _Out_ pdrsess_stats *out)'),
  };
  const got = f.abi() as number;
  if (got !== ABI) throw new Error(`fastpath: pdrcls ABI ${got}, binding expects ${ABI}; rebuild native-pdrcls`);
  return f;
}

let fns: ReturnType<typeof bind> | undefined;
function native() {
  return (fns ??= bind());
}

function check(rc: number, op: string): number {
  if (rc < 0) throw new PdrclsError(codeName(rc), op, native().strerror(rc) as string);
  return rc;
}

function kindNumber(kind: KindName | number): number {
  const k = typeof kind === 'number' ? kind : KIND_NAMES.indexOf(kind);
  if (!Number.isInteger(k) || k < 0 || k >= KIND_NAMES.length) throw new PdrclsError('EINVAL', 'create', `unknown classifier kind ${String(kind)}`);
  return k;
}

export function abiVersion(): number {
  return native().abi() as number;
}
export function strerror(rc: number): string {
  return native().strerror(rc) as string;
}
/** The C library's name for a kind number, or null. */
export function kindName(kind: number): string | null {
  return native().kindName(kind) as string | null;
}
/** The one priority rule, from C: does (precA, idA) beat (precB, idB)? */
export function ruleBetter(precA: number, idA: number, precB: number, idB: number): boolean {
  return native().better(precA, idA, precB, idB) === 1;
}
export function dimMax(dim: number): number {
  return native().dimMax(dim) as number;
}
/** pdr_rule_matches from C (keys: up to PDR_DIMS values, missing = 0). */
export function nativeRuleMatches(rule: PdrRule, key: readonly number[]): boolean {
  const r = Buffer.alloc(RULE_BYTES);
  writeRule(r, 0, rule);
  const k = Buffer.alloc(KEY_BYTES);
  key.forEach((v, d) => k.writeUInt32LE(v, d * 4));
  return native().matches(r, k) === 1;
}
/** pdr_rule_init_any from C. */
export function nativeAnyRule(): PdrRule {
  const r = Buffer.alloc(RULE_BYTES, 0xaa);
  native().initAny(r);
  return readRule(r);
}

function keyCount(keys: Buffer): number {
  if (keys.length % KEY_BYTES !== 0) throw new PdrclsError('EINVAL', 'classify', `key buffer of ${keys.length} bytes is not a multiple of ${KEY_BYTES}`);
  return keys.length / KEY_BYTES;
}

/** One classifier (struct pdrcls). Call destroy() (or use `using`) when done. */
export class Classifier {
  #h: unknown;
  readonly kind: KindName;

  constructor(kind: KindName | number, handle?: unknown) {
    const k = kindNumber(kind);
    this.kind = KIND_NAMES[k];
    this.#h = handle ?? native().create(k);
    if (!this.#h) throw new PdrclsError('ENOMEM', 'create', 'pdrcls_create failed');
  }

  get handle(): unknown {
    if (!this.#h) throw new PdrclsError('EINVAL', 'use', 'classifier was destroyed');
    return this.#h;
  }

  kindNumber(): number {
    return native().kind(this.handle) as number;
  }

  insert(rule: PdrRule): void {
    const b = Buffer.alloc(RULE_BYTES);
    writeRule(b, 0, rule);
    check(native().insert(this.handle, b) as number, 'insert');
  }

  /** Inserts pre-encoded rules (encodeRules); stops at the first failure and throws. */
  insertBuffer(rules: Buffer): void {
    if (rules.length % RULE_BYTES) throw new PdrclsError('EINVAL', 'insertBatch', `rule buffer of ${rules.length} bytes is not a multiple of ${RULE_BYTES}`);
    check(native().insertBatch(this.handle, rules, rules.length / RULE_BYTES) as number, 'insertBatch');
  }

  insertMany(rules: readonly PdrRule[]): void {
    this.insertBuffer(encodeRules(rules));
  }

  delete(pdrId: number): void {
    check(native().del(this.handle, pdrId) as number, 'delete');
  }

  get(pdrId: number): PdrRule | undefined {
    const b = Buffer.alloc(RULE_BYTES);
    const rc = native().get(this.handle, pdrId, b) as number;
    if (rc === -2) return undefined;
    check(rc, 'get');
    return readRule(b);
  }

  list(): PdrRule[] {
    const n = check(native().list(this.handle, null, 0) as number, 'list');
    const b = Buffer.alloc(n * RULE_BYTES);
    check(native().list(this.handle, b, n) as number, 'list');
    return Array.from({ length: n }, (_, i) => readRule(b, i * RULE_BYTES));
  }

  /** A new classifier (of `kind`, default the same) holding the same rules. */
  clone(kind?: KindName): Classifier {
    const k = kind === undefined ? -1 : kindNumber(kind);
    const h = native().clone(this.handle, k);
    if (!h) throw new PdrclsError('ENOMEM', 'clone', 'pdrcls_clone failed');
    return new Classifier(k < 0 ? this.kind : k, h);
  }

  /** Classifies keys (n * 80 bytes) into ids (and cookies if given); returns the matches. */
  classifyInto(keys: Buffer, ids: Uint32Array, cookies?: BigUint64Array): number {
    const n = keyCount(keys);
    if (ids.length < n || (cookies && cookies.length < n)) throw new PdrclsError('EINVAL', 'classify', `output arrays shorter than ${n} keys`);
    return check(native().classify(this.handle, keys, n, ids, cookies ?? null) as number, 'classify');
  }

  classify(keys: Buffer): { ids: Uint32Array; cookies: BigUint64Array; matched: number } {
    const n = keyCount(keys);
    const ids = new Uint32Array(n);
    const cookies = new BigUint64Array(n);
    const matched = this.classifyInto(keys, ids, cookies);
    return { ids, cookies, matched };
  }

  stats(): ClassifierStats {
    const o: Record<string, number | bigint> = {};
    check(native().stats(this.handle, o) as number, 'stats');
    return { rules: Number(o.rules), tables: Number(o.tables), probes: Number(o.probes), lookups: Number(o.lookups), bytes: Number(o.bytes) };
  }

  resetProbes(): void {
    native().resetProbes(this.handle);
  }

  /** `reps` timed passes over all keys in C (thread CPU ns per pass). */
  benchClassify(keys: Buffer, reps: number, batch = 64): { nsPerPass: number[]; matched: number } {
    const n = keyCount(keys);
    const ns = new BigUint64Array(reps);
    const matched = check(native().benchClassify(this.handle, keys, n, batch, reps, ns) as number, 'benchClassify');
    return { nsPerPass: Array.from(ns, Number), matched };
  }

  /** Replays ops ('I'|'D', id into rules) in C, timing each; returns ns per op. */
  benchUpdates(rules: Buffer, codes: Uint32Array, ids: Uint32Array): Uint32Array {
    if (codes.length !== ids.length) throw new PdrclsError('EINVAL', 'benchUpdates', 'codes and ids differ in length');
    const ns = new Uint32Array(codes.length);
    check(native().benchUpdates(this.handle, rules, rules.length / RULE_BYTES, codes, ids, codes.length, ns) as number, 'benchUpdates');
    return ns;
  }

  destroy(): void {
    if (this.#h) native().destroy(this.#h);
    this.#h = undefined;
  }

  [Symbol.dispose](): void {
    this.destroy();
  }
}

export const Direction = { UPLINK: 0, DOWNLINK: 1 } as const;
export const MATCH_BYTES = 24;

/** The session front end (struct pdrsess): TEID/UE-IP -> session -> classifier. */
export class Sessions {
  #h: unknown;

  constructor(kind: KindName | number, expectedSessions = 1024) {
    this.#h = native().sCreate(kindNumber(kind), expectedSessions);
    if (!this.#h) throw new PdrclsError('ENOMEM', 'sessions', 'pdrsess_create failed');
  }

  get handle(): unknown {
    if (!this.#h) throw new PdrclsError('EINVAL', 'use', 'session table was destroyed');
    return this.#h;
  }

  /** teid 0 = no uplink entry, ueIp4 0 = no downlink entry. */
  add(seid: bigint, teid: number, ueIp4: number): void {
    check(native().sAdd(this.handle, seid, teid, ueIp4) as number, 'session add');
  }
  remove(seid: bigint): void {
    check(native().sRemove(this.handle, seid) as number, 'session remove');
  }
  /** Deletes then inserts, all at once or not at all (a failure changes nothing and throws). */
  apply(seid: bigint, adds: readonly PdrRule[], deletes: readonly number[] = []): void {
    const a = encodeRules(adds);
    const d = Uint32Array.from(deletes);
    check(native().sApply(this.handle, seid, a, adds.length, d, d.length) as number, 'session apply');
  }
  ruleCount(seid: bigint): number {
    return check(native().sRuleCount(this.handle, seid) as number, 'session ruleCount');
  }
  count(): number {
    return check(native().sCount(this.handle) as number, 'session count');
  }
  registerReader(): number {
    return check(native().sReaderRegister(this.handle) as number, 'registerReader');
  }
  unregisterReader(reader: number): void {
    native().sReaderUnregister(this.handle, reader);
  }
  /** Raw form: fills `out` (n * 24 bytes: seid u64, cookie u64, pdr_id u32, pad). */
  classifyInto(reader: number, dir: number, keys: Buffer, out: Buffer): number {
    const n = keyCount(keys);
    if (out.length < n * MATCH_BYTES) throw new PdrclsError('EINVAL', 'session classify', `output buffer shorter than ${n} matches`);
    return check(native().sClassify(this.handle, reader, dir, keys, n, out) as number, 'session classify');
  }
  classify(reader: number, dir: number, keys: Buffer): SessionMatch[] {
    const n = keyCount(keys);
    const out = Buffer.alloc(n * MATCH_BYTES);
    this.classifyInto(reader, dir, keys, out);
    return Array.from({ length: n }, (_, i) => ({
      seid: out.readBigUInt64LE(i * MATCH_BYTES),
      cookie: out.readBigUInt64LE(i * MATCH_BYTES + 8),
      pdrId: out.readUInt32LE(i * MATCH_BYTES + 16),
    }));
  }
  /** Frees retired classifiers whose grace period ended; returns how many still wait. */
  reclaim(): number {
    return check(native().sReclaim(this.handle) as number, 'reclaim');
  }
  epoch(): bigint {
    return BigInt(native().sEpoch(this.handle) as number | bigint);
  }
  stats(): SessionStats {
    const o = {} as Record<string, number | bigint>;
    check(native().sStats(this.handle, o) as number, 'session stats');
    return { sessions: Number(o.sessions), lookups: Number(o.lookups), noSession: Number(o.no_session), probes: Number(o.probes), kind: Number(o.kind) };
  }
  destroy(): void {
    if (this.#h) native().sDestroy(this.#h);
    this.#h = undefined;
  }
  [Symbol.dispose](): void {
    this.destroy();
  }
}

export { PDR_DIMS };
