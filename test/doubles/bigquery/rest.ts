/**
 * BigQuery REST (v2) over HTTP, the subset the client library uses for query jobs: jobs.insert (with
 * dry run), jobs.get, jobs.getQueryResults (JSON rows), tables.get/list/delete, datasets.get/insert.
 * Answers both base URL styles: BIGQUERY_EMULATOR_HOST (no /bigquery/v2) and apiEndpoint (with it).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonCell } from './arrow.ts';
import { BigQueryEngine, BqError, type QueryParameter, type StoredTable } from './engine.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface RestFaults {
  /** answer this many jobs.insert calls with 503 before serving them */
  insertUnavailable: number;
  /** each jobs.insert takes the first entry, if any, and answers with that HTTP status and reason */
  insertErrors: Array<{ status: number; reason: string; message?: string }>;
  /** each query job (not a dry run) takes the first entry, if any: it is accepted, then ends DONE with this errorResult */
  jobErrors: Array<{ reason: string; message?: string }>;
}

interface StoredJob {
  resource: Record<string, unknown>;
  result?: StoredTable;
}

const JOB_ID_RE = /^[A-Za-z0-9_-]{1,1024}$/;
const LABEL_KEY_RE = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE_RE = /^[a-z0-9_-]{0,63}$/;

export class BigQueryRestDouble {
  readonly requests: RecordedRequest[] = [];
  readonly faults: RestFaults = { insertUnavailable: 0, insertErrors: [], jobErrors: [] };
  readonly jobs = new Map<string, StoredJob>();
  private server?: Server;
  private anonCounter = 0;
  /** rows per getQueryResults page when the client sets no maxResults */
  pageRows = 20_000;
  /** keep rendered result pages, so a benchmark's second pass measures transport and client only */
  cachePages = false;
  private readonly pageCache = new Map<string, string>();
  /** queries (text and parameters) whose results BigQuery would hold in its query cache */
  readonly queryCache = new Set<string>();

  readonly engine: BigQueryEngine;

  constructor(engine: BigQueryEngine) {
    this.engine = engine;
  }

