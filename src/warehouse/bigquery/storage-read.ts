import { RecordBatch, Table, tableFromIPC } from 'apache-arrow';
import type { BigQueryReadClient } from '@google-cloud/bigquery-storage';
import { InfraError } from '../../core/errors.ts';
import { retry } from '../../core/retry.ts';
import { silentLogger, type Logger } from '../../observability/log.ts';
import { isRetryableGrpc, mapBigQueryError } from './errors.ts';
import { tableResource } from './names.ts';

export interface TableRef {
  projectId: string;
  datasetId: string;
  tableId: string;
}

export interface StorageReadOptions {
  /** upper bound of streams asked of the server (it may grant fewer); default 4 */
  maxStreams?: number;
  /** streams read at the same time; default maxStreams */
  parallelism?: number;
  /** attempts per stream, counting the first; a retryable failure resumes at the row offset reached */
  maxAttempts?: number;
  /** base of the exponential backoff between attempts */
  retryDelayMs?: number;
  /** columns to read (all when absent) */
  selectedFields?: string[];
  /**
   * rows the table holds (its `numRows`): the rows read must add up to it, or the read failed
   * (a resume that replayed or skipped rows, a stream that ended early) and is not handed on
   */
  expectedRows?: number;
  log?: Logger;
}

export interface StorageReadResult {
  table: Table;
  streams: number;
  rows: number;
  /** how many times a stream was resumed after a retryable failure */
  resumes: number;
}

interface ReadRowsResponseLike {
  rowCount?: number | string | null;
  arrowRecordBatch?: { serializedRecordBatch?: Uint8Array | null; rowCount?: number | string | null } | null;
}


/**
 * Reads a whole table through the Storage Read API in ARROW format: one read session, its streams
 * read in parallel with `readRows` driven here (the package's helper reads streams one after another),
 * each stream resumed from its row offset after a retryable failure. Batches are concatenated in
 * stream order, so the same session layout always yields the same table.
 */
export async function readTableArrow(
  client: BigQueryReadClient,
  billingProjectId: string,
  ref: TableRef,
  opts: StorageReadOptions = {},
): Promise<StorageReadResult> {
  const log = opts.log ?? silentLogger;
  const maxStreams = Math.max(1, opts.maxStreams ?? 4);
  const parallelism = Math.max(1, opts.parallelism ?? maxStreams);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
  const retryDelayMs = opts.retryDelayMs ?? 100;
  const table = tableResource(ref.projectId, ref.datasetId, ref.tableId);
  const context = `reading ${ref.projectId}.${ref.datasetId}.${ref.tableId}`;

  let session;
  try {
    [session] = await client.createReadSession({
      parent: `projects/${billingProjectId}`,
      readSession: {
        table,
        dataFormat: 'ARROW',
        readOptions: opts.selectedFields ? { selectedFields: opts.selectedFields } : {},
      },
      maxStreamCount: maxStreams,
      preferredMinStreamCount: Math.min(parallelism, maxStreams),
    });
  } catch (err) {
    throw mapBigQueryError(err, context);
  }
  const rawSchema = session.arrowSchema?.serializedSchema;
  const schemaBytes = typeof rawSchema === 'string' ? Buffer.from(rawSchema, 'base64') : rawSchema;
  if (!schemaBytes || schemaBytes.length === 0) {
    throw new InfraError(`${context}: the read session carries no Arrow schema (was ARROW format honoured?)`);
  }
  const streams = (session.streams ?? []).map((s) => s.name).filter((n): n is string => !!n);
  log.debug('storage read session', { table, session: session.name, streams: streams.length });

  let resumes = 0;
  const readStream = async (name: string): Promise<{ chunks: Uint8Array[]; rows: number }> => {
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const policy = { attempts: maxAttempts, initialDelayMs: retryDelayMs, maxDelayMs: 5_000 };
    try {
      return await retry(policy, async () => {
        await new Promise<void>((resolve, reject) => {
          let settled = false;
          // Retries belong to this loop (it knows the offset); the transport must not replay from the start.
          const stream = client.readRows({ readStream: name, offset }, { retry: null, retryRequestOptions: { retries: 0, noResponseRetries: 0 } } as never);
          stream.on('data', (resp: ReadRowsResponseLike) => {
            const batch = resp.arrowRecordBatch?.serializedRecordBatch;
            if (!batch || batch.length === 0) return;
            chunks.push(batch);
            offset += Number(resp.rowCount ?? resp.arrowRecordBatch?.rowCount ?? 0);
          });
          stream.on('error', (err: unknown) => {
            if (settled) return;
            settled = true;
            reject(err);
          });
          stream.on('end', () => {
            if (settled) return;
            settled = true;
            resolve();
          });
        });
        return { chunks, rows: offset };
      }, {
        retryable: isRetryableGrpc,
        onFailure(err, attempt, willRetry) {
          if (!willRetry) return;
          resumes++;
          log.warn('storage read stream interrupted, resuming', { stream: name, offset, attempt, error: (err as Error).message });
        },
      });
    } catch (err) {
      // retryable failures are retried until the attempts run out
      if (!isRetryableGrpc(err)) throw mapBigQueryError(err, `${context}, stream ${name}`);
      throw new InfraError(`${context}: stream ${name} kept failing after ${maxAttempts} attempts (${(err as Error).message})`, { cause: err });
    }
  };

  const perStream: Uint8Array[][] = new Array(streams.length);
  const perStreamRows: number[] = new Array(streams.length).fill(0);
  let next = 0;
  const worker = async () => {
    while (next < streams.length) {
      const i = next++;
      const read = await readStream(streams[i]);
      perStream[i] = read.chunks;
      perStreamRows[i] = read.rows;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, streams.length) }, worker));

  const schemaTable = tableFromIPC(schemaBytes);
  const schema = schemaTable.schema;
  const batches: RecordBatch[] = [];
  for (const chunks of perStream) {
    if (chunks.length === 0) continue;
    // Schema message followed by record-batch messages is an Arrow IPC stream (without end marker).
    const ipc = Buffer.concat([schemaBytes, ...chunks]);
    for (const b of tableFromIPC(ipc).batches) batches.push(new RecordBatch(schema, b.data));
  }
  const result = new Table(schema, batches);
  const counted = perStreamRows.reduce((a, b) => a + b, 0);
  if (counted !== result.numRows || (opts.expectedRows !== undefined && result.numRows !== opts.expectedRows)) {
    const estimated = Number(session.estimatedRowCount ?? NaN);
    throw new InfraError(
      `${context}: read ${result.numRows} rows (the responses counted ${counted})` +
        (opts.expectedRows !== undefined ? `, the table holds ${opts.expectedRows}` : '') +
        (Number.isFinite(estimated) ? `, the read session estimated ${estimated}` : '') +
        `; rows were lost or duplicated in transfer (${resumes} resumes), a rerun reads them again`,
    );
  }
  return { table: result, streams: streams.length, rows: result.numRows, resumes };
}
