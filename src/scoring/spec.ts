/**
 * The scoring spec: every constant of the scoring model and the allocation, versioned and hashed.
 * A run's spec hash goes into the manifest, so two snapshots scored with different constants never
 * look alike.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { canonicalJson, sha256Hex } from '../core/hash.ts';

const share = z.number().min(0).max(1);
const positive = z.number().positive();
const nonNegative = z.number().min(0);

const eligibilitySchema = z.strictObject({
  /** a track must be released at least this many days before the as-of date */
  min_track_age_days: nonNegative.default(30),
  /** streams of the track in the market over the last 28 days, all surfaces */
  min_streams_28d: nonNegative.default(20),
});

const engagementSchema = z.strictObject({
  /** days of engagement the SQL side aggregates (informational here, the queries read it) */
  window_days: z.number().int().positive().default(28),
  /** days behind the impression forecast: the SQL sums them (@forecast_days), the kernel divides by them */
  forecast_days: z.number().int().positive().max(366).default(7),
  /**
   * recency weights of the window's engagement counts (the SQL's @half_life_days): yesterday counts
   * 1, a day k days earlier 0.5^((k - 1) / half_life_days); 0: every day counts fully
   */
  half_life_days: nonNegative.default(0),
});

const priorSchema = z.strictObject({
  /** rows with fewer impressions do not take part in fitting the prior (too noisy) */
  min_impressions: nonNegative.default(50),
  /** fewer fitting rows than this in a (market, surface): use the fallback prior */
  min_rows: z.number().int().min(2).default(5),
  /** prior strength alpha + beta when the fit is unusable */
  fallback_strength: positive.default(20),
  /** bounds of the fitted strength alpha + beta */
  min_strength: positive.default(2),
  max_strength: positive.default(10_000),
});

const guardrailSchema = z.strictObject({
  /** rows whose pessimistic skip rate exceeds this are never promoted */
  hard_skip_limit: share.default(0.6),
  /** one-sided confidence of the pessimistic skip bound */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /** wilson: Wilson upper bound on the posterior pseudo-counts; posterior_normal: mean + z * posterior sd */
  bound: z.enum(['wilson', 'posterior_normal']).default('wilson'),
});

const explorationSchema = z.strictObject({
  /** ucb: upper confidence width of the save rate; thompson: a normal draw seeded by run and row key */
  method: z.enum(['ucb', 'thompson', 'none']).default('ucb'),
  /** width multiplier (UCB) or draw scale (Thompson) */
  z: nonNegative.default(1),
  /** largest bonus added to the per-impression value */
  bonus_cap: nonNegative.default(0.05),
  /** rows with at least this many impressions (all of them inform the save estimate) get no bonus */
  budget_impressions: nonNegative.default(5_000),
  /** the exploration budget: per (market, surface), bonus rows' headroom is at most this share of its promoted capacity */
  capacity_share: share.default(0.05),
});

const valueSchema = z.strictObject({
  save_weight: nonNegative.default(1),
  skip_excess_weight: nonNegative.default(0.5),
  commission_weight: nonNegative.default(0.05),
});

const pacingSchema = z.strictObject({
  /**
   * value multiplier = clamp(1 + gain * (1 - delivered / expected), min_factor, max_factor); delivered
   * and expected over the campaign's flight so far. 0 (default): no factor, pacing is the LP's
   * per-campaign bounds below; a factor would raise every campaign that cannot reach its target.
   */
  gain: nonNegative.default(0),
  min_factor: positive.default(0.5),
  max_factor: positive.default(1.5),
  /** today's need = target + (expected - delivered) / catch_up_days: a shortfall is made up over this many days */
  catch_up_days: positive.default(7),
  /** today's need is at most (1 + max_catch_up) x the daily target */
  max_catch_up: nonNegative.default(1),
  /** upper bound on a campaign's impressions today: (1 + upper_slack) x its need */
  upper_slack: nonNegative.default(0),
  /** value per impression of the need the LP leaves undelivered (the soft lower bound's penalty); 0: no lower bound */
  shortfall_penalty: nonNegative.default(0.01),
});

