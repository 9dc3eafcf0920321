/**
 * The snapshot contract (docs/architecture.md, "Publish protocol" and "Contracts"): object layout, manifest,
 * LATEST. Serving layers and other programs rely on every name here; change them only with a
 * FORMAT_VERSION bump.
 */
export const FORMAT_VERSION = 1;

/** Contract columns, in order; diagnostic columns may follow. */
export const SNAPSHOT_COLUMNS = [
  ['track_id', 'utf8'],
  ['market', 'utf8'],
  ['surface', 'utf8'],
  ['campaign_id', 'utf8'],
  ['licensor_id', 'utf8'],
  ['score', 'float32'],
  ['boost', 'float32'],
  ['share', 'float64'],
  ['upper', 'float64'],
  ['value', 'float64'],
  ['headroom', 'float64'],
  ['skip_upper', 'float64'],
  ['reason', 'uint32'],
] as const;

/** Contract columns a snapshot may lack (versions that predate them), with their type when present. */
export const OPTIONAL_SNAPSHOT_COLUMNS = [['propensity', 'float32']] as const;

export const paths = {
  versionDir: (dataset: string, version: string) => `${dataset}/versions/${version}/`,
  shard: (dataset: string, version: string, file: string) => `${dataset}/versions/${version}/${file}`,
  shardFile: (n: number) => `part-${String(n).padStart(5, '0')}.arrow`,
  manifest: (dataset: string, version: string) => `${dataset}/versions/${version}/manifest.json`,
  /** manifest path relative to the dataset, as LATEST names it */
  manifestRel: (version: string) => `versions/${version}/manifest.json`,
  latest: (dataset: string) => `${dataset}/LATEST`,
};

/** Called after every step of publish and rollback; tests throw from it to simulate a crash there. */
export type FaultHook = (step: string) => void | Promise<void>;

export interface LatestPointer {
  version: string;
  /** path of the manifest relative to the dataset directory */
  manifest: string;
  /**
   * sha256 (hex) of the manifest's bytes: readers refuse a manifest that does not match. Absent from
   * pointers written before it was added; readers then skip the check.
   */
  manifest_sha256?: string;
}

export interface ShardEntry {
  /** path relative to the version directory, e.g. part-00003.arrow */
  path: string;
  bucket: number;
  rows: number;
  bytes: number;
  sha256: string;
  /** base64 of the big-endian CRC32C (as GCS reports it) */
  crc32c: string;
}

export interface Certificate {
  primal: number;
  dual_bound: number;
  gap: number;
  max_violation: number;
}

export interface SurfaceAllocation {
  surface: string;
  capacity: number;
  skip_baseline: number;
  skip_tolerance: number;
  used: number;
  capacity_price: number;
  skip_price: number;
}

export interface LicensorCapAllocation {
  licensor_id: string;
  cap: number;
  used: number;
  price: number;
}

export interface MarketAllocation {
  market: string;
  surfaces: SurfaceAllocation[];
  licensor_caps: LicensorCapAllocation[];
  certificate: Certificate;
}

/** How the randomized holdout was drawn (docs/snapshots.md, "Propensity"). */
export interface HoldoutDesign {
  /** share of eligible rows sent to the randomized boost */
  share: number;
  /** the row key columns hashed, in order, with `seed` */
  key: string[];
  seed: string;
  /** the boosts a holdout row draws from, and their probabilities */
  boosts: number[];
  probabilities: number[];
}

export interface AllocationSection {
  tolerance: number;
  certificate: Certificate;
  markets: MarketAllocation[];
  /** the randomized holdout behind the snapshot's `propensity` column */
  holdout?: HoldoutDesign;
}

export interface QualityCheckResult {
  check: string;
  table?: string;
  column?: string;
  policy: 'fail' | 'drop' | 'warn';
  status: 'pass' | 'fail' | 'dropped' | 'warned';
  offending: number;
  examples?: string[];
  detail?: string;
  /** the measured value a threshold was held against (drift, certificate gap), when there is one */
  measured?: number;
  threshold?: number;
  /** the job setting that holds the threshold, as `--set` names it (e.g. quality.output.max_row_change) */
  setting?: string;
}

export interface Manifest {
  format_version: number;
  dataset: string;
  version: string;
  as_of: string;
  created_at: string;
  producer: {
    package_version: string;
    git_sha: string;
    spec_hash: string;
    job_name: string;
    run_id: string;
  };
  inputs: {
    warehouse: string;
    tables: { table: string; rows: number; fingerprint: string }[];
    queries: { name: string; job_id: string; rows: number; bytes_processed?: number }[];
    fingerprint: string;
  };
  /** Arrow schema: field name, type, nullable */
  schema: { name: string; type: string; nullable: boolean }[];
  buckets: number;
  shards: ShardEntry[];
  stats: {
    rows: number;
    promoted_rows: number;
    by_market_surface: { market: string; surface: string; rows: number; promoted: number }[];
    score_quantiles: Record<string, number>;
  };
  quality: { input: QualityCheckResult[]; output: QualityCheckResult[] };
  allocation: AllocationSection;
  previous_version: string | null;
}
