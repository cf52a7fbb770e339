import { describe, expect, it } from 'vitest';
import {
  Cause, decodeHeader, decodeMessage, encodeMessage, IeType, MessageType as M, PfcpDecodeError, PfcpEncodeError, PfcpMissingIeError,
  PfcpUnknownMessageError, PfcpVersionError, verdictFor, type PfcpMessage,
} from '../src/index.ts';
import { samples, T0 } from './samples.ts';

const name = (m: PfcpMessage) => Object.entries(M).find(([, v]) => v === m.type)![0];

describe('PFCP round trips', () => {
  for (const m of samples) {
    it(`${name(m)} (seq ${m.sequence}) encodes and decodes to the same object`, () => {
      const bytes = encodeMessage(m);
      expect(decodeMessage(bytes)).toEqual(m);
      // The length field covers everything after the first 4 octets.
      expect(bytes.readUInt16BE(2)).toBe(bytes.length - 4);
    });
  }
  it('covers every message type in the codec', () => {
    expect(new Set(samples.map((s) => s.type))).toEqual(new Set(Object.values(M)));
  });
});

describe('PFCP golden bytes (hand-checked against TS 29.244)', () => {
  it('Heartbeat Request', () => {
    // 0x20: version 1, no SEID; type 1; length 12; seq 0x000001 + spare; IE 96 len 4 = NTP seconds of T0.
    const ntp = Math.floor(T0.getTime() / 1000) + 2_208_988_800;
    const expected = Buffer.from(`2001000c00000100 0060 0004 ${ntp.toString(16).padStart(8, '0')}`.replaceAll(' ', ''), 'hex');
    expect(encodeMessage(samples[0])).toEqual(expected);
  });
  it('Session Deletion Request with SEID', () => {
    // 0x21: S flag; type 54; length 12 (SEID 8 + seq 3 + spare 1); SEID 42; seq 7.
    expect(encodeMessage({ type: M.SessionDeletionRequest, seid: 42n, sequence: 7 }).toString('hex')).toBe('2136000c000000000000002a00000700');
  });
  it('message priority sets MP and the high nibble of octet 16', () => {
    const b = encodeMessage({ type: M.SessionDeletionRequest, seid: 1n, sequence: 0x010203, priority: 5 });
    expect(b.toString('hex')).toBe('2336000c000000000000000101020350');
    expect(decodeHeader(b)).toMatchObject({ priority: 5, seid: 1n, sequence: 0x010203 });
  });
  it('Association Setup Response with Node ID, Cause, Recovery Time Stamp', () => {
    const b = encodeMessage({ type: M.AssociationSetupResponse, sequence: 2, nodeId: { type: 'ipv4', value: '10.0.0.2' }, cause: 1, recoveryTimeStamp: new Date(0) });
    // Node ID: 003c 0005 00 0a000002; Cause: 0013 0001 01; Recovery: 0060 0004 83aa7e80 (NTP of the Unix epoch).
    expect(b.toString('hex')).toBe('2006001a00000200' + '003c0005000a000002' + '0013000101' + '0060000483aa7e80');
  });
  it('F-TEID with CHOOSE and CHOOSE ID', () => {
    const m = encodeMessage({
      type: M.SessionEstablishmentRequest, seid: 0n, sequence: 1, nodeId: { type: 'ipv4', value: '1.2.3.4' }, cpFSeid: { seid: 1n, ipv4: '1.2.3.4' },
      createPdrs: [{ pdrId: 1, precedence: 1, pdi: { sourceInterface: 0, localFTeid: { choose: { ipv4: true, chooseId: 5 } } } }],
      createFars: [{ farId: 1, applyAction: 2 }],
    });
    // F-TEID IE: type 21, length 2, flags CHID|CH|V4 = 0x0d, CHOOSE ID 5.
    expect(m.includes(Buffer.from('001500020d05', 'hex'))).toBe(true);
  });
});

