// Schema-driven TLV layer: grouped IEs and messages are lists of fields; this file walks them.
import { Reader, Writer } from './bytes.ts';
import { PfcpDecodeError, PfcpEncodeError, PfcpMissingIeError } from './errors.ts';
import type { LeafCodec } from './ies.ts';

export interface Field {
  /** Property name in the typed object. */
  key: string;
  /** IE type on the wire. */
  ie: number;
  /** Spec name, used in error paths. */
  name: string;
  leaf?: LeafCodec<any>;
  group?: Field[];
  multi?: boolean;
  mandatory?: boolean;
}

export function leaf(key: string, ie: number, name: string, codec: LeafCodec<any>, opts: { multi?: boolean; mandatory?: boolean } = {}): Field {
  return { key, ie, name, leaf: codec, ...opts };
}

export function grouped(key: string, ie: number, name: string, fields: Field[], opts: { multi?: boolean; mandatory?: boolean } = {}): Field {
  return { key, ie, name, group: fields, ...opts };
}

export function encodeIes(fields: Field[], obj: Record<string, any>, path: string, w: Writer): void {
  for (const f of fields) {
    const v = obj[f.key];
    const here = path ? `${path}/${f.name}` : f.name;
    if (v === undefined || (f.multi && Array.isArray(v) && v.length === 0)) {
      if (f.mandatory) throw new PfcpEncodeError('mandatory IE missing', here);
      continue;
    }
    const list = f.multi ? (Array.isArray(v) ? v : [v]) : [v];
    for (const item of list) {
      const inner = new Writer();
      try {
        if (f.group) encodeIes(f.group, item, here, inner);
        else f.leaf!.encode(item, inner);
      } catch (e) {
        if (e instanceof PfcpEncodeError && !e.iePath) throw new PfcpEncodeError(e.reason, here);
        throw e;
      }
      const value = inner.done();
      if (value.length > 0xffff) throw new PfcpEncodeError(`value of ${value.length} bytes exceeds 65535`, here);
      w.u16(f.ie).u16(value.length).put(value);
    }
  }
}

/** Decodes IEs until the reader is exhausted. Unknown IEs (and vendor IEs) are skipped (29.244 7.6.3);
 *  a repeated single-instance IE keeps the first instance. */
export function decodeIes(fields: Field[], r: Reader, path: string): Record<string, any> {
  const out: Record<string, any> = {};
  const byIe = new Map(fields.map((f) => [f.ie, f]));
  const start = r.base + r.pos;
  while (r.remaining > 0) {
    const at = r.base + r.pos;
    if (r.remaining < 4) throw new PfcpDecodeError(`${r.remaining} trailing bytes, too short for an IE header`, at, undefined, path || undefined);
    const type = r.u16();
    const len = r.u16();
    if (len > r.remaining) {
      const f = byIe.get(type);
      throw new PfcpDecodeError(`IE length ${len} exceeds the ${r.remaining} bytes left`, at, type, f ? (path ? `${path}/${f.name}` : f.name) : path || undefined);
    }
    const valueAt = r.base + r.pos;
    const value = r.bytes(len);
    const f = byIe.get(type);
    if (!f) continue;
    const here = path ? `${path}/${f.name}` : f.name;
    if (!f.multi && out[f.key] !== undefined) continue;
    const sub = new Reader(value, valueAt);
    let v: any;
    try {
      v = f.group ? decodeIes(f.group, sub, here) : f.leaf!.decode(sub);
    } catch (e) {
      if (e instanceof PfcpDecodeError && e.ieType === undefined) {
        const wrapped = new PfcpDecodeError(e.reason, e.offset, type, here);
        wrapped.kind = e.kind;
        throw wrapped;
      }
      throw e;
    }
    if (f.multi) (out[f.key] ??= []).push(v);
    else out[f.key] = v;
  }
  for (const f of fields) {
    if (f.mandatory && out[f.key] === undefined) throw new PfcpMissingIeError(f.ie, path ? `${path}/${f.name}` : f.name, start);
  }
  return out;
}
