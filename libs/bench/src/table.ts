// Plain-text tables for benchmark summaries: one screen, aligned, numbers right-aligned.

export type Cell = string | number | null | undefined;

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '—' : String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e12 || a < 1e-3)) return v.toExponential(2);
  if (Number.isInteger(v) || a >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

export function renderTable(rows: Record<string, Cell>[], title?: string): string {
  if (rows.length === 0) return title ? `${title}\n(no rows)\n` : '(no rows)\n';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const text = rows.map((r) => cols.map((c) => (typeof r[c] === 'number' ? formatNumber(r[c] as number) : (r[c] ?? '') + '')));
  const numeric = cols.map((c) => rows.every((r) => r[c] == null || typeof r[c] === 'number'));
  const width = cols.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)));
  const line = (cells: string[]) => cells.map((s, i) => (numeric[i] ? s.padStart(width[i]) : s.padEnd(width[i]))).join('  ').trimEnd();
  const out = [line(cols), width.map((w) => '─'.repeat(w)).join('  '), ...text.map(line)];
  if (title) out.unshift(title);
  return out.join('\n') + '\n';
}

export function printTable(rows: Record<string, Cell>[], title?: string): void {
  process.stdout.write(renderTable(rows, title));
}
