import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  loadavg: [number, number, number];
  hugepagesFree: number | null;
}

function hugepagesFree(): number | null {
  try {
    return Number(readFileSync('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages', 'utf8').trim());
  } catch {
    return null;
  }
}

/** What a result was measured on; written next to every benchmark result. */
export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    loadavg: loadavg().map((v) => Number(v.toFixed(2))) as [number, number, number],
    hugepagesFree: hugepagesFree(),
  };
}
