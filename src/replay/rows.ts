/**
 * What the replay estimators read (docs/evaluation.md, "Replay"): one row per (key, day) of a
 * horizon — key = (track, market, surface) — that the replayed allocation promotes, or that has
 * logged promoted outcomes. Plain arrays, so the estimators are pure functions of them.
 */
export interface ReplayRows {
  n: number;
  /** the (track, day) block of the row: the unit the bootstrap resamples */
  block: Int32Array;
  /** the row's (market, surface) group: the direct method pools its outcome rate per group */
  group: Int32Array;
  /**
   * the replayed allocation's expected promoted impressions of the key that day (0: it does not
   * promote the key); the job's own linear response, Σ over the key's rows of headroom × share
   */
  planned: Float64Array;
  /**
   * IPS weight of the logged action: Π over the key's rows of 1[logged share = replayed share] /
   * logged propensity; NaN when the log gives the replayed action no support (no logged snapshot
   * that day, or a share the logging design could not have drawn): those rows take the direct method
   */
  weight: Float64Array;
  /** logged promoted impressions of the key that day */
  impressions: Float64Array;
  /** logged promoted saves minus promoted impressions × the group's organic save rate that day */
  increment: Float64Array;
}

export function emptyRows(capacity: number): ReplayRows {
  return {
    n: 0,
    block: new Int32Array(capacity),
    group: new Int32Array(capacity),
    planned: new Float64Array(capacity),
    weight: new Float64Array(capacity),
    impressions: new Float64Array(capacity),
    increment: new Float64Array(capacity),
  };
}
