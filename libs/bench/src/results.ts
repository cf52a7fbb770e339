import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { workspaceRoot } from '@fastpath/native';
import { machineInfo, type MachineInfo } from './machine.ts';

/** docs/results, or $FASTPATH_RESULTS_DIR (tests point it at a temporary folder). */
export function resultsDir(): string {
  return process.env.FASTPATH_RESULTS_DIR ?? join(workspaceRoot, 'docs', 'results');
}

export interface ResultEnvelope<T> {
  system: string;
  name: string;
  measuredAt: string;
  machine: MachineInfo;
  /** Load average when the benchmark started, to judge how noisy the machine was. */
  loadBefore?: [number, number, number];
  data: T;
}

/**
 * Writes docs/results/<system>/<name>.json: { system, name, measuredAt, machine, data }.
 * The data's own keys stay at the top level too, so `chain2.c32.s.rps` style paths work
 * directly on the file.
 */
export function writeResult<T extends object>(system: string, name: string, data: T, opts: { loadBefore?: [number, number, number] } = {}): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(system) || !/^[a-z0-9][a-z0-9_.-]*$/i.test(name)) {
    throw new Error(`writeResult: bad result name ${system}/${name}`);
  }
  const path = join(resultsDir(), system, `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  const envelope = { ...data, system, name, measuredAt: new Date().toISOString(), machine: machineInfo(), loadBefore: opts.loadBefore, data };
  writeFileSync(path, JSON.stringify(envelope, null, 2) + '\n');
  return path;
}

export function readResult<T = any>(system: string, name: string): ResultEnvelope<T> {
  return JSON.parse(readFileSync(join(resultsDir(), system, `${name}.json`), 'utf8'));
}