describe('PFCP decoding of bad input', () => {
  const good = encodeMessage(samples[8]);

  it('truncated datagrams -> PfcpDecodeError (header kind), never another exception', () => {
    for (let n = 0; n < good.length; n++) {
      const e = (() => {
        try {
          decodeMessage(good.subarray(0, n));
        } catch (err) {
          return err;
        }
      })();
      expect(e, `truncated to ${n}`).toBeInstanceOf(PfcpDecodeError);
    }
  });

  it('wrong version -> PfcpVersionError', () => {
    const b = Buffer.from(good);
    b[0] = (2 << 5) | (b[0] & 0x1f);
    expect(() => decodeMessage(b)).toThrow(PfcpVersionError);
    expect(verdictFor(catchErr(() => decodeMessage(b)))).toEqual({ action: 'version-not-supported' });
  });

  it('header length larger than the datagram -> header error, discarded', () => {
    const b = Buffer.from(good);
    b.writeUInt16BE(good.length, 2);
    const e = catchErr(() => decodeMessage(b));
    expect(e.kind).toBe('header');
    expect(verdictFor(e).action).toBe('discard');
  });

  it('IE length overrunning the message -> Invalid length with the Offending IE', () => {
    const b = Buffer.from(good);
    // First IE after the 16-byte header is Node ID; claim it is 65520 bytes long.
    expect(b.readUInt16BE(16)).toBe(IeType.NodeID);
    b.writeUInt16BE(0xfff0, 18);
    const e = catchErr(() => decodeMessage(b));
    expect(e.offset).toBe(16);
    expect(e.ieType).toBe(IeType.NodeID);
    expect(verdictFor(e)).toEqual({ action: 'reject', cause: Cause.InvalidLength, offendingIe: IeType.NodeID });
  });

  it('an IE value too short for its content names the grouped path', () => {
    const m = encodeMessage({ type: M.HeartbeatRequest, sequence: 1, recoveryTimeStamp: T0 });
    const b = Buffer.concat([m.subarray(0, 8), Buffer.from('006000020000', 'hex')]);
    b.writeUInt16BE(b.length - 4, 2);
    const e = catchErr(() => decodeMessage(b));
    expect(e.iePath).toBe('Recovery Time Stamp');
    expect(e.message).toMatch(/offset 12/);
  });

  it('unknown message type -> PfcpUnknownMessageError, discarded', () => {
    const b = Buffer.from(encodeMessage(samples[0]));
    b[1] = 99;
    expect(() => decodeMessage(b)).toThrow(PfcpUnknownMessageError);
    expect(verdictFor(catchErr(() => decodeMessage(b))).action).toBe('discard');
  });

  it('missing mandatory IE -> PfcpMissingIeError naming it, Cause 66 + Offending IE', () => {
    const noFseid = { ...(samples[8] as any), cpFSeid: undefined };
    // Encode without the mandatory check by building the IEs of a message that lacks F-SEID.
    const full = encodeMessage(samples[8]);
    const cut = removeIe(full, 16, IeType.FSEID);
    const e = catchErr(() => decodeMessage(cut));
    expect(e).toBeInstanceOf(PfcpMissingIeError);
    expect(e.ieType).toBe(IeType.FSEID);
    expect(verdictFor(e)).toEqual({ action: 'reject', cause: Cause.MandatoryIeMissing, offendingIe: IeType.FSEID });
    expect(() => encodeMessage(noFseid)).toThrow(PfcpEncodeError);
  });

  it('missing mandatory IE inside a grouped IE is reported with its path', () => {
    const m = structuredClone(samples[8]) as any;
    const full = encodeMessage(m);
    // Remove the Source Interface inside the first Create PDR's PDI by re-encoding PDI without it: find IE 20.
    const idx = full.indexOf(Buffer.from('001400010', 'hex').subarray(0, 4));
    expect(idx).toBeGreaterThan(0);
    const cut = shrinkParents(full, idx, 5);
    const e = catchErr(() => decodeMessage(cut));
    expect(e).toBeInstanceOf(PfcpMissingIeError);
    expect(e.iePath).toBe('Create PDR/PDI/Source Interface');
  });

  it('unknown and vendor IEs are skipped', () => {
    const m = encodeMessage(samples[0]);
    const extra = Buffer.from('7fff0003aabbcc' + '80010006' + '4e4f' + '01020304', 'hex'); // unknown IE 32767, enterprise IE 32769
    const b = Buffer.concat([m, extra]);
    b.writeUInt16BE(b.length - 4, 2);
    expect(decodeMessage(b)).toEqual(samples[0]);
  });

  it('a node message with the S flag, or a session message without it, is rejected', () => {
    const b = Buffer.from(encodeMessage(samples[0]));
    b[0] |= 1;
    expect(catchErr(() => decodeMessage(b)).kind).toBe('header');
  });

  it('encode validates values', () => {
    expect(() => encodeMessage({ type: M.HeartbeatRequest, sequence: 1 << 24, recoveryTimeStamp: T0 })).toThrow(PfcpEncodeError);
    expect(() => encodeMessage({ type: M.AssociationReleaseRequest, sequence: 1, nodeId: { type: 'ipv4', value: '300.1.1.1' } })).toThrow(/IPv4/);
  });
});

function catchErr(f: () => unknown): PfcpDecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof PfcpDecodeError) return e;
    throw e;
  }
  throw new Error('expected a PfcpDecodeError');
}

/** Removes the top-level IE of `type` from a message and fixes the header length. */
function removeIe(msg: Buffer, headerLen: number, type: number): Buffer {
  let pos = headerLen;
  while (pos < msg.length) {
    const t = msg.readUInt16BE(pos);
    const l = msg.readUInt16BE(pos + 2);
    if (t === type) {
      const out = Buffer.concat([msg.subarray(0, pos), msg.subarray(pos + 4 + l)]);
      out.writeUInt16BE(out.length - 4, 2);
      return out;
    }
    pos += 4 + l;
  }
  throw new Error(`IE ${type} not found`);
}

/** Cuts `n` bytes at `at` and shrinks the length of every enclosing IE and of the header. */
function shrinkParents(msg: Buffer, at: number, n: number): Buffer {
  const out = Buffer.concat([msg.subarray(0, at), msg.subarray(at + n)]);
  out.writeUInt16BE(out.length - 4, 2);
  const walk = (start: number, end: number) => {
    let pos = start;
    while (pos < end) {
      const l = out.readUInt16BE(pos + 2);
      const valueEnd = pos + 4 + l;
      if (at >= pos + 4 && at < valueEnd) {
        out.writeUInt16BE(l - n, pos + 2);
        walk(pos + 4, valueEnd - n);
        return;
      }
      pos = valueEnd;
    }
  };
  walk(16, out.length);
  return out;
}
