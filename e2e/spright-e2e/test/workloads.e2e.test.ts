// The dissertation's three workloads end to end at small scale, driven the way a user runs them:
// `nx run spright:bench --scenario <workload>` (here its entry, with the scale knobs turned down),
// on SPRIGHT (S) and on the knative-like baseline. Checks the JSON and SVGs it writes and that
// every request got a real answer; the full-scale runs are the same command with defaults.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..', '..');
const benchEntry = join(root, 'apps', 'spright', 'bench', 'main.ts');
const results = mkdtempSync(join(tmpdir(), `spright-e2e-workloads-${process.pid}-`));
const stateDir = `/tmp/spright-e2e-wl-${process.pid}`;

afterAll(() => {
  rmSync(results, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
});

function bench(scenario: string, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, ['--import', 'tsx', benchEntry, '--scenario', scenario, '--systems', 's,knativeLike'], {
      cwd: root,
      env: { ...process.env, ...env, FASTPATH_RESULTS_DIR: results, SPRIGHT_STATE_DIR: stateDir },
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', rej);
    c.on('close', (code) => res({ code, out, err }));
  });
}

const result = <T>(name: string): T => JSON.parse(readFileSync(join(results, 'spright', `${name}.json`), 'utf8')).data as T;
const svg = (name: string) => readFileSync(join(results, 'spright', `${name}.svg`), 'utf8');

describe('workloads end to end at small scale (bench command, S and knative-like)', () => {
  it('Online Boutique: 10 services, every task type answered, no errors', async () => {
    const r = await bench('boutique', { BOUTIQUE_USERS: '4', BOUTIQUE_STEP_S: '4', BOUTIQUE_THINK_SCALE: '0.002' });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Online Boutique');
    const d = result<{ boutique: Record<string, { steps: { errors: number; tasksPerS: number; perTask: Record<string, { n: number }> }[] }> }>('boutique');
    for (const s of ['s', 'knativeLike']) {
      const step = d.boutique[s].steps[0];
      expect(step.errors, s).toBe(0);
      expect(step.tasksPerS, s).toBeGreaterThan(0);
      // The weighted user model hits browseProduct most; with a few seconds every common task shows up.
      expect(step.perTask.browseProduct.n, s).toBeGreaterThan(0);
      expect(step.perTask.viewCart.n + step.perTask.addToCart.n, s).toBeGreaterThan(0);
    }
    expect(svg('boutique-rps')).toContain('<svg');
  }, 300_000);

  it('IoT motion: the compressed trace replayed on both, warm SPRIGHT and scale-to-zero knative-like', async () => {
    const r = await bench('motion', { MOTION_DURATION_S: '120', MOTION_COMPRESS: '20', MOTION_GRACE_S: '1' });
    expect(r.code, r.err).toBe(0);
    const d = result<{ motion: Record<string, { responses: [number, number, number][]; errors: number }>; params: { events: number } }>('motion');
    expect(d.params.events).toBeGreaterThan(0);
    for (const s of ['s', 'knativeLike']) {
      expect(d.motion[s].errors, s).toBe(0);
      expect(d.motion[s].responses).toHaveLength(d.params.events);
      expect(d.motion[s].responses.every((x) => x[2] === 200)).toBe(true);
    }
    expect(svg('motion-response')).toContain('<svg');
  }, 300_000);

  it('parking: bursts of snapshots through both call sequences, no errors', async () => {
    const r = await bench('parking', { PARKING_SPOTS: '16', PARKING_BURSTS: '2', PARKING_INTERVAL_S: '4', PARKING_COMPRESS: '1', PARKING_DETECT_MS: '20' });
    expect(r.code, r.err).toBe(0);
    const d = result<{ parking: Record<string, { perBurst: { errors: number; chains: Record<string, number> }[] }> }>('parking');
    for (const s of ['s', 'knativeLike']) {
      const bursts = d.parking[s].perBurst;
      expect(bursts).toHaveLength(2);
      for (const b of bursts) expect(b.errors, s).toBe(0);
      // Burst 0 only sees arrivals (Chain-1) and empty spots; burst 1 also stays/leaves (Chain-2).
      expect(bursts[0].chains['chain-1'], s).toBeGreaterThan(0);
      expect(bursts[1].chains['chain-2'], s).toBeGreaterThan(0);
    }
    expect(existsSync(join(results, 'spright', 'parking-cpu.svg'))).toBe(true);
  }, 300_000);
});
