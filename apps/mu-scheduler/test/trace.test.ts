import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir } from '@fastpath/native';
import { parseInvocations, pickWorkloads, readInvocations, TraceFormatError } from '../src/replay/trace.ts';

describe('Azure Functions trace parsing', () => {
  it('reads the original and the invitro layouts', () => {
    const a = parseInvocations('HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f1,http,1,2,3\no,a,f2,queue,0,0,7\n');
    expect(a.map((f) => [f.hash, f.trigger, f.perMinute])).toEqual([
      ['f1', 'http', [1, 2, 3]],
      ['f2', 'queue', [0, 0, 7]],
    ]);
    const b = parseInvocations('HashFunction,HashApp,HashOwner,minute_1,minute_2\nx,x,x,5,6\n');
    expect(b[0]).toMatchObject({ hash: 'x', trigger: undefined, perMinute: [5, 6] });
  });
  it('rejects malformed rows with line and column', () => {
    const hdr = 'HashOwner,HashApp,HashFunction,Trigger,1,2\n';
    expect(() => parseInvocations(hdr + 'o,a,f,http,1,x\n', 't.csv')).toThrow(/t\.csv:2: column 2: "x" is not a non-negative integer/);
    expect(() => parseInvocations(hdr + 'o,a,f,http,1,-2\n')).toThrow(TraceFormatError);
    expect(() => parseInvocations(hdr + 'o,a,f,http,1\n')).toThrow(/has 5 fields, header has 6/);
    expect(() => parseInvocations(hdr + 'o,a,f,http,1,2\no,a,g,http,1.5,2\n')).toThrow(/:3: column 1/);
    expect(() => parseInvocations('')).toThrow(/empty file/);
    expect(() => parseInvocations('a,b\n1,2\n')).toThrow(/no HashFunction/);
    expect(() => parseInvocations('HashFunction,x\nf,1\n')).toThrow(/no minute columns/);
    expect(() => parseInvocations(hdr)).toThrow(/no function rows/);
  });
  it('picks the two busiest variable functions among the top 10 by peak', () => {
    const row = (h: string, v: number[]) => ({ hash: h, app: '', owner: '', perMinute: v });
    const fns = [row('flat', [100, 100, 100]), row('spiky', [0, 90, 0]), row('wavy', [10, 40, 20]), row('tiny', [0, 1, 0])];
    expect(pickWorkloads(fns).map((f) => f.hash)).toEqual(['spiky', 'wavy']); // flat is not variable; spiky has more invocations
    expect(() => pickWorkloads([row('flat', [1, 1])])).toThrow(/only 0 variable/);
  });
  const dir = join(dataDir(), 'azure-functions-2019');
  const have = existsSync(join(dir, 'invitro-10fn-original-format', 'invocations.csv'));
  it.skipIf(!have)('reads the shared 10-function subset (skipped without shared/data/azure-functions-2019)', () => {
    const fns = readInvocations(join(dir, 'invitro-10fn-original-format', 'invocations.csv'));
    expect(fns).toHaveLength(10);
    expect(fns.every((f) => f.perMinute.length === 1440)).toBe(true);
  });
});
