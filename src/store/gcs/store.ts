/**
 * The Cloud Storage object store (`gs://BUCKET/PREFIX`) over @google-cloud/storage 7.x.
 *
 * - create: upload with `ifGenerationMatch: 0`; swap: `ifGenerationMatch: <generation>` (0 when the
 *   object must not exist). A 412 becomes PreconditionFailedError.
 * - Integrity: every upload carries its crc32c and md5 in the object resource, so the service
 *   refuses bytes that arrive damaged, and the crc32c the service reports back is compared again;
 *   every download is checked against the `x-goog-hash` the service sends.
 * - Objects at or above `resumableThreshold` go up as resumable uploads; a failed attempt resumes the
 *   same session from the offset the service persisted; a session the service no longer knows
 *   (404/410) is replaced by a new one, at most `resumableSessionRestarts` times.
 * - delete: only the generation a stat just saw (`ifGenerationMatch`), so retries are safe too.
 * - Retries (503, 429, ...) happen here, with the client's own retries off: writes are always
 *   preconditioned, and when a retried write meets a 412, the object is checked for being our own
 *   earlier attempt (same size, crc32c and md5) before the failure is reported.
 * - Other failures are InfraError (exit 5) naming the object.
 */
import { createHash } from 'node:crypto';
import { Storage, type File } from '@google-cloud/storage';
import { InfraError, PreconditionFailedError } from '../../core/errors.ts';
import { crc32cBase64 } from '../../core/hash.ts';
import { silentLogger, type Logger } from '../../observability/log.ts';
import type { ObjectInfo, ObjectStore, ReadResult } from '../port.ts';
import type { GcsTarget } from '../../config/uri.ts';
import { checkStorePath } from './object-path.ts';
import { nativeCrc32cGenerator } from './crc32c.ts';
import { DEFAULT_RETRY, httpStatusOf, isRetryable, TransferMismatch, withRetry, type RetryPolicy } from './retry.ts';

export interface GcsStoreOptions {
  /** e.g. http://127.0.0.1:4443 for a local double or emulator; requests then carry no credentials */
  apiEndpoint?: string;
  projectId?: string;
  /** uploads of at least this many bytes use the resumable protocol (default 8 MiB) */
  resumableThreshold?: number;
  /** chunk size of resumable uploads, a multiple of 256 KiB (default: the whole object in one request) */
  resumableChunkSize?: number;
  /** new sessions started for one upload after its session expired (404/410); default 2 */
  resumableSessionRestarts?: number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** a ready client (tests, or a caller sharing one) */
  storage?: Storage;
}

const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

