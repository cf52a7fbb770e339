// The plate database of the parking chain: an append-only JSON-lines file (PARKING_DB), shared by
// search (reads) and persist (appends) as a database would be.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export const dbPath = () => process.env.PARKING_DB ?? `/tmp/spright-parking-${process.ppid}.jsonl`;

export function findPlate(plate: string): { plate: string; firstSeen: number } | undefined {
  if (!existsSync(dbPath())) return undefined;
  for (const line of readFileSync(dbPath(), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { plate: string; firstSeen: number };
    if (r.plate === plate) return r;
  }
  return undefined;
}

export function addPlate(plate: string, firstSeen: number): void {
  appendFileSync(dbPath(), `${JSON.stringify({ plate, firstSeen })}\n`);
}
