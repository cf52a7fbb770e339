// Azure Functions 2019 invocation traces (per-minute counts), in the two layouts of shared/data:
//   original:  HashOwner,HashApp,HashFunction,Trigger,1..1440
//   invitro:   HashFunction,HashApp,HashOwner,minute_1..minute_1440
// Every count must be a non-negative integer; anything else is a TraceFormatError naming line and column.
import { readFileSync } from 'node:fs';

export interface TraceFunction {
  hash: string;
  app: string;
  owner: string;
  trigger?: string;
  /** Invocations per minute. */
  perMinute: number[];
}

export class TraceFormatError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = 'TraceFormatError';
  }
}

export function parseInvocations(text: string, source = '<trace>'): TraceFunction[] {
  const lines = text.split(/\r?\n/).filter((l, i, a) => l.trim() !== '' || i < a.length - 1);
  if (lines.length === 0 || lines[0].trim() === '') throw new TraceFormatError(source, 1, 'empty file, expected a header');
  const header = lines[0].split(',').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const fnCol = col('HashFunction');
  if (fnCol < 0) throw new TraceFormatError(source, 1, 'header has no HashFunction column');
  const minuteCols = header.map((h, i) => [h, i] as const).filter(([h]) => /^(minute_)?[0-9]+$/.test(h));
  if (minuteCols.length === 0) throw new TraceFormatError(source, 1, 'header has no minute columns (1..1440 or minute_1..)');
  const out: TraceFunction[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== header.length) throw new TraceFormatError(source, i + 1, `has ${cells.length} fields, header has ${header.length}`);
    const perMinute = minuteCols.map(([h, c]) => {
      const v = cells[c].trim();
      if (!/^[0-9]+$/.test(v)) throw new TraceFormatError(source, i + 1, `column ${h}: "${v}" is not a non-negative integer count`);
      return Number(v);
    });
    out.push({
      hash: cells[fnCol],
      app: col('HashApp') >= 0 ? cells[col('HashApp')] : '',
      owner: col('HashOwner') >= 0 ? cells[col('HashOwner')] : '',
      trigger: col('Trigger') >= 0 ? cells[col('Trigger')] : undefined,
      perMinute,
    });
  }
  if (out.length === 0) throw new TraceFormatError(source, 2, 'no function rows');
  return out;
}

export function readInvocations(path: string): TraceFunction[] {
  return parseInvocations(readFileSync(path, 'utf8'), path);
}

/**
 * The dissertation picks "2 workloads with variable invocation patterns from the top 10 workloads
 * sorted by maximum number of invocations". Our rule: among the 10 functions with the highest
 * per-minute maximum, drop those with a nearly constant rate (CV < 0.1) and take the two with the most
 * invocations.
 */
export function pickWorkloads(fns: TraceFunction[], count = 2): TraceFunction[] {
  const cv = (v: number[]) => {
    const m = v.reduce((s, x) => s + x, 0) / v.length;
    return m === 0 ? 0 : Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length) / m;
  };
  const top = [...fns].sort((a, b) => Math.max(...b.perMinute) - Math.max(...a.perMinute)).slice(0, 10);
  const variable = top.filter((f) => cv(f.perMinute) >= 0.1);
  const total = (f: TraceFunction) => f.perMinute.reduce((s, x) => s + x, 0);
  const picked = variable.sort((a, b) => total(b) - total(a)).slice(0, count);
  if (picked.length < count) throw new Error(`only ${picked.length} variable functions among the top 10; need ${count}`);
  return picked;
}