/** A store on the bucket and prefix config/uri.ts parsed from `gs://BUCKET/PREFIX`. */
export function createGcsStore(target: GcsTarget, opts: GcsStoreOptions = {}): ObjectStore {
  const bucketName = target.bucket;
  // object names are the prefix's segments and then the store path
  const prefix = target.prefix ? target.prefix + '/' : '';
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const threshold = opts.resumableThreshold ?? DEFAULT_RESUMABLE_THRESHOLD;
  const chunkSize = opts.resumableChunkSize;
  const sessionRestarts = opts.resumableSessionRestarts ?? 2;
  if (chunkSize !== undefined && (chunkSize <= 0 || chunkSize % (256 * 1024) !== 0)) {
    throw new InfraError(`resumableChunkSize ${chunkSize} is not a positive multiple of 256 KiB`);
  }
  const log = opts.logger ?? silentLogger;
  const storage = opts.storage ?? makeStorage(opts);
  const bucket = storage.bucket(bucketName);
  const keyOf = (path: string) => {
    checkStorePath(path);
    return prefix + path;
  };
  const where = (path: string) => `gs://${bucketName}/${prefix}${path}`;
  const infra = (path: string, what: string, err: unknown) =>
    new InfraError(`${where(path)}: ${what} failed: ${describe(err)}`, { cause: err });

  const toInfo = (path: string, md: Record<string, unknown>): ObjectInfo => ({
    path,
    size: Number(md.size ?? 0),
    generation: String(md.generation),
    updated: String(md.updated ?? md.timeCreated ?? ''),
  });

  async function statRaw(path: string): Promise<Record<string, unknown> | null> {
    try {
      return await withRetry(policy, async () => {
        const [md] = await bucket.file(keyOf(path)).getMetadata();
        return md as Record<string, unknown>;
      });
    } catch (err) {
      if (httpStatusOf(err) === 404) return null;
      throw infra(path, 'stat', err);
    }
  }

  async function upload(path: string, data: Uint8Array, expected: string, contentType: string): Promise<ObjectInfo> {
    const key = keyOf(path);
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const crc32c = crc32cBase64(buf);
    const md5Hash = createHash('md5').update(buf).digest('base64');
    const resumable = buf.byteLength >= threshold;
    const preconditionOpts = { ifGenerationMatch: expected };
    let sessionUri: string | undefined;
    let restarts = 0;
    for (;;) {
      try {
        return await withRetry(policy, async (attempt, retried) => {
          const file = bucket.file(key);
          try {
            if (resumable) {
              sessionUri ??= await startSession(file, buf.byteLength, contentType, crc32c, md5Hash, preconditionOpts);
              await file.save(buf, {
                uri: sessionUri,
                resumable: true,
                validation: false,
                chunkSize,
                metadata: { contentType, contentLength: buf.byteLength },
                preconditionOpts,
              });
            } else {
              await file.save(buf, {
                resumable: false,
                validation: false,
                metadata: { contentType, crc32c, md5Hash },
                preconditionOpts,
              });
            }
          } catch (err) {
            const status = httpStatusOf(err);
            if (status === 412 && (retried || restarts > 0)) {
              // An earlier attempt (or an expired session's last chunk) may have been applied with its response lost.
              const cur = await statRaw(path);
              if (cur && Number(cur.size) === buf.byteLength && cur.crc32c === crc32c && cur.md5Hash === md5Hash) {
                log.debug('retried upload found its own earlier write', { object: where(path), attempt, restarts });
                return toInfo(path, cur);
              }
            }
            if (status !== undefined && isRetryable(err)) log.warn('storage write failed, retrying', { object: where(path), status, attempt });
            throw err;
          }
          const md = file.metadata as Record<string, unknown>;
          if (md.crc32c !== crc32c) {
            if (expected === '0') await bucket.file(key).delete({ ifGenerationMatch: md.generation as string }).catch(() => undefined);
            throw new InfraError(`${where(path)}: the service reports crc32c ${String(md.crc32c)}, the bytes sent have ${crc32c}`);
          }
          return toInfo(path, md);
        });
      } catch (err) {
        if (err instanceof InfraError || err instanceof PreconditionFailedError) throw err;
        const status = httpStatusOf(err);
        // A session the service no longer knows (expired, 404, or gone, 410) cannot be resumed: start
        // a new one from the first byte, a bounded number of times. The precondition still holds.
        if (resumable && sessionUri !== undefined && (status === 404 || status === 410) && restarts < sessionRestarts) {
          restarts++;
          sessionUri = undefined;
          log.warn('resumable upload session expired, starting a new one', { object: where(path), status, restart: restarts });
          continue;
        }
        if (status === 412) {
          throw new PreconditionFailedError(path, `${where(path)} ${expected === '0' ? 'already exists' : `is not at generation ${expected}`}`);
        }
        throw infra(path, restarts > 0 ? `upload (after ${restarts} new sessions)` : 'upload', err);
      }
    }
  }

  return {
    uri: target.uri,

    create(path, data, o) {
      return upload(path, data, '0', o?.contentType ?? 'application/octet-stream');
    },

    async swap(path, data, expected, o) {
      const gen = expected ?? '0';
      if (!/^\d+$/.test(gen)) throw new PreconditionFailedError(path, `${where(path)}: ${JSON.stringify(gen)} is not a Cloud Storage generation`);
      return upload(path, data, gen, o?.contentType ?? 'application/octet-stream');
    },

    async read(path): Promise<ReadResult | null> {
      const key = keyOf(path);
      try {
        return await withRetry(policy, () => download(bucket.file(key), where(path)));
      } catch (err) {
        if (httpStatusOf(err) === 404) return null;
        if (err instanceof InfraError) throw err;
        if (err instanceof TransferMismatch) throw new InfraError(`${where(path)}: ${err.message} (after ${policy.attempts} attempts)`);
        throw infra(path, 'download', err);
      }
    },

    async stat(path) {
      const md = await statRaw(path);
      return md ? toInfo(path, md) : null;
    },

    async list(listPrefix) {
      const full = prefix + listPrefix;
      const out: ObjectInfo[] = [];
      let pageToken: string | undefined;
      try {
        do {
          const [files, next] = await withRetry(policy, () => bucket.getFiles({ prefix: full, autoPaginate: false, pageToken }));
          for (const f of files) {
            const md = f.metadata as Record<string, unknown>;
            out.push(toInfo(f.name.slice(prefix.length), md));
          }
          pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
        } while (pageToken);
      } catch (err) {
        throw new InfraError(`gs://${bucketName}/${full}: list failed: ${describe(err)}`, { cause: err });
      }
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async delete(path) {
      const key = keyOf(path);
      // Preconditioned like every write: only the generation seen here is deleted, so a retry after
      // a lost response never removes an object another writer stored in between.
      const cur = await statRaw(path);
      if (!cur) return;
      const generation = String(cur.generation);
      try {
        await withRetry(policy, () => bucket.file(key).delete({ ifGenerationMatch: generation, ignoreNotFound: true }));
      } catch (err) {
        if (httpStatusOf(err) === 412) {
          throw new PreconditionFailedError(path, `${where(path)} is no longer generation ${generation} (written again while being deleted); left in place`);
        }
        throw infra(path, 'delete', err);
      }
    },

    uriOf(path) {
      checkStorePath(path);
      return where(path);
    },

    async close() {},
  };
}

/**
 * A Storage client: at `apiEndpoint` (no credentials), else at STORAGE_EMULATOR_HOST, else Cloud
 * Storage with Application Default Credentials. The client's own retries are off (see above).
 */
export function makeGcsClient(opts: Pick<GcsStoreOptions, 'apiEndpoint' | 'projectId'> = {}): Storage {
  return makeStorage(opts);
}

function makeStorage(opts: GcsStoreOptions): Storage {
  const retryOptions = { autoRetry: false };
  const crc32cGenerator = nativeCrc32cGenerator;
  if (opts.apiEndpoint) {
    // STORAGE_EMULATOR_HOST, when set, becomes the JSON API base URL as is, without /storage/v1,
    // while uploads go to the endpoint: hide it while an explicit endpoint is configured.
    const saved = process.env.STORAGE_EMULATOR_HOST;
    delete process.env.STORAGE_EMULATOR_HOST;
    try {
      return new Storage({ apiEndpoint: opts.apiEndpoint, projectId: opts.projectId ?? 'promoscore-local', retryOptions, crc32cGenerator });
    } finally {
      if (saved !== undefined) process.env.STORAGE_EMULATOR_HOST = saved;
    }
  }
  const emulator = process.env.STORAGE_EMULATOR_HOST;
  if (emulator) return makeStorage({ ...opts, apiEndpoint: emulator.replace(/\/storage\/v1\/?$/, '') });
  return new Storage({ projectId: opts.projectId, retryOptions, crc32cGenerator });
}

async function startSession(
  file: File,
  size: number,
  contentType: string,
  crc32c: string,
  md5Hash: string,
  preconditionOpts: { ifGenerationMatch: string },
): Promise<string> {
  const [uri] = await file.createResumableUpload({
    // crc32c and md5Hash in the resource: the service checks the finished object against them
    metadata: { contentType, contentLength: size, crc32c, md5Hash },
    preconditionOpts,
  });
  return uri;
}

/** One GET alt=media; the generation and hashes come from the same response as the bytes. */
function download(file: File, where: string): Promise<ReadResult> {
  return new Promise<ReadResult>((resolve, reject) => {
    let headers: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    const stream = file.createReadStream({ validation: 'crc32c' });
    stream.on('response', (res: { headers?: unknown }) => {
      headers = headersOf(res?.headers);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err: Error & { code?: unknown }) => {
      if (err.code === 'CONTENT_DOWNLOAD_MISMATCH') {
        reject(new TransferMismatch(`downloaded bytes do not match the service's crc32c`));
      } else reject(err);
    });
    stream.on('end', () => {
      const data = Buffer.concat(chunks);
      const hash = parseGoogHash(headers['x-goog-hash']);
      const generation = headers['x-goog-generation'];
      if (!hash.crc32c) return reject(new InfraError(`${where}: the download carried no crc32c (x-goog-hash), cannot verify it`));
      const got = crc32cBase64(data);
      if (got !== hash.crc32c) return reject(new TransferMismatch(`downloaded bytes have crc32c ${got}, the service says ${hash.crc32c}`));
      if (typeof generation !== 'string' || !generation) return reject(new InfraError(`${where}: the download carried no generation`));
      resolve({ data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), generation });
    });
  });
}

/** Response headers as a lower-cased record, whether they come as a fetch Headers or a plain object. */
function headersOf(h: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!h) return out;
  if (h instanceof Headers) {
    h.forEach((v, k) => (out[k.toLowerCase()] = v));
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function parseGoogHash(v: unknown): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const pair of String(v ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    const k = pair.slice(0, i).trim();
    if (k === 'crc32c' || k === 'md5') out[k] = pair.slice(i + 1).trim();
  }
  return out;
}

function describe(err: unknown): string {
  const status = httpStatusOf(err);
  const msg = (err as Error)?.message ?? String(err);
  return status !== undefined ? `HTTP ${status}: ${msg}` : msg;
}