  async listen(): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** the bodies of every jobs.insert the double received (labels, maximumBytesBilled, ...) */
  insertedJobs(): Array<Record<string, any>> {
    return this.requests.filter((r) => r.method === 'POST' && /\/jobs$/.test(r.path)).map((r) => r.body as Record<string, any>);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/bigquery\/v2(?=\/)/, '');
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, query, authorization: req.headers.authorization };
    this.requests.push(rec);
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      let body: any;
      if (raw.length) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new BqError(400, 'parseError', 'Parse Error: the request body is not JSON');
        }
        rec.body = body;
      }
      let m: RegExpExecArray | null;
      if (rec.method === 'POST' && (m = /^\/projects\/([^/]+)\/jobs$/.exec(path))) return send(200, await this.insertJob(m[1], body));
      if (rec.method === 'GET' && (m = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path))) return send(200, this.getJob(m[1], decodeURIComponent(m[2]), query.location).resource);
      if (rec.method === 'GET' && (m = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path))) {
        const cacheKey = `${m[1]}:${m[2]}:${url.search}`;
        let text = this.cachePages ? this.pageCache.get(cacheKey) : undefined;
        if (text === undefined) {
          text = JSON.stringify(this.getQueryResults(m[1], decodeURIComponent(m[2]), query));
          if (this.cachePages) this.pageCache.set(cacheKey, text);
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      if (rec.method === 'GET' && (m = /^\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path))) return send(200, this.datasetResource(m[1], m[2]));
      if (rec.method === 'POST' && (m = /^\/projects\/([^/]+)\/datasets$/.exec(path))) {
        const ref = body?.datasetReference;
        if (!ref?.datasetId) throw new BqError(400, 'invalid', 'Required parameter is missing: datasetReference.datasetId');
        this.engine.createDataset(m[1], ref.datasetId, body.location ?? this.engine.location);
        return send(200, this.datasetResource(m[1], ref.datasetId));
      }
      if (rec.method === 'GET' && (m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.exec(path))) {
        this.engine.getDataset(m[1], m[2]);
        const tables = [...this.engine.tables.values()].filter((t) => t.ref.projectId === m![1] && t.ref.datasetId === m![2]);
        return send(200, { kind: 'bigquery#tableList', tables: tables.map((t) => ({ kind: 'bigquery#table', id: `${m![1]}:${m![2]}.${t.ref.tableId}`, tableReference: t.ref, type: 'TABLE' })), totalItems: tables.length });
      }
      if ((m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path))) {
        const ref = { projectId: m[1], datasetId: m[2], tableId: decodeURIComponent(m[3]) };
        if (rec.method === 'GET') return send(200, tableResource(this.engine.getTable(ref)));
        if (rec.method === 'DELETE') {
          this.engine.deleteTable(ref);
          res.writeHead(204).end();
          return;
        }
      }
      throw new BqError(404, 'notFound', `Not found: ${rec.method} ${path}`);
    } catch (err) {
      if (err instanceof BqError) return send(err.httpStatus, err.toJson());
      return send(500, new BqError(500, 'internalError', (err as Error).message).toJson());
    }
  }

  private datasetResource(projectId: string, datasetId: string) {
    const ds = this.engine.getDataset(projectId, datasetId);
    return { kind: 'bigquery#dataset', id: `${projectId}:${datasetId}`, datasetReference: { projectId, datasetId }, location: ds.location, creationTime: String(ds.created) };
  }

  private async insertJob(projectId: string, body: any): Promise<Record<string, unknown>> {
    if (this.faults.insertUnavailable > 0) {
      this.faults.insertUnavailable--;
      throw new BqError(503, 'backendError', 'Error encountered during execution. Retrying may solve the problem.');
    }
    const injected = this.faults.insertErrors.shift();
    if (injected) throw new BqError(injected.status, injected.reason, injected.message ?? `injected ${injected.reason}`);
    if (!body || typeof body !== 'object') throw new BqError(400, 'invalid', 'Required parameter is missing: job');
    const jobRef = body.jobReference ?? {};
    const jobId: string = jobRef.jobId;
    if (typeof jobId !== 'string' || !JOB_ID_RE.test(jobId)) throw new BqError(400, 'invalid', `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`);
    const config = body.configuration ?? {};
    const q = config.query;
    if (!q || typeof q.query !== 'string' || q.query.trim() === '') throw new BqError(400, 'invalid', 'Required parameter is missing: query');
    // a job without a location runs where its data is, as BigQuery decides
    const location: string = jobRef.location ?? this.engine.inferLocation(q.query, projectId, q.destinationTable);
    if (q.useLegacySql !== false) throw new BqError(400, 'invalidQuery', 'This double runs GoogleSQL only: set useLegacySql to false');
    for (const [k, v] of Object.entries((config.labels ?? {}) as Record<string, unknown>)) {
      if (!LABEL_KEY_RE.test(k)) throw new BqError(400, 'invalid', `Label key "${k}" has invalid characters.`);
      if (typeof v !== 'string' || !LABEL_VALUE_RE.test(v)) throw new BqError(400, 'invalid', `Label value "${String(v)}" has invalid characters.`);
    }
    if (q.maximumBytesBilled !== undefined && !/^\d+$/.test(String(q.maximumBytesBilled))) {
      throw new BqError(400, 'invalid', `Invalid value for maximumBytesBilled: ${q.maximumBytesBilled}`);
    }
    const params: QueryParameter[] = q.queryParameters ?? [];
    if (params.length) {
      if (String(q.parameterMode ?? '').toUpperCase() !== 'NAMED') throw new BqError(400, 'invalid', 'Query parameters require parameterMode NAMED here');
      for (const p of params) {
        if (!p?.name || !p.parameterType?.type) throw new BqError(400, 'invalid', `Query parameter is missing a name or type: ${JSON.stringify(p)}`);
      }
    }
    const dryRun = config.dryRun === true;
    const cacheKey = JSON.stringify([projectId, q.query, params]);
    const key = `${projectId}:${jobId}`;
    if (!dryRun && this.jobs.has(key)) throw new BqError(409, 'duplicate', `Already Exists: Job ${projectId}:${location}.${jobId}`);

    const resource: Record<string, any> = {
      kind: 'bigquery#job',
      etag: Buffer.from(jobId).toString('base64').slice(0, 16),
      id: `${projectId}:${location}.${jobId}`,
      selfLink: `http://127.0.0.1/bigquery/v2/projects/${projectId}/jobs/${jobId}?location=${location}`,
      jobReference: { projectId, jobId, location },
      configuration: { ...config, jobType: 'QUERY', query: { ...q } },
      status: { state: 'DONE' },
      statistics: {},
    };
    if (dryRun) {
      // dry runs fail at insert time with the HTTP status of the error
      const r = await this.engine.runQuery(q.query, params, { defaultProject: projectId, location, dryRun: true });
      // BigQuery answers a dry run from its query cache (0 bytes) unless useQueryCache is false
      const cached = q.useQueryCache !== false && this.queryCache.has(cacheKey);
      const bytes = cached ? 0 : r.bytesProcessed;
      resource.statistics = { totalBytesProcessed: String(bytes), query: { totalBytesProcessed: String(bytes), cacheHit: cached, statementType: 'SELECT' } };
      return resource;
    }
    const stored: StoredJob = { resource };
    this.jobs.set(key, stored);
    try {
      const jobError = this.faults.jobErrors.shift();
      if (jobError) throw new BqError(400, jobError.reason, jobError.message ?? `injected ${jobError.reason}`);
      const dest = q.destinationTable ?? {
        projectId,
        datasetId: '_double_anonymous',
        tableId: `anon_${(++this.anonCounter).toString(36)}`,
      };
      if (!q.destinationTable && !this.engine.datasets.has(`${projectId}._double_anonymous`)) this.engine.createDataset(projectId, '_double_anonymous', location);
      const destDataset = this.engine.getDataset(dest.projectId, dest.datasetId);
      if (destDataset.location.toLowerCase() !== location.toLowerCase()) {
        throw new BqError(400, 'invalid', `Cannot read and write in different locations: source: ${location}, destination: ${destDataset.location}`);
      }
      const r = await this.engine.runQuery(q.query, params, { defaultProject: projectId, location, dryRun: false });
      if (q.maximumBytesBilled !== undefined && r.bytesProcessed > Number(q.maximumBytesBilled)) {
        throw new BqError(400, 'bytesBilledLimitExceeded', `Query exceeded limit for bytes billed: ${q.maximumBytesBilled}. ${r.bytesProcessed} or higher required.`);
      }
      const destRef = { projectId: dest.projectId, datasetId: dest.datasetId, tableId: dest.tableId };
      if (q.writeDisposition === 'WRITE_EMPTY' && this.engine.tables.has(`${destRef.projectId}.${destRef.datasetId}.${destRef.tableId}`)) {
        throw new BqError(409, 'duplicate', `Already Exists: Table ${destRef.projectId}:${destRef.datasetId}.${destRef.tableId}`);
      }
      stored.result = this.engine.storeResult(destRef, r.fields, r.table!);
      // results written to an anonymous table are cached; a destination table never is
      if (!q.destinationTable) this.queryCache.add(cacheKey);
      resource.configuration.query.destinationTable = destRef;
      resource.statistics = {
        totalBytesProcessed: String(r.bytesProcessed),
        query: { totalBytesProcessed: String(r.bytesProcessed), totalBytesBilled: String(r.bytesProcessed), cacheHit: false, statementType: 'SELECT' },
      };
    } catch (err) {
      const e = err instanceof BqError ? err : new BqError(500, 'internalError', (err as Error).message);
      // a query that fails while running is still a job: DONE with its errorResult
      const errorResult = { reason: e.reason, message: e.message, location: 'query' };
      resource.status = { state: 'DONE', errorResult, errors: [errorResult] };
    }
    return resource;
  }

  private getJob(projectId: string, jobId: string, location?: string): StoredJob {
    const job = this.jobs.get(`${projectId}:${jobId}`);
    const loc = (job?.resource.jobReference as { location: string } | undefined)?.location;
    if (!job || (location && loc && location.toLowerCase() !== loc.toLowerCase())) {
      throw new BqError(404, 'notFound', `Not found: Job ${projectId}:${location ?? this.engine.location}.${jobId}`);
    }
    return job;
  }

  private getQueryResults(projectId: string, jobId: string, query: Record<string, string>): Record<string, unknown> {
    const job = this.getJob(projectId, jobId, query.location);
    const status = job.resource.status as { errorResult?: { reason: string; message: string } };
    if (status.errorResult) throw new BqError(400, status.errorResult.reason, status.errorResult.message);
    const t = job.result!;
    const start = query.pageToken ? Number(query.pageToken) : Number(query.startIndex ?? 0);
    const max = query.maxResults !== undefined ? Number(query.maxResults) : this.pageRows;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(max) || max < 0) throw new BqError(400, 'invalid', 'Invalid pageToken, startIndex or maxResults');
    const end = Math.min(t.data.numRows, start + max);
    const int64Ts = query['formatOptions.useInt64Timestamp'] === 'true';
    const cols = t.fields.map((f) => ({ f, v: t.data.getChild(f.name)! }));
    const rows = new Array(end - start);
    for (let i = start; i < end; i++) rows[i - start] = { f: cols.map(({ f, v }) => ({ v: jsonCell(f.type, v.get(i), int64Ts) })) };
    return {
      kind: 'bigquery#getQueryResultsResponse',
      etag: job.resource.etag,
      schema: { fields: t.fields },
      jobReference: job.resource.jobReference,
      totalRows: String(t.data.numRows),
      ...(end < t.data.numRows ? { pageToken: String(end) } : {}),
      rows,
      totalBytesProcessed: (job.resource.statistics as { totalBytesProcessed?: string }).totalBytesProcessed,
      jobComplete: true,
      cacheHit: false,
    };
  }
}

export function tableResource(t: StoredTable): Record<string, unknown> {
  const { projectId, datasetId, tableId } = t.ref;
  return {
    kind: 'bigquery#table',
    etag: t.etag,
    id: `${projectId}:${datasetId}.${tableId}`,
    tableReference: { projectId, datasetId, tableId },
    schema: { fields: t.fields },
    numBytes: String(t.numBytes),
    numRows: String(t.data.numRows),
    creationTime: String(t.created),
    lastModifiedTime: String(t.modified),
    type: 'TABLE',
    location: 'US',
  };
}
