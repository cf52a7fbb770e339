// Worker thread entry of the simulator: receives case requests, answers with their CaseResult.
import { parentPort } from 'node:worker_threads';
import { runHeuristicCase, type CaseShape } from './heuristic-case.ts';

export interface CaseRequest {
  index: number;
  shape: CaseShape;
  seed: number;
}

parentPort?.on('message', (m: CaseRequest) => parentPort!.postMessage(runHeuristicCase(m.index, m.shape, m.seed)));
