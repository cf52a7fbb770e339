import { describe, expect, it } from 'vitest';
import { bodyView, CorruptObjectError, HEADER_SIZE, ObjectKind, ObjectTooSmallError, patchHeader, readHeader, readMeta, toBytes, writeBody, writeObject } from '../src/object-layout.ts';

const h = { kind: ObjectKind.REQUEST, status: 0, replyTo: 0x10001, corr: 42, sequence: 1, hop: 0 } as const;
const meta = { method: 'POST', url: '/x?y=1', headers: { 'content-type': 'text/plain' } };

describe('pool object layout', () => {
  it('round-trips header, metadata and body; the body is a view, not a copy', () => {
    const obj = new Uint8Array(1024);
    writeObject(obj, h, meta, toBytes('hello'));
    const got = readHeader(obj);
    expect(got).toMatchObject({ ...h, bodyLen: 5 });
    expect(readMeta(obj)).toEqual(meta);
    const body = bodyView(obj);
    expect(new TextDecoder().decode(body)).toBe('hello');
    expect(body.buffer).toBe(obj.buffer);
    body[0] = 'j'.charCodeAt(0);
    expect(new TextDecoder().decode(bodyView(obj))).toBe('jello');
  });

  it('rewrites in place when the new body is a view of the old one (overlap)', () => {
    const obj = new Uint8Array(256);
    writeObject(obj, h, {}, toBytes('0123456789'));
    // Response metadata longer than the request's: the body must move right, intact.
    writeObject(obj, { ...h, kind: ObjectKind.RESPONSE, status: 200 }, { 'content-type': 'application/octet-stream', 'x-long-header': 'abcdefgh' }, bodyView(obj));
    expect(new TextDecoder().decode(bodyView(obj))).toBe('0123456789');
    writeBody(obj, bodyView(obj).subarray(2, 5));
    expect(new TextDecoder().decode(bodyView(obj))).toBe('234');
    expect(readHeader(obj).status).toBe(200);
  });

  it('refuses what does not fit with a typed error and leaves the object alone', () => {
    const obj = new Uint8Array(64);
    writeObject(obj, h, {}, toBytes('ok'));
    expect(() => writeObject(obj, h, {}, new Uint8Array(64))).toThrow(ObjectTooSmallError);
    expect(() => writeBody(obj, new Uint8Array(64 - HEADER_SIZE))).toThrow(ObjectTooSmallError);
    expect(new TextDecoder().decode(bodyView(obj))).toBe('ok');
  });

  it('refuses metadata that does not fit before writing any of it, and fills an object to the last byte', () => {
    const obj = new Uint8Array(96);
    writeObject(obj, h, { a: 1 }, toBytes('keep'));
    const big = { 'x-long': 'é'.repeat(40) }; // 80 bytes of UTF-8 in 40 characters
    const needed = HEADER_SIZE + Buffer.byteLength(JSON.stringify(big)) + 4;
    expect(() => writeObject(obj, h, big, toBytes('body'))).toThrow(expect.objectContaining({ name: 'ObjectTooSmallError', needed, capacity: 96 }));
    expect(readMeta(obj)).toEqual({ a: 1 });
    expect(new TextDecoder().decode(bodyView(obj))).toBe('keep');
    // Exactly full: multi-byte metadata plus a body up to the end of the object.
    const meta2 = { k: 'ü'.repeat(10) };
    const body = new Uint8Array(96 - HEADER_SIZE - Buffer.byteLength(JSON.stringify(meta2))).fill(7);
    writeObject(obj, h, meta2, body);
    expect(readMeta(obj)).toEqual(meta2);
    expect(bodyView(obj)).toEqual(body);
  });

  it('writes a body that is a view of another part of the same memory', () => {
    const mem = new Uint8Array(256);
    const obj = mem.subarray(0, 128);
    const src = mem.subarray(200, 210).fill(9);
    writeObject(obj, h, meta, src);
    expect(readMeta(obj)).toEqual(meta);
    expect(bodyView(obj)).toEqual(new Uint8Array(10).fill(9));
  });

  it('detects corrupt objects', () => {
    const obj = new Uint8Array(128);
    expect(() => readHeader(obj)).toThrow(CorruptObjectError);
    writeObject(obj, h, {}, toBytes('x'));
    new DataView(obj.buffer).setUint32(24, 1000, true);
    expect(() => readHeader(obj)).toThrow(/exceed/);
    expect(() => readHeader(new Uint8Array(8))).toThrow(CorruptObjectError);
  });

  it('patches header fields without touching the payload', () => {
    const obj = new Uint8Array(128);
    writeObject(obj, h, meta, toBytes('b'));
    patchHeader(obj, { hop: 3, status: 204 });
    expect(readHeader(obj)).toMatchObject({ hop: 3, status: 204, corr: 42 });
    expect(readMeta(obj)).toEqual(meta);
  });

  it('turns handler bodies into bytes', () => {
    expect(toBytes(undefined).length).toBe(0);
    expect(new TextDecoder().decode(toBytes({ a: 1 }))).toBe('{"a":1}');
    const u = new Uint8Array([1, 2]);
    expect(toBytes(u)).toBe(u);
  });
});
