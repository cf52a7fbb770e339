#!/usr/bin/env node
// Sums the vitest JSON reports in dist/test-results/ into the one line CI reads:
//   N passed, N failed, N skipped
// Exits 1 when a test failed or a project's run crashed before its report was complete.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'dist', 'test-results');
let passed = 0, failed = 0, skipped = 0, broken = 0;
const perProject = [];
for (const f of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : []) {
  try {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const p = r.numPassedTests ?? 0, x = r.numFailedTests ?? 0, s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // a file that failed to load counts as a failed suite with no tests
    const suites = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    passed += p; failed += x + suites; skipped += s;
    perProject.push(`${f.replace(/\.json$/, '')}: ${p} passed, ${x + suites} failed, ${s} skipped`);
  } catch (err) {
    broken++;
    perProject.push(`${f}: unreadable report (${err.message})`);
  }
}
console.log(perProject.join('\n'));
console.log(`${passed} passed, ${failed + broken} failed, ${skipped} skipped`);
process.exit(failed + broken > 0 || passed === 0 ? 1 : 0);
