// Layout of one pool object as it travels along a chain. The gateway writes it once (the only
// copy of the body inside the chain); functions read and rewrite it in place through views.
//
//   0  u32 magic      'SPR1'
//   4  u16 kind       REQUEST (from the gateway) | CALL (ctx.call) | RESPONSE
//   6  u16 status     HTTP status once a function responded, else 0
//   8  u32 replyTo    instance that gets the response (gateway or caller)
//  12  u32 corr       correlation id at replyTo (gateway request id / call id)
//  16  u16 sequence   route sequence index (0 = routes.default)
//  18  u16 hop        position in that sequence of the function holding the object
//  20  u32 metaLen    bytes of JSON metadata (request: method/url/headers; response: headers)
//  24  u32 bodyLen    bytes of body after the metadata
//  28  u32 reserved
//  32  meta, then body
export const OBJECT_MAGIC = 0x31525053; // "SPR1"
export const HEADER_SIZE = 32;

export const ObjectKind = { REQUEST: 1, CALL: 2, RESPONSE: 3 } as const;
export type ObjectKindValue = (typeof ObjectKind)[keyof typeof ObjectKind];

export interface RequestMeta {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
}

export interface ObjectHeader {
  kind: ObjectKindValue;
  status: number;
  replyTo: number;
  corr: number;
  sequence: number;
  hop: number;
  metaLen: number;
  bodyLen: number;
}

/** The object cannot hold what is being written (the gateway maps it to 413, functions to 500). */
export class ObjectTooSmallError extends RangeError {
  constructor(
    readonly needed: number,
    readonly capacity: number,
  ) {
    super(`spright: ${needed} bytes do not fit in a ${capacity}-byte pool object`);
    this.name = 'ObjectTooSmallError';
  }
}

