// Mu's node scores (dissertation §4.3.2), exactly as the formulas are printed; the node with the
// highest score wins. a = free resources of the node, c = its capacity, d = the pod's demand.
// A resource the node does not have (c = 0, or a = 0 for BestFit) contributes nothing: the pod can
// only fit there if it asks for none of it.

export type MuScorer = (a: readonly number[], c: readonly number[], d: readonly number[]) => number;

/** Alignment: Σ_j (a_j / c_j) · (d_j / c_j). */
export const alignment: MuScorer = (a, c, d) => {
  let s = 0;
  for (let j = 0; j < d.length; j++) if (c[j] > 0) s += (a[j] / c[j]) * (d[j] / c[j]);
  return s;
};

/** WorstFit: Σ_j (a_j − d_j) / c_j. */
export const worstFit: MuScorer = (a, c, d) => {
  let s = 0;
  for (let j = 0; j < d.length; j++) if (c[j] > 0) s += (a[j] - d[j]) / c[j];
  return s;
};

/** BestFit: Σ_j (a_j − d_j) / a_j. */
export const bestFit: MuScorer = (a, _c, d) => {
  let s = 0;
  for (let j = 0; j < d.length; j++) if (a[j] > 0) s += (a[j] - d[j]) / a[j];
  return s;
};

export const muScorers = { alignment, worstfit: worstFit, bestfit: bestFit } as const;
export type MuScorerName = keyof typeof muScorers;
