import { z } from 'zod';

/**
 * The quality section of a job config: what each input check does when it finds bad rows, and how
 * far an output may drift from the previous snapshot before publishing stops. Every field has a
 * default, so `QualityConfigSchema.parse({})` is the documented default policy (docs/quality.md).
 */
const failDropWarn = z.enum(['fail', 'drop', 'warn']);
const failWarn = z.enum(['fail', 'warn']);

/** Checks whose offending rows map to candidate rows, so `drop` is meaningful. */
export const ROW_CHECKS = [
  'null_keys',
  'duplicate_keys',
  'negative_counts',
  'skips_exceed_impressions',
  'saves_exceed_streams',
  'completions_exceed_streams',
  'rate_out_of_range',
  'non_finite',
  'unknown_market',
  'unknown_surface',
  'unknown_status',
  'invalid_date_range',
  'oversized_keys',
] as const;
/** Checks about a whole table, where dropping rows cannot help: `fail` or `warn`. */
export const TABLE_CHECKS = ['empty_table', 'freshness', 'future_dates'] as const;
export type RowCheck = (typeof ROW_CHECKS)[number];
export type TableCheck = (typeof TABLE_CHECKS)[number];
export type InputCheck = 'schema' | RowCheck | TableCheck;

export const InputPoliciesSchema = z
  .object({
    /** missing table, missing column or wrong type: scoring cannot run, so always fail */
    schema: z.literal('fail').default('fail'),
    empty_table: failWarn.default('fail'),
    freshness: failWarn.default('fail'),
    future_dates: failWarn.default('fail'),
    null_keys: failDropWarn.default('drop'),
    duplicate_keys: failDropWarn.default('fail'),
    negative_counts: failDropWarn.default('drop'),
    skips_exceed_impressions: failDropWarn.default('drop'),
    saves_exceed_streams: failDropWarn.default('drop'),
    completions_exceed_streams: failDropWarn.default('drop'),
    rate_out_of_range: failDropWarn.default('drop'),
    non_finite: failDropWarn.default('drop'),
    unknown_market: failDropWarn.default('drop'),
    unknown_surface: failDropWarn.default('drop'),
    unknown_status: failDropWarn.default('warn'),
    invalid_date_range: failDropWarn.default('drop'),
    oversized_keys: failDropWarn.default('fail'),
  })
  .strict();

export const DriftSchema = z
  .object({
    /** |rows - previous rows| / previous rows above this fails the output gate */
    max_row_change: z.number().nonnegative().default(0.5),
    /** the same per (market, surface) pair, for pairs with at least min_surface_rows rows before */
    max_surface_change: z.number().nonnegative().default(0.75),
    /** population stability index of the score distribution against the previous quantiles */
    max_score_psi: z.number().nonnegative().default(0.25),
    /** drift gates apply only when the previous snapshot has at least this many rows */
    min_rows: z.number().int().nonnegative().default(1000),
    /** the per (market, surface) gate skips pairs with fewer rows than this in the previous snapshot */
    min_surface_rows: z.number().int().nonnegative().default(100),
  })
  .strict();

export const QualityConfigSchema = z
  .object({
    input: InputPoliciesSchema.prefault({}),
    /** engagement rows older than as-of minus this many days are not checked (the feature window) */
    lookback_days: z.number().int().positive().max(3650).default(35),
    /** engagement_daily must hold rows for as-of minus this many days or later */
    freshness_max_lag_days: z.number().int().nonnegative().max(365).default(1),
    /** more than this share of candidate rows dropped by `drop` checks fails the run instead */
    max_drop_ratio: z.number().min(0).max(1).default(0.2),
    /** ids longer than this many UTF-8 bytes are not ids (check oversized_keys) */
    max_key_bytes: z.number().int().positive().max(1 << 20).default(256),
    /** how many offending keys an error or result names */
    examples: z.number().int().min(1).max(100).default(5),
    output: DriftSchema.prefault({}),
    /** relative slack for capacity, cap and skip-budget invariants (float sums) */
    invariant_slack: z.number().nonnegative().max(1e-3).default(1e-9),
  })
  .strict();

export type QualityConfig = z.infer<typeof QualityConfigSchema>;
export type QualityPolicy = 'fail' | 'drop' | 'warn';
