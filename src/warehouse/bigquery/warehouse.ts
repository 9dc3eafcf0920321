import { BigQuery, type Job, type JobMetadata } from '@google-cloud/bigquery';
import { BigQueryReadClient } from '@google-cloud/bigquery-storage';
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { InfraError, InputDataError, UsageError, type PromoscoreError } from '../../core/errors.ts';
import { sleep } from '../../core/sleep.ts';
import { canonicalJson, sha256Hex } from '../../core/hash.ts';
import { silentLogger, type Logger } from '../../observability/log.ts';
import type { DryRunResult, InputTableInfo, QueryRequest, QueryResult, Warehouse } from '../port.ts';
import { CONTRACT_TABLES } from '../tables.ts';
import { mapBigQueryError } from './errors.ts';
import { FEATURE_QUERY_ORDER, orderTable } from './order.ts';
import { expandForBigQuery, type TableExpander } from './expand.ts';
import { sanitizeLabels } from './labels.ts';
import { toClientParams } from './params.ts';
import { readTableArrow, type TableRef } from './storage-read.ts';
import { BQ_DATASET_RE, type BigQueryTarget } from '../../config/uri.ts';
import type { BigQueryLocation } from './names.ts';


export interface BigQueryWarehouseOptions {
  /** job name and run id go into job labels and destination table names */
  jobName?: string;
  runId?: string;
  /** BigQuery location of the dataset and jobs (e.g. "US", "EU", "europe-north1") */
  location?: string;
  /** a query that would bill more fails instead (BigQuery takes it as a decimal string) */
  maximumBytesBilled?: number | string;
  /** dataset (same project) holding query results; its default table expiration cleans them up */
  scratchDataset?: string;
  /** extra labels on every job (already in BigQuery's label rules, from the job config) */
  labels?: Record<string, string>;
  /** Storage Read streams per result table */
  maxStreams?: number;
  /** REST endpoint, e.g. "http://127.0.0.1:9050" for a local double or emulator */
  apiEndpoint?: string;
  /** Storage Read gRPC endpoint "host:port"; plaintext when it is a local endpoint */
  storageEndpoint?: string;
  /** skip Application Default Credentials (local doubles and emulators only) */
  noAuth?: boolean;
  /** REST retries of the client on 5xx/429 before giving up (client default 3) */
  maxRetries?: number;
  /** cap of the client's exponential backoff between REST retries, in seconds (client default 64) */
  maxRetryDelaySeconds?: number;
  /** Storage Read attempts per stream and base backoff */
  readAttempts?: number;
  readRetryDelayMs?: number;
  /** polling of running jobs */
  pollIntervalMs?: number;
  /** key columns per query name whose order the result must have (default: the feature queries' ORDER BY) */
  orderBy?: Record<string, readonly string[]>;
  /** replaces the table placeholders of sql/ files (default: the project's shared expander) */
  expandTables?: TableExpander;
  log?: Logger;
}

