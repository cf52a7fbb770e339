// Benchmark plumbing shared by every system: statistics, machine info, result files,
// tables and progress output.
export { summarize, percentile, ratio, tQuantile975, type Summary } from './stats.ts';
export { machineInfo, type MachineInfo } from './machine.ts';
export { writeResult, readResult, resultsDir, type ResultEnvelope } from './results.ts';
export { renderTable, printTable, formatNumber, type Cell } from './table.ts';
export { progress, type Progress } from './progress.ts';
export { mulberry32, randInt, shuffle, type Rng } from './prng.ts';
