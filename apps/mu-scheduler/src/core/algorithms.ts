// Every placement algorithm by name: Mu's three DRF variants and three Kubernetes profiles.
import { placeDrf } from './drf.ts';
import type { Placement, PlacementInput } from './model.ts';
import { placeQueue } from './queue-scheduler.ts';
import { muScorers } from './scoring-mu.ts';
import type { K8sProfile } from './scoring-k8s.ts';

export const HEURISTICS = ['alignment', 'worstfit', 'bestfit', 'k8s-default', 'k8s-most', 'k8s-ratio'] as const;
export type Heuristic = (typeof HEURISTICS)[number];
/** What Mu runs unless told otherwise. The three DRF scorers are equally fair in the 500-case
 * simulation (U_cpu and U_mem 3.4-4x and 8-9x below the Kubernetes default); BestFit places the
 * most CPU (1.8% below ILP0, against 3.0% for Alignment and 5.1% for WorstFit): see
 * docs/results/mu/simulation.json, placedCpuBelowIlp0Pct. */
export const MU_DEFAULT_ALGORITHM: Heuristic = 'bestfit';

export const K8S_PROFILES: Record<'k8s-default' | 'k8s-most' | 'k8s-ratio', K8sProfile> = {
  // The default profile: NodeResourcesFit (LeastAllocated) + NodeResourcesBalancedAllocation, weight 1 each.
  'k8s-default': { strategy: 'LeastAllocated' },
  'k8s-most': { strategy: 'MostAllocated' },
  'k8s-ratio': { strategy: 'RequestedToCapacityRatio' },
};

export function isHeuristic(name: string): name is Heuristic {
  return (HEURISTICS as readonly string[]).includes(name);
}

export function place(algo: Heuristic, input: PlacementInput, seed = 1): Placement {
  switch (algo) {
    case 'alignment':
    case 'worstfit':
    case 'bestfit':
      return placeDrf(input, muScorers[algo], { seed, name: algo });
    default:
      return placeQueue(input, K8S_PROFILES[algo], { seed, name: algo });
  }
}
