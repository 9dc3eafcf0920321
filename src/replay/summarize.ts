/**
 * Every horizon's estimate and their total, each with a block-bootstrap 95% interval
 * (docs/evaluation.md, "Replay"). The replicates resample the (track, day) blocks of all horizons at
 * once, so the total's interval accounts for horizons that share days.
 */
import { bootstrap, percentileInterval } from './bootstrap.ts';
import { estimateHorizon, horizonValue, type HorizonEstimate } from './estimate.ts';
import type { ReplayRows } from './rows.ts';

export interface IntervalEstimate extends HorizonEstimate {
  ci_low: number;
  ci_high: number;
}

export interface ReplaySummary {
  horizons: IntervalEstimate[];
  total: IntervalEstimate;
  blocks: number;
}

export interface SummaryOptions {
  groups: number;
  blocks: number;
  replicates: number;
  seed: number;
}

/** The total of several horizons: sums, and shares weighted by planned impressions. */
export function addEstimates(parts: readonly HorizonEstimate[]): HorizonEstimate {
  const sum = (f: (h: HorizonEstimate) => number) => parts.reduce((a, h) => a + f(h), 0);
  const planned = sum((h) => h.planned);
  const snips = planned > 0 ? sum((h) => h.method_mix.snips * h.planned) / planned : 0;
  return {
    estimate: sum((h) => h.estimate),
    n: sum((h) => h.n),
    n_snips: sum((h) => h.n_snips),
    n_matched: sum((h) => h.n_matched),
    method_mix: { snips, direct: planned > 0 ? 1 - snips : 0 },
    coverage: planned > 0 ? sum((h) => h.coverage * h.planned) / planned : 0,
    planned,
  };
}

export function summarize(horizons: readonly ReplayRows[], opts: SummaryOptions): ReplaySummary {
  const point = horizons.map((rows) => estimateHorizon(rows, opts.groups));
  const total = addEstimates(point);
  const reps = bootstrap({ blocks: opts.blocks, replicates: opts.replicates, seed: opts.seed }, (mult) => {
    const v = horizons.map((rows) => horizonValue(rows, opts.groups, mult));
    return [...v, v.reduce((a, b) => a + b, 0)];
  });
  const withCi = (e: HorizonEstimate, values: number[] | undefined): IntervalEstimate => {
    const [lo, hi] = values && opts.blocks > 0 ? percentileInterval(values) : [e.estimate, e.estimate];
    // the documented order: the estimate and its interval first
    return { estimate: e.estimate, ci_low: lo, ci_high: hi, method_mix: e.method_mix, coverage: e.coverage, n: e.n, n_snips: e.n_snips, n_matched: e.n_matched, planned: e.planned };
  };
  return {
    horizons: point.map((e, j) => withCi(e, reps[j])),
    total: withCi(total, reps[horizons.length]),
    blocks: opts.blocks,
  };
}