const capacityOverride = z.strictObject({ market: z.string().min(1), surface: z.string().min(1), rho: share });

const allocationSchema = z.strictObject({
  /** boost = 1 + share * (max_boost - 1) */
  max_boost: z.number().min(1).default(2),
  /** share of a surface's daily impressions that may be promoted; null: the table's max_promoted_share */
  rho_default: share.nullable().default(null),
  rho_overrides: z.array(capacityOverride).default([]),
  /** licensor cap as a share of the market's promoted capacity; licensors.max_share (>= 0) overrides */
  kappa_default: share.default(0.25),
  /** promoted traffic's skip rate may exceed the organic baseline by at most tau */
  skip_tolerance: nonNegative.default(0.02),
  /** skip baseline when a surface has no organic impressions */
  default_skip_baseline: share.default(0.3),
  /** relative duality gap the solver must certify */
  tolerance: z.number().positive().max(0.1).default(1e-4),
  max_iterations: z.number().int().positive().default(500),
});

const holdoutSchema = z.strictObject({
  /** share of eligible rows, by a hash of (as-of, key), whose boost is drawn at random (logged as propensity) */
  share: share.default(0.05),
});

export const scoringSpecSchema = z.strictObject({
  spec_version: z.string().min(1).default('1'),
  eligibility: eligibilitySchema.prefault({}),
  engagement: engagementSchema.prefault({}),
  prior: priorSchema.prefault({}),
  guardrail: guardrailSchema.prefault({}),
  exploration: explorationSchema.prefault({}),
  value: valueSchema.prefault({}),
  pacing: pacingSchema.prefault({}),
  allocation: allocationSchema.prefault({}),
  holdout: holdoutSchema.prefault({}),
});

export type ScoringSpec = z.infer<typeof scoringSpecSchema>;
export type ScoringSpecInput = z.input<typeof scoringSpecSchema>;

/** The built-in spec: every default. */
export function defaultSpec(): ScoringSpec {
  return parseSpec({}, '<defaults>');
}

/** Validates a parsed document; errors name the field and where the spec came from. */
export function parseSpec(doc: unknown, source: string): ScoringSpec {
  const r = scoringSpecSchema.safeParse(doc ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new UsageError(`invalid scoring spec ${source}:\n${lines.join('\n')}`);
  }
  const spec = r.data;
  if (spec.prior.min_strength > spec.prior.max_strength) {
    throw new UsageError(`invalid scoring spec ${source}:\n  prior.min_strength: must not exceed prior.max_strength`);
  }
  if (spec.pacing.min_factor > spec.pacing.max_factor) {
    throw new UsageError(`invalid scoring spec ${source}:\n  pacing.min_factor: must not exceed pacing.max_factor`);
  }
  const seen = new Set<string>();
  spec.allocation.rho_overrides.forEach((o, i) => {
    const key = `${o.market}/${o.surface}`;
    if (seen.has(key)) {
      throw new UsageError(`invalid scoring spec ${source}:\n  allocation.rho_overrides.${i}: duplicate override for ${key}`);
    }
    seen.add(key);
  });
  return spec;
}

/** Loads a spec from a YAML or JSON file (JSON is YAML); no path: the defaults. */
export function loadSpec(path?: string): ScoringSpec {
  if (!path) return defaultSpec();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read scoring spec ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`scoring spec ${path} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseSpec(doc, path);
}

/** sha256 of the canonical JSON of the fully defaulted spec: equal constants, equal hash. */
export function specHash(spec: ScoringSpec): string {
  return sha256Hex(canonicalJson(spec));
}

/** Capacity share rho of (market, surface): spec override, else spec default, else the table's value. */
export function rhoOf(spec: ScoringSpec, market: string, surface: string, tableShare: number): number {
  for (const o of spec.allocation.rho_overrides) if (o.market === market && o.surface === surface) return o.rho;
  if (spec.allocation.rho_default !== null) return spec.allocation.rho_default;
  return Number.isFinite(tableShare) && tableShare >= 0 ? Math.min(1, tableShare) : 0;
}
