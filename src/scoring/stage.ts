import type { Table } from 'apache-arrow';
import type { AllocationSection } from '../snapshot/contract.ts';

/**
 * The scoring stage's signature: a pure function from the feature tables (see features.ts) and a
 * scoring spec to the snapshot's columns. It knows no vendor, no file and no clock.
 */
export interface ScoreInput {
  /** candidates.sql result: CANDIDATE_STRING_COLUMNS (utf8) + CANDIDATE_NUMERIC_COLUMNS (float64) */
  candidates: Table;
  /** surfaces.sql result: market, surface (utf8) + SURFACE_NUMERIC_COLUMNS (float64) */
  surfaces: Table;
}

export interface ScoreContext {
  /** the logical date, YYYY-MM-DD (hourly runs: the date part of the hour) */
  asOf: string;
  /** seeds exploration draws together with each row's key, so reruns match */
  seed: string;
  /** shadow prices of the previous snapshot, to warm-start the solver */
  warmStart?: AllocationSection;
}

/** Keyed by market, the prices of a market's constraints (warm start / explain). */
export interface ScoreOutput {
  /** SNAPSHOT_COLUMNS in order, then diagnostic columns; same row order as candidates */
  table: Table;
  allocation: AllocationSection;
}
