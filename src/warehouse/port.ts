import type { Table } from 'apache-arrow';

/** A named query parameter, bound by the engine (never spliced into SQL text). */
export type QueryParamValue =
  | { type: 'DATE'; value: string }
  | { type: 'TIMESTAMP'; value: string }
  | { type: 'INT64'; value: number }
  | { type: 'FLOAT64'; value: number }
  | { type: 'STRING'; value: string }
  | { type: 'ARRAY<STRING>'; value: string[] };

export interface QueryRequest {
  /** the sql/ file's base name, e.g. "candidates" */
  name: string;
  /** the GoogleSQL text as it stands in sql/NAME.sql */
  sql: string;
  params: Record<string, QueryParamValue>;
  /** job labels (BigQuery) / log context: job name, run id, as-of */
  labels: Record<string, string>;
}

export interface QueryResult {
  table: Table;
  /** BigQuery job id, or a local id; goes into the manifest's lineage */
  jobId: string;
  /** bytes scanned (BigQuery) or read (local), when known */
  bytesProcessed?: number;
}

export interface DryRunResult {
  name: string;
  bytesProcessed: number;
}

export interface InputTableInfo {
  table: string;
  rows: number;
  /** a content or modification fingerprint of the table */
  fingerprint: string;
}

export interface Warehouse {
  readonly uri: string;
  /** Run one query and hand its result over as Arrow, without a JS object per row. */
  query(req: QueryRequest): Promise<QueryResult>;
  /** Bytes each query would scan, without running it (BigQuery dry run; local engines may estimate). */
  dryRun(req: QueryRequest): Promise<DryRunResult>;
  /** Row counts and fingerprints of the contract tables; their hash is the run's input fingerprint. */
  describeInputs(): Promise<InputTableInfo[]>;
  close(): Promise<void>;
}