/** BigQuery's legacy type names in table schemas (INTEGER, FLOAT, BOOLEAN) next to the GoogleSQL ones. */
function normalType(t: string): string {
  return ({ INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' } as Record<string, string>)[t] ?? t;
}


/** An auth client that adds no headers: for local doubles and emulators, which take none. */
const anonymousAuth = {
  getRequestHeaders: async () => new Headers(),
  getProjectId: async () => undefined,
};

function isLocal(endpoint: string): boolean {
  return /^(https?:\/\/)?(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)(:\d+)?(\/|$)/.test(endpoint);
}

function splitHostPort(endpoint: string): { host: string; port: number } {
  const m = /^(?:https?:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(endpoint);
  if (!m) throw new UsageError(`Storage Read endpoint "${endpoint}" is not HOST:PORT`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 443 };
}

/** Table ids: letters, digits, underscores; keep them short and readable. */
function tableIdPart(s: string): string {
  return s.replace(/[^A-Za-z0-9_]+/g, '_').slice(0, 200);
}

/**
 * The warehouse port over BigQuery: each query runs as a query job writing a destination table in
 * the scratch dataset (labels, maximumBytesBilled, location), then the table is read through the
 * Storage Read API in Arrow format over parallel streams. No JSON rows on this path.
 */
export class BigQueryWarehouse implements Warehouse {
  readonly uri: string;
  readonly bigquery: BigQuery;
  readonly readClient: BigQueryReadClient;
  private readonly loc: BigQueryLocation;
  private readonly log: Logger;

  private readonly opts: BigQueryWarehouseOptions;

  constructor(target: BigQueryTarget, opts: BigQueryWarehouseOptions = {}) {
    this.opts = opts;
    this.loc = { projectId: target.project, datasetId: target.dataset };
    this.uri = target.uri;
    this.log = opts.log ?? silentLogger;
    if (opts.scratchDataset !== undefined && !BQ_DATASET_RE.test(opts.scratchDataset)) {
      throw new UsageError(`scratch dataset "${opts.scratchDataset}" is not a valid BigQuery dataset id`);
    }
    if (opts.maximumBytesBilled !== undefined && !/^[1-9]\d*$/.test(String(opts.maximumBytesBilled))) {
      throw new UsageError(`maximumBytesBilled must be a positive integer, got ${opts.maximumBytesBilled}`);
    }

    const restEndpoint = opts.apiEndpoint;
    const emulator = process.env.BIGQUERY_EMULATOR_HOST;
    const noAuth = opts.noAuth ?? ((restEndpoint !== undefined && isLocal(restEndpoint)) || emulator !== undefined);
    this.bigquery = new BigQuery({
      projectId: this.loc.projectId,
      location: opts.location,
      ...(restEndpoint ? { apiEndpoint: restEndpoint } : {}),
      ...(opts.maxRetries !== undefined || opts.maxRetryDelaySeconds !== undefined
        ? {
            retryOptions: {
              ...(opts.maxRetries !== undefined ? { autoRetry: opts.maxRetries > 0, maxRetries: opts.maxRetries } : {}),
              ...(opts.maxRetryDelaySeconds !== undefined ? { maxRetryDelay: opts.maxRetryDelaySeconds } : {}),
            },
          }
        : {}),
      ...(noAuth ? { authClient: anonymousAuth as never } : {}),
    });

    const storage = opts.storageEndpoint ?? process.env.BIGQUERY_STORAGE_EMULATOR_HOST;
    if (storage) {
      const { host, port } = splitHostPort(storage);
      const plaintext = noAuth || isLocal(storage);
      this.readClient = new BigQueryReadClient({
        projectId: this.loc.projectId,
        apiEndpoint: host,
        port,
        // universeDomain avoids a metadata-server lookup; insecure credentials only for local endpoints
        universeDomain: 'googleapis.com',
        ...(plaintext ? { sslCreds: grpc.credentials.createInsecure() } : {}),
      });
    } else {
      this.readClient = new BigQueryReadClient({ projectId: this.loc.projectId });
    }
  }

  private labelsFor(req: QueryRequest): Record<string, string> {
    return sanitizeLabels({
      ...(this.opts.labels ?? {}),
      ...(this.opts.jobName ? { job: this.opts.jobName } : {}),
      ...(this.opts.runId ? { run_id: this.opts.runId } : {}),
      ...req.labels,
      query: req.name,
      app: 'promoscore',
    });
  }

  private async jobOptions(req: QueryRequest, dryRun: boolean) {
    const sql = expandForBigQuery(req.sql, this.loc, this.opts.expandTables);
    const { params, types } = toClientParams(req.params);
    const hasParams = Object.keys(params).length > 0;
    const destination =
      !dryRun && this.opts.scratchDataset
        ? this.bigquery
            .dataset(this.opts.scratchDataset, { projectId: this.loc.projectId })
            // unique per job: tasks of one run may query concurrently
            .table(tableIdPart(`promoscore_${this.opts.jobName ?? 'job'}_${req.name}_${this.opts.runId ?? 'run'}_${randomUUID().slice(0, 8)}`))
        : undefined;
    return {
      query: sql,
      useLegacySql: false,
      ...(hasParams ? { params, types } : {}),
      labels: this.labelsFor(req),
      ...(this.opts.maximumBytesBilled !== undefined ? { maximumBytesBilled: String(this.opts.maximumBytesBilled) } : {}),
      ...(this.opts.location ? { location: this.opts.location } : {}),
      ...(destination ? { destination, writeDisposition: 'WRITE_TRUNCATE', createDisposition: 'CREATE_IF_NEEDED' } : {}),
      // a dry run answered from the query cache reports 0 bytes; the real run writes a table and is never cached
      ...(dryRun ? { dryRun: true, useQueryCache: false } : {}),
      jobPrefix: `promoscore_${tableIdPart(req.name)}_`,
    };
  }

  private context(req: QueryRequest): string {
    return `query ${req.name} on ${this.uri}`;
  }

  private async createJob(req: QueryRequest, dryRun: boolean): Promise<Job> {
    const options = await this.jobOptions(req, dryRun);
    try {
      const [job] = await this.bigquery.createQueryJob(options as never);
      return job;
    } catch (err) {
      throw await this.mapJobError(err, req);
    }
  }

  private async mapJobError(err: unknown, req: QueryRequest): Promise<PromoscoreError> {
    const scratch = this.opts.scratchDataset;
    const e = err as { message?: string; errors?: Array<{ message?: string }> };
    const msg = String(e?.errors?.[0]?.message || e?.message || '');
    if (scratch && new RegExp(`Dataset [^ ]*[:.]${scratch}\\b`).test(msg)) {
      return new UsageError(
        `${this.context(req)}: scratch dataset ${this.loc.projectId}.${scratch} not found; create it (terraform) or set bigquery.scratch_dataset (${msg})`,
        { cause: err },
      );
    }
    // BigQuery says "not found in location X" also for a dataset that exists elsewhere: ask where it is
    const located = /Not found: (?:Dataset|Table) ([a-z0-9.:-]+):([A-Za-z0-9_]+)\S* was not found in location (\S+)/.exec(msg);
    if (located && this.opts.location) {
      const actual = await this.datasetLocation(located[1], located[2]);
      if (actual && actual.toLowerCase() !== located[3].toLowerCase()) {
        return new UsageError(
          `${this.context(req)}: dataset ${located[1]}.${located[2]} is in location ${actual}, but the job is set to run in location ${located[3]} (bigquery.location or PROMOSCORE_BQ_LOCATION); set ${actual} or leave it unset so BigQuery decides`,
          { cause: err },
        );
      }
    }
    return mapBigQueryError(err, this.context(req));
  }

  private async datasetLocation(projectId: string, datasetId: string): Promise<string | undefined> {
    try {
      const [md] = await this.bigquery.dataset(datasetId, { projectId }).getMetadata();
      return typeof md?.location === 'string' ? md.location : undefined;
    } catch {
      return undefined;
    }
  }

  private async waitForJob(job: Job, req: QueryRequest): Promise<JobMetadata> {
    let meta = job.metadata as JobMetadata;
    let delay = this.opts.pollIntervalMs ?? 50;
    while (meta?.status?.state !== 'DONE') {
      await sleep(delay);
      delay = Math.min(delay * 1.5, 2_000);
      try {
        [meta] = await job.getMetadata();
      } catch (err) {
        throw await this.mapJobError(err, req);
      }
    }
    if (meta.status?.errorResult) {
      // no HTTP status here: the job's reason alone says what failed (errors.ts, REASON_EXIT)
      throw await this.mapJobError({ errors: [meta.status.errorResult], message: meta.status.errorResult.message }, req);
    }
    return meta;
  }

  async query(req: QueryRequest): Promise<QueryResult> {
    const job = await this.createJob(req, false);
    const meta = await this.waitForJob(job, req);
    const dest = meta.configuration?.query?.destinationTable;
    if (!dest?.projectId || !dest.datasetId || !dest.tableId) {
      throw new InfraError(`${this.context(req)}: job ${job.id} finished without a destination table`);
    }
    const ref: TableRef = { projectId: dest.projectId, datasetId: dest.datasetId, tableId: dest.tableId };
    const read = await readTableArrow(this.readClient, this.loc.projectId, ref, {
      expectedRows: await this.rowCount(ref, req),
      maxStreams: this.opts.maxStreams ?? 4,
      maxAttempts: this.opts.readAttempts,
      retryDelayMs: this.opts.readRetryDelayMs,
      log: this.log,
    });
    const keys = (this.opts.orderBy ?? FEATURE_QUERY_ORDER)[req.name];
    const table = keys ? orderTable(read.table, keys, this.context(req)) : read.table;
    const bytes = Number(meta.statistics?.totalBytesProcessed ?? meta.statistics?.query?.totalBytesProcessed);
    this.log.info('query done', {
      query: req.name,
      job_id: job.id,
      rows: read.rows,
      streams: read.streams,
      resumes: read.resumes,
      bytes_processed: Number.isFinite(bytes) ? bytes : undefined,
    });
    return { table, jobId: meta.id ?? String(job.id), ...(Number.isFinite(bytes) ? { bytesProcessed: bytes } : {}) };
  }

  /** The destination table's numRows: what the Storage Read must deliver, row for row. */
  private async rowCount(ref: TableRef, req: QueryRequest): Promise<number> {
    let meta;
    try {
      [meta] = await this.bigquery.dataset(ref.datasetId, { projectId: ref.projectId }).table(ref.tableId).getMetadata();
    } catch (err) {
      throw mapBigQueryError(err, `${this.context(req)}, result table ${ref.projectId}.${ref.datasetId}.${ref.tableId}`);
    }
    const rows = Number(meta?.numRows);
    if (!Number.isSafeInteger(rows) || rows < 0) {
      throw new InfraError(`${this.context(req)}: result table ${ref.projectId}.${ref.datasetId}.${ref.tableId} reports no row count (numRows ${String(meta?.numRows)})`);
    }
    return rows;
  }

  async dryRun(req: QueryRequest): Promise<DryRunResult> {
    const job = await this.createJob(req, true);
    const meta = job.metadata as JobMetadata;
    const bytes = Number(meta?.statistics?.totalBytesProcessed ?? meta?.statistics?.query?.totalBytesProcessed);
    if (!Number.isFinite(bytes)) throw new InfraError(`${this.context(req)}: the dry run reported no totalBytesProcessed`);
    return { name: req.name, bytesProcessed: bytes };
  }

  async describeInputs(): Promise<InputTableInfo[]> {
    const dataset = this.bigquery.dataset(this.loc.datasetId, { projectId: this.loc.projectId });
    return Promise.all(
      CONTRACT_TABLES.map(async ({ name, columns }) => {
        let meta;
        try {
          [meta] = await dataset.table(name).getMetadata();
        } catch (err) {
          throw mapBigQueryError(err, `input table ${name} of ${this.uri}`);
        }
        const have = new Map<string, string>((meta.schema?.fields ?? []).map((f: { name: string; type: string }) => [f.name, f.type]));
        for (const c of columns) {
          const t = have.get(c.name);
          if (t === undefined) throw new InputDataError(`input table ${this.loc.projectId}.${this.loc.datasetId}.${name} has no column ${c.name} (${c.type})`);
          if (normalType(t) !== c.type) {
            throw new InputDataError(`input table ${this.loc.projectId}.${this.loc.datasetId}.${name}: column ${c.name} is ${t}, the contract wants ${c.type}`);
          }
        }
        // Modification time + etag change whenever the table's content does; no scan is needed.
        const fingerprint = sha256Hex(
          canonicalJson({ table: name, rows: String(meta.numRows ?? ''), bytes: String(meta.numBytes ?? ''), modified: String(meta.lastModifiedTime ?? ''), etag: meta.etag ?? '' }),
        );
        return { table: name, rows: Number(meta.numRows ?? 0), fingerprint };
      }),
    );
  }

  async close(): Promise<void> {
    await this.readClient.close();
  }
}

export function openBigQueryWarehouse(target: BigQueryTarget, opts: BigQueryWarehouseOptions = {}): BigQueryWarehouse {
  return new BigQueryWarehouse(target, opts);
}
