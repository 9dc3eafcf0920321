/**
 * The Storage Read API (google.cloud.bigquery.storage.v1.BigQueryRead) over gRPC, built from the
 * protos the client package ships: CreateReadSession splits a table into contiguous row ranges, one
 * per stream; ReadRows sends Arrow record batches from a row offset. Faults: drop a stream after some
 * rows (UNAVAILABLE), or fail calls outright.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { RecordBatch, Table, vectorFromArray, type Vector } from 'apache-arrow';
import { serializeBatch, serializeSchema } from './arrow.ts';
import { BqError, type BigQueryEngine } from './engine.ts';

export interface ReadFaults {
  /** each ReadRows call takes the first entry, if any: send at least afterRows rows (or all), then fail with code (UNAVAILABLE) */
  dropReadRows: Array<{ afterRows: number; code?: grpc.status; details?: string }>;
  /** fail this many ReadRows calls before sending anything */
  readRowsUnavailable: number;
  /** this many resumed ReadRows calls (offset > 0) ignore the offset and send the stream from its start: duplicated rows */
  ignoreOffset: number;
  /** each ReadRows call takes the first entry, if any: it ends cleanly after at least afterRows rows, the rest never sent */
  endEarly: Array<{ afterRows: number }>;
}

interface StreamState {
  name: string;
  start: number;
  end: number;
  /** serialized batches from the stream's start, built once */
  batches?: { bytes: Buffer; rows: number }[];
  onBuilt?: (batches: { bytes: Buffer; rows: number }[]) => void;
}

interface SessionState {
  name: string;
  table: Table;
  schemaBytes: Buffer;
  streams: StreamState[];
}

const status = grpc.status;
const fail = (code: grpc.status, details: string) => Object.assign(new Error(details), { code, details });

/** A seeded permutation of the rows (Fisher-Yates over a xorshift32 sequence). */
function shuffled(table: Table, seed: number): Table {
  const n = table.numRows;
  const idx = Array.from({ length: n }, (_, i) => i);
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const cols: Record<string, Vector> = {};
  for (const f of table.schema.fields) {
    const col = table.getChild(f.name)!;
    cols[f.name] = vectorFromArray(idx.map((i) => col.get(i)), f.type);
  }
  const t = new Table(cols);
  return new Table(table.schema, t.batches.map((b) => new RecordBatch(table.schema, b.data)));
}