/** The bytes are not a SPRIGHT object (wrong magic or lengths past the end). */
export class CorruptObjectError extends Error {
  constructor(message: string) {
    super(`spright: corrupt object: ${message}`);
    this.name = 'CorruptObjectError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function dv(obj: Uint8Array): DataView {
  return new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
}

export function readHeader(obj: Uint8Array): ObjectHeader {
  if (obj.byteLength < HEADER_SIZE) throw new CorruptObjectError(`${obj.byteLength} bytes`);
  const v = dv(obj);
  if (v.getUint32(0, true) !== OBJECT_MAGIC) throw new CorruptObjectError('bad magic');
  const h: ObjectHeader = {
    kind: v.getUint16(4, true) as ObjectKindValue,
    status: v.getUint16(6, true),
    replyTo: v.getUint32(8, true),
    corr: v.getUint32(12, true),
    sequence: v.getUint16(16, true),
    hop: v.getUint16(18, true),
    metaLen: v.getUint32(20, true),
    bodyLen: v.getUint32(24, true),
  };
  if (HEADER_SIZE + h.metaLen + h.bodyLen > obj.byteLength) throw new CorruptObjectError(`lengths ${h.metaLen}+${h.bodyLen} exceed ${obj.byteLength}`);
  return h;
}

export function writeHeader(obj: Uint8Array, h: ObjectHeader): void {
  writeHeaderFields(obj, h, h.metaLen, h.bodyLen);
}

function writeHeaderFields(obj: Uint8Array, h: Omit<ObjectHeader, 'metaLen' | 'bodyLen'>, metaLen: number, bodyLen: number): void {
  const v = dv(obj);
  v.setUint32(0, OBJECT_MAGIC, true);
  v.setUint16(4, h.kind, true);
  v.setUint16(6, h.status, true);
  v.setUint32(8, h.replyTo, true);
  v.setUint32(12, h.corr, true);
  v.setUint16(16, h.sequence, true);
  v.setUint16(18, h.hop, true);
  v.setUint32(20, metaLen, true);
  v.setUint32(24, bodyLen, true);
  v.setUint32(28, 0, true);
}

/** Updates fields in place (e.g. hop, status) without touching meta/body. */
export function patchHeader(obj: Uint8Array, patch: Partial<Pick<ObjectHeader, 'kind' | 'status' | 'replyTo' | 'corr' | 'sequence' | 'hop'>>): void {
  writeHeader(obj, { ...readHeader(obj), ...patch });
}

/** Max body bytes an object of `capacity` can hold next to `metaBytes` of metadata. */
export function bodyCapacity(capacity: number, metaBytes: number): number {
  return capacity - HEADER_SIZE - metaBytes;
}

/** Does `body` share bytes with `obj` (a function writing a view of its own object back)? */
function overlaps(obj: Uint8Array, body: Uint8Array): boolean {
  if (body.byteLength === 0 || body.buffer !== obj.buffer) return false;
  return body.byteOffset < obj.byteOffset + obj.byteLength && obj.byteOffset < body.byteOffset + body.byteLength;
}

/**
 * Writes header + meta + body. `body` may itself be a view into `obj` (a function echoing or
 * trimming the request in place): TypedArray.set copies overlapping ranges correctly, and the
 * body is moved before the meta is written when the meta grows into it.
 */
export function writeObject(obj: Uint8Array, h: Omit<ObjectHeader, 'metaLen' | 'bodyLen'>, meta: unknown, body: Uint8Array): void {
  const json = JSON.stringify(meta ?? {});
  let metaLen: number;
  if (overlaps(obj, body)) {
    const metaBytes = enc.encode(json);
    metaLen = metaBytes.byteLength;
    const needed = HEADER_SIZE + metaLen + body.byteLength;
    if (needed > obj.byteLength) throw new ObjectTooSmallError(needed, obj.byteLength);
    obj.set(body, HEADER_SIZE + metaLen);
    obj.set(metaBytes, HEADER_SIZE);
  } else {
    // The usual case: the metadata is encoded straight into the object. (A TextEncoder.encode()
    // per request here was most of what the gateway promoted to old space per scavenge — over
    // half a megabyte at c=32 — and with it the multi-ms scavenges behind the chain2 p99.)
    const room = obj.byteLength - HEADER_SIZE - body.byteLength;
    // Checked before writing so that a refused write leaves the object as it was.
    if (json.length * 3 > room) {
      const needed = HEADER_SIZE + Buffer.byteLength(json, 'utf8') + body.byteLength;
      if (needed > obj.byteLength) throw new ObjectTooSmallError(needed, obj.byteLength);
    }
    metaLen = enc.encodeInto(json, obj.subarray(HEADER_SIZE, HEADER_SIZE + room)).written;
    obj.set(body, HEADER_SIZE + metaLen);
  }
  writeHeaderFields(obj, h, metaLen, body.byteLength);
}

/** Replaces only the body, keeping header and meta. */
export function writeBody(obj: Uint8Array, body: Uint8Array): void {
  const h = readHeader(obj);
  const at = HEADER_SIZE + h.metaLen;
  if (at + body.byteLength > obj.byteLength) throw new ObjectTooSmallError(at + body.byteLength, obj.byteLength);
  obj.set(body, at);
  writeHeader(obj, { ...h, bodyLen: body.byteLength });
}

export function readMeta<T>(obj: Uint8Array, h: ObjectHeader = readHeader(obj)): T {
  const bytes = obj.subarray(HEADER_SIZE, HEADER_SIZE + h.metaLen);
  try {
    return JSON.parse(dec.decode(bytes)) as T;
  } catch (err) {
    throw new CorruptObjectError(`metadata is not JSON: ${(err as Error).message}`);
  }
}

/** Zero-copy view of the body inside the object. */
export function bodyView(obj: Uint8Array, h: ObjectHeader = readHeader(obj)): Uint8Array {
  const at = HEADER_SIZE + h.metaLen;
  return obj.subarray(at, at + h.bodyLen);
}

/** Converts what a handler gives as a body into bytes (strings UTF-8, other values JSON). */
export function toBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return enc.encode(body);
  return enc.encode(JSON.stringify(body));
}
