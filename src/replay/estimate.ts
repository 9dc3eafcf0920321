/**
 * One horizon's estimate (docs/evaluation.md, "Replay"): SNIPS on the rows the log supports, the
 * direct method on the others (and on the supported ones too when none of them matched), plus the
 * method mix and the coverage, all weighted by block multiplicities so the bootstrap reuses it.
 */
import { direct } from './direct.ts';
import type { ReplayRows } from './rows.ts';
import { snips, supported } from './snips.ts';

export interface HorizonEstimate {
  /** estimated increment (saves) of the replayed allocation over the organic impressions it displaces */
  estimate: number;
  /** rows the replayed allocation promotes (key-days) */
  n: number;
  /** of those, rows estimated by SNIPS, and rows whose logged action matched */
  n_snips: number;
  n_matched: number;
  /** shares of the planned promoted impressions estimated by each method */
  method_mix: { snips: number; direct: number };
  /** share of the planned promoted impressions on key-days with a logged promoted outcome */
  coverage: number;
  /** the replayed allocation's planned promoted impressions over the horizon (the job's linear response) */
  planned: number;
}

/** The estimate alone (what each bootstrap replicate needs): SNIPS where supported and matched, the direct method elsewhere. */
export function horizonValue(rows: ReplayRows, groups: number, mult?: Float64Array): number {
  const s = snips(rows, mult);
  const useSnips = s.weightSum > 0;
  return (useSnips ? s.value : 0) + direct(rows, groups, (i) => !useSnips || !supported(rows, i), mult).value;
}

export function estimateHorizon(rows: ReplayRows, groups: number, mult?: Float64Array): HorizonEstimate {
  const s = snips(rows, mult);
  const useSnips = s.weightSum > 0;
  const d = direct(rows, groups, (i) => !useSnips || !supported(rows, i), mult);
  let n = 0;
  let planned = 0;
  let plannedSnips = 0;
  let withOutcome = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!(rows.planned[i] > 0)) continue;
    const m = mult ? mult[rows.block[i]] : 1;
    n += m;
    planned += m * rows.planned[i];
    if (useSnips && supported(rows, i)) plannedSnips += m * rows.planned[i];
    if (rows.impressions[i] > 0) withOutcome += m * rows.planned[i];
  }
  const share = (x: number) => (planned > 0 ? x / planned : 0);
  return {
    estimate: (useSnips ? s.value : 0) + d.value,
    n,
    n_snips: useSnips ? s.rows : 0,
    n_matched: s.matched,
    method_mix: { snips: share(plannedSnips), direct: planned > 0 ? 1 - share(plannedSnips) : 0 },
    coverage: share(withOutcome),
    planned,
  };
}