function loadService(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url);
  const pkgMain = require.resolve('@google-cloud/bigquery-storage');
  const protosPath = join(dirname(pkgMain), '..', 'protos', 'protos.json');
  const def = fromJSON(JSON.parse(readFileSync(protosPath, 'utf8')), { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  return pkg.google.cloud.bigquery.storage.v1.BigQueryRead.service;
}

export class StorageReadDouble {
  readonly faults: ReadFaults = { dropReadRows: [], readRowsUnavailable: 0, ignoreOffset: 0, endEarly: [] };
  readonly sessions = new Map<string, SessionState>();
  readonly readRowsCalls: Array<{ stream: string; offset: number }> = [];
  readonly createSessionRequests: any[] = [];
  /** rows per serialized record batch */
  batchRows = 4096;
  /** streams when the client asks for 0 (server's choice) */
  defaultStreams = 1;
  /** hand rows out in a shuffled order (seeded), as BigQuery may: no order is promised across or within streams */
  shuffleSeed: number | undefined = undefined;
  /** reuse serialized batches across sessions of the same table version and layout (benchmarks) */
  cacheBatches = false;
  private readonly batchCache = new Map<string, { bytes: Buffer; rows: number }[][]>();
  private server?: grpc.Server;
  private counter = 0;

  readonly engine: BigQueryEngine;

  constructor(engine: BigQueryEngine) {
    this.engine = engine;
  }

  async listen(): Promise<number> {
    const server = new grpc.Server({ 'grpc.max_send_message_length': 256 * 1024 * 1024 });
    server.addService(loadService(), {
      createReadSession: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
        try {
          cb(null, this.createReadSession(call.request));
        } catch (err) {
          cb(err as grpc.ServiceError);
        }
      },
      readRows: (call: grpc.ServerWritableStream<any, any>) => void this.readRows(call),
      splitReadStream: (_call: unknown, cb: grpc.sendUnaryData<any>) => cb(fail(status.UNIMPLEMENTED, 'SplitReadStream is not served by this double')),
    });
    this.server = server;
    return new Promise((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private createReadSession(req: any) {
    this.createSessionRequests.push(req);
    const parent: string = req.parent ?? '';
    const pm = /^projects\/([^/]+)$/.exec(parent);
    if (!pm) throw fail(status.INVALID_ARGUMENT, `Invalid parent "${parent}": expected projects/{project}`);
    const rs = req.readSession;
    if (!rs) throw fail(status.INVALID_ARGUMENT, 'read_session is required');
    const tm = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(rs.table ?? '');
    if (!tm) throw fail(status.INVALID_ARGUMENT, `Invalid table "${rs.table}": expected projects/{p}/datasets/{d}/tables/{t}`);
    if (rs.dataFormat === 'DATA_FORMAT_UNSPECIFIED' || !rs.dataFormat) throw fail(status.INVALID_ARGUMENT, 'data_format must be set');
    if (rs.dataFormat !== 'ARROW') throw fail(status.UNIMPLEMENTED, `data_format ${rs.dataFormat} is not served by this double (ARROW only)`);
    const maxStreams = Number(req.maxStreamCount ?? 0);
    if (!Number.isInteger(maxStreams) || maxStreams < 0) throw fail(status.INVALID_ARGUMENT, `max_stream_count must be >= 0, got ${req.maxStreamCount}`);
    if (rs.readOptions?.rowRestriction) throw fail(status.UNIMPLEMENTED, 'row_restriction is not served by this double');
    let stored;
    try {
      stored = this.engine.getTable({ projectId: tm[1], datasetId: tm[2], tableId: tm[3] });
    } catch (err) {
      if (err instanceof BqError) throw fail(err.httpStatus === 404 ? status.NOT_FOUND : status.INVALID_ARGUMENT, err.message);
      throw err;
    }
    let table = this.shuffleSeed === undefined ? stored.data : shuffled(stored.data, this.shuffleSeed);
    const selected: string[] = rs.readOptions?.selectedFields ?? [];
    if (selected.length) {
      for (const f of selected) if (!table.schema.fields.some((x) => x.name === f)) throw fail(status.INVALID_ARGUMENT, `Column ${f} not found in ${rs.table}`);
      table = table.select(selected);
    }
    const rows = table.numRows;
    const want = maxStreams > 0 ? maxStreams : this.defaultStreams;
    const n = Math.min(want, rows);
    const name = `projects/${pm[1]}/locations/us/sessions/s${(++this.counter).toString(36)}`;
    const streams: StreamState[] = [];
    for (let i = 0; i < n; i++) {
      streams.push({ name: `${name}/streams/${i}`, start: Math.floor((rows * i) / n), end: Math.floor((rows * (i + 1)) / n) });
    }
    if (this.cacheBatches) {
      const key = `${rs.table}@${stored.modified}|${selected.join(',')}|${n}|${this.batchRows}`;
      let cached = this.batchCache.get(key);
      if (!cached) this.batchCache.set(key, (cached = streams.map(() => [])));
      streams.forEach((s, i) => {
        s.batches = cached![i].length || s.start === s.end ? cached![i] : undefined;
        s.onBuilt = (b) => (cached![i] = b);
      });
    }
    const schemaBytes = Buffer.from(serializeSchema(table.schema));
    this.sessions.set(name, { name, table, schemaBytes, streams });
    return {
      name,
      dataFormat: 'ARROW',
      table: rs.table,
      arrowSchema: { serializedSchema: schemaBytes },
      readOptions: rs.readOptions ?? {},
      streams: streams.map((s) => ({ name: s.name })),
      estimatedRowCount: String(rows),
      estimatedTotalBytesScanned: String(stored.numBytes),
      expireTime: { seconds: String(Math.floor(Date.now() / 1000) + 6 * 3600), nanos: 0 },
    };
  }

  private findStream(name: string): { session: SessionState; stream: StreamState } {
    const m = /^(projects\/[^/]+\/locations\/[^/]+\/sessions\/[^/]+)\/streams\/[^/]+$/.exec(name);
    if (!m) throw fail(status.INVALID_ARGUMENT, `Invalid read stream "${name}"`);
    const session = this.sessions.get(m[1]);
    const stream = session?.streams.find((s) => s.name === name);
    if (!session || !stream) throw fail(status.INVALID_ARGUMENT, `Invalid read session or stream "${name}": not found or expired`);
    return { session, stream };
  }

  private batchesOf(session: SessionState, stream: StreamState) {
    if (!stream.batches) {
      stream.batches = [];
      for (let a = stream.start; a < stream.end; a += this.batchRows) {
        const b = Math.min(stream.end, a + this.batchRows);
        stream.batches.push({ bytes: Buffer.from(serializeBatch(session.schemaBytes, session.table.slice(a, b))), rows: b - a });
      }
      stream.onBuilt?.(stream.batches);
    }
    return stream.batches;
  }

  private async readRows(call: grpc.ServerWritableStream<any, any>): Promise<void> {
    try {
      const name: string = call.request.readStream ?? '';
      const offset = Number(call.request.offset ?? 0);
      const { session, stream } = this.findStream(name);
      this.readRowsCalls.push({ stream: name, offset });
      const length = stream.end - stream.start;
      if (!Number.isInteger(offset) || offset < 0 || offset > length) throw fail(status.OUT_OF_RANGE, `offset ${offset} is outside stream ${name} (${length} rows)`);
      if (this.faults.readRowsUnavailable > 0) {
        this.faults.readRowsUnavailable--;
        throw fail(status.UNAVAILABLE, 'the stream is temporarily unavailable');
      }
      const drop = this.faults.dropReadRows.shift();
      const early = this.faults.endEarly.shift();
      let from = offset;
      if (offset > 0 && this.faults.ignoreOffset > 0) {
        this.faults.ignoreOffset--;
        from = 0;
      }
      // batches from the offset: whole cached batches when the offset is on a boundary (a resume always is)
      const all = this.batchesOf(session, stream);
      let at = 0;
      let i = 0;
      while (i < all.length && at < from) at += all[i++].rows;
      const todo: { bytes: Buffer; rows: number }[] =
        at === from ? all.slice(i) : [{ bytes: Buffer.from(serializeBatch(session.schemaBytes, session.table.slice(stream.start + from, stream.end))), rows: length - from }];
      let sent = 0;
      let first = true;
      for (const b of todo) {
        if (early && sent >= early.afterRows) break;
        if (drop && sent >= drop.afterRows) throw fail(drop.code ?? status.UNAVAILABLE, drop.details ?? 'Connection reset by the double in the middle of ReadRows');
        const ok = call.write({
          rowCount: String(b.rows),
          arrowRecordBatch: { serializedRecordBatch: b.bytes, rowCount: String(b.rows) },
          stats: { progress: { atResponseStart: (offset + sent) / Math.max(1, length), atResponseEnd: (offset + sent + b.rows) / Math.max(1, length) } },
          ...(first ? { arrowSchema: { serializedSchema: session.schemaBytes } } : {}),
        });
        first = false;
        sent += b.rows;
        if (!ok) await new Promise((r) => call.once('drain', r));
        if (call.cancelled) return;
      }
      if (drop) {
        // the stream delivered everything but its final status: the client must resume at the end, not replay
        throw fail(drop.code ?? status.UNAVAILABLE, drop.details ?? 'Connection reset by the double at the end of ReadRows');
      }
      call.end();
    } catch (err) {
      call.emit('error', err);
    }
  }
}
