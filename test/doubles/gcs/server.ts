/**
 * A wire-level double of the Cloud Storage JSON API (the subset the store uses), served by plain
 * node:http on 127.0.0.1. It keeps buckets and objects in memory with generations and
 * metagenerations, answers with the resource shapes, headers and error bodies GCS sends, and can be
 * told to fail so that the adapter's retry and validation paths run through the real client.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32cBase64 } from '../../../src/core/hash.ts';
import { parseMultipartRelated } from './multipart.ts';
import { createFaultQueue } from '../fault-queue.ts';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: string;
  metageneration: string;
  contentType: string;
  crc32c: string;
  md5Hash: string;
  timeCreated: string;
  updated: string;
  metadata?: Record<string, string>;
}

/** Which kind of request a fault applies to. */
export type FaultOp = 'upload' | 'upload-chunk' | 'download' | 'get' | 'list' | 'delete';

export interface Fault {
  op: FaultOp;
  /** the nth request of that kind, counted from when the fault was added (1 = the next one) */
  nth: number;
  /** HTTP status to answer with (503, 429, 500...) */
  status?: number;
  /** apply the write first, then answer with the failure: a response lost on the way back */
  afterApply?: boolean;
  /** for downloads: send bytes that do not match the advertised hashes */
  corrupt?: boolean;
  /** for uploads: report a crc32c that does not match the stored bytes */
  lieAboutCrc32c?: boolean;
  /** for resumable chunk uploads: persist only this many bytes of the chunk, then fail */
  persistBytes?: number;
  /**
   * for resumable chunk uploads: the session expires (is forgotten) and the chunk is answered with
   * `status` (404 unless set; GCS also uses 410); with afterApply, the final chunk is written first
   */
  expireSession?: boolean;
  /** for deletes with afterApply: another writer stores these bytes under the name before the failure is answered */
  concurrentWrite?: Uint8Array;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  contentRange?: string;
  bodyBytes: number;
}

export interface GcsDoubleOptions {
  /** largest page a list answers with (GCS: 1000) */
  maxPageSize?: number;
}

export interface GcsDouble {
  /** base URL for the client's `apiEndpoint`, e.g. http://127.0.0.1:41234 */
  readonly endpoint: string;
  readonly port: number;
  createBucket(name: string): void;
  getObject(bucket: string, name: string): StoredObject | undefined;
  /** every object name in a bucket, sorted */
  objectNames(bucket: string): string[];
  /** overwrite an object's bytes in place while keeping its recorded hashes (bit rot on the server) */
  corruptStored(bucket: string, name: string, data: Uint8Array): void;
  addFault(fault: Fault): void;
  /** drops faults not yet triggered */
  clearFaults(): void;
  readonly requests: RequestRecord[];
  close(): Promise<void>;
}

interface Bucket {
  name: string;
  objects: Map<string, StoredObject>;
  timeCreated: string;
}

interface ResumableSession {
  id: string;
  bucket: string;
  name: string;
  resource: Record<string, unknown>;
  contentType: string;
  preconditions: Record<string, string>;
  declaredLength: number | null;
  chunks: Buffer[];
  received: number;
  done: boolean;
  /** the resource committed by this session, answered again to any later request on it */
  committed?: Record<string, unknown>;
}

class HttpError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(
    status: number,
    message: string,
    reason: string,
  ) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

const CHUNK_ALIGNMENT = 256 * 1024;
const MAX_NAME_BYTES = 1024;

export async function startGcsDouble(opts: GcsDoubleOptions = {}): Promise<GcsDouble> {
  const maxPageSize = opts.maxPageSize ?? 1000;
  const buckets = new Map<string, Bucket>();
  const sessions = new Map<string, ResumableSession>();
  const faults = createFaultQueue<Fault, FaultOp>((f) => f.op);
  const requests: RequestRecord[] = [];
  // Generations look like GCS's (microsecond timestamps) but only need to grow.
  let lastGeneration = 1_700_000_000_000_000n;
  const nextGeneration = () => String(++lastGeneration);
  let port = 0;

  const takeFault = (op: FaultOp): Fault | null => faults.take(op);

  const bucketOrThrow = (name: string): Bucket => {
    const b = buckets.get(name);
    if (!b) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
    return b;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err.status, err.message, err.reason);
      sendError(res, 500, `double failed: ${(err as Error).message}`, 'backendError');
    });
  });

  function record(req: IncomingMessage, url: URL, status: number, bodyBytes: number) {
    const contentRange = req.headers['content-range'];
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), status, contentRange, bodyBytes });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter((p, i) => i > 0 || p !== '');
    let bodyBytes = 0;
    res.on('finish', () => record(req, url, res.statusCode, bodyBytes));
    const body = await readBody(req);
    bodyBytes = body.length;

    // /upload/storage/v1/b/B/o
    if (parts[0] === 'upload' && parts[1] === 'storage' && parts[2] === 'v1' && parts[3] === 'b' && parts[5] === 'o' && parts.length === 6) {
      const bucket = decodeURIComponent(parts[4]);
      if (method === 'POST') return handleUploadStart(bucket, url, req, body, res);
      if (method === 'PUT') return handleResumablePut(url, req, body, res);
      if (method === 'DELETE') return handleResumableCancel(url, res);
      throw new HttpError(405, `method ${method} not allowed on uploads`, 'methodNotAllowed');
    }
    // /storage/v1/b[/B[/o[/NAME]]] and /download/storage/v1/b/B/o/NAME
    let api = parts;
    if (api[0] === 'download') api = api.slice(1);
    if (api[0] !== 'storage' || api[1] !== 'v1' || api[2] !== 'b') {
      throw new HttpError(404, `Not Found: ${url.pathname}`, 'notFound');
    }
    if (api.length === 3) {
      if (method === 'POST') return handleCreateBucket(body, res);
      throw new HttpError(405, 'only bucket creation is served', 'methodNotAllowed');
    }
    const bucketName = decodeURIComponent(api[3]);
    if (api.length === 4) {
      if (method !== 'GET') throw new HttpError(405, 'only bucket GET is served', 'methodNotAllowed');
      const b = bucketOrThrow(bucketName);
      return sendJson(res, 200, bucketResource(b));
    }
    if (api[4] !== 'o') throw new HttpError(404, `Not Found: ${url.pathname}`, 'notFound');
    if (api.length === 5) {
      if (method !== 'GET') throw new HttpError(405, 'objects collection only lists', 'methodNotAllowed');
      return handleList(bucketName, url, res);
    }
    // Object names are one URL-encoded segment; a raw '/' inside would split it, so rejoin.
    const objectName = api.slice(5).map(decodeURIComponent).join('/');
    validateObjectName(objectName);
    if (method === 'GET') {
      if (url.searchParams.get('alt') === 'media') return handleDownload(bucketName, objectName, url, req, res);
      return handleGet(bucketName, objectName, url, res);
    }
    if (method === 'DELETE') return handleDelete(bucketName, objectName, url, res);
    throw new HttpError(405, `method ${method} not served on objects`, 'methodNotAllowed');
  }

  function handleCreateBucket(body: Buffer, res: ServerResponse) {
    const resource = parseJson(body) as { name?: string };
    const name = resource?.name;
    if (!name || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) {
      throw new HttpError(400, `Invalid bucket name: '${name ?? ''}'`, 'invalid');
    }
    if (buckets.has(name)) {
      throw new HttpError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
    }
    const b: Bucket = { name, objects: new Map(), timeCreated: new Date().toISOString() };
    buckets.set(name, b);
    sendJson(res, 200, bucketResource(b));
  }

  function handleGet(bucketName: string, objectName: string, url: URL, res: ServerResponse) {
    const fault = takeFault('get');
    if (fault) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    const b = bucketOrThrow(bucketName);
    const obj = currentObject(b, objectName, url);
    checkPreconditions(obj, url.searchParams, 'read');
    sendJson(res, 200, objectResource(obj));
  }

  function handleDownload(bucketName: string, objectName: string, url: URL, req: IncomingMessage, res: ServerResponse) {
    const fault = takeFault('download');
    if (fault && !fault.corrupt) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    const b = bucketOrThrow(bucketName);
    const obj = currentObject(b, objectName, url);
    checkPreconditions(obj, url.searchParams, 'read');
    let data = obj.data;
    if (fault?.corrupt) {
      data = Buffer.from(data);
      if (data.length) data[0] ^= 0xff;
      else data = Buffer.from([0]);
    }
    const headers: Record<string, string> = {
      'content-type': obj.contentType,
      'x-goog-hash': `crc32c=${obj.crc32c},md5=${obj.md5Hash}`,
      'x-goog-generation': obj.generation,
      'x-goog-metageneration': obj.metageneration,
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-stored-content-length': String(obj.data.length),
      'x-goog-storage-class': 'STANDARD',
      etag: etagOf(obj),
      'last-modified': new Date(obj.updated).toUTCString(),
      'accept-ranges': 'bytes',
    };
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!m) throw new HttpError(416, `Invalid range: ${range}`, 'requestedRangeNotSatisfiable');
      let start: number;
      let end: number;
      if (m[1] === '') {
        start = Math.max(0, data.length - Number(m[2]));
        end = data.length - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? data.length - 1 : Math.min(Number(m[2]), data.length - 1);
      }
      if (start >= data.length || start > end) throw new HttpError(416, 'The requested range cannot be satisfied.', 'requestedRangeNotSatisfiable');
      const slice = data.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-length': String(slice.length), 'content-range': `bytes ${start}-${end}/${data.length}` });
      res.end(slice);
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(data.length) });
    res.end(data);
  }

  function handleDelete(bucketName: string, objectName: string, url: URL, res: ServerResponse) {
    const fault = takeFault('delete');
    if (fault && !fault.afterApply) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    const b = bucketOrThrow(bucketName);
    const obj = currentObject(b, objectName, url);
    checkPreconditions(obj, url.searchParams, 'write');
    b.objects.delete(objectName);
    if (fault?.concurrentWrite) commit(b, objectName, Buffer.from(fault.concurrentWrite), 'application/octet-stream', {}, new URLSearchParams());
    if (fault) throw new HttpError(fault.status ?? 503, 'injected failure after delete', 'backendError');
    res.writeHead(204);
    res.end();
  }

  function handleList(bucketName: string, url: URL, res: ServerResponse) {
    const fault = takeFault('list');
    if (fault) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    const b = bucketOrThrow(bucketName);
    const q = url.searchParams;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const startOffset = q.get('startOffset') ?? '';
    const endOffset = q.get('endOffset') ?? '';
    let pageSize = maxPageSize;
    if (q.has('maxResults')) {
      const n = Number(q.get('maxResults'));
      if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `Invalid value for maxResults: ${q.get('maxResults')}`, 'invalid');
      if (n > 0) pageSize = Math.min(n, maxPageSize);
    }
    let after = '';
    if (q.has('pageToken')) {
      try {
        after = Buffer.from(q.get('pageToken') ?? '', 'base64url').toString('utf8');
        if (!after.startsWith('~')) throw new Error('bad');
        after = after.slice(1);
      } catch {
        throw new HttpError(400, 'Invalid page token.', 'invalid');
      }
    }
    const names = [...b.objects.keys()].sort(compareNames);
    const items: Record<string, unknown>[] = [];
    const prefixes: string[] = [];
    let last = '';
    let more = false;
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      if (after && compareNames(name, after) <= 0) continue;
      if (startOffset && compareNames(name, startOffset) < 0) continue;
      if (endOffset && compareNames(name, endOffset) >= 0) continue;
      if (items.length + prefixes.length >= pageSize) {
        more = true;
        break;
      }
      if (delimiter) {
        const cut = name.indexOf(delimiter, prefix.length);
        if (cut >= 0) {
          const p = name.slice(0, cut + delimiter.length);
          if (prefixes[prefixes.length - 1] !== p) prefixes.push(p);
          // skip the rest of this prefix: the token resumes after its last possible name
          last = p + '\u{10ffff}';
          after = last;
          continue;
        }
      }
      items.push(objectResource(b.objects.get(name)!));
      last = name;
    }
    const out: Record<string, unknown> = { kind: 'storage#objects' };
    if (items.length) out.items = items;
    if (prefixes.length) out.prefixes = prefixes;
    if (more) out.nextPageToken = Buffer.from('~' + last, 'utf8').toString('base64url');
    sendJson(res, 200, out);
  }

  function handleUploadStart(bucketName: string, url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const uploadType = url.searchParams.get('uploadType');
    const b = bucketOrThrow(bucketName);
    if (uploadType === 'resumable') {
      const fault = takeFault('upload');
      if (fault) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
      const resource = body.length ? (parseJson(body) as Record<string, unknown>) : {};
      const name = url.searchParams.get('name') ?? (resource.name as string | undefined);
      if (!name) throw new HttpError(400, 'Required parameter: name', 'required');
      validateObjectName(name);
      const preconditions = preconditionParams(url.searchParams);
      // GCS evaluates preconditions when the session starts and again when it finalizes.
      checkPreconditions(b.objects.get(name) ?? null, url.searchParams, 'write');
      const declared = req.headers['x-upload-content-length'];
      const id = randomBytes(12).toString('hex');
      sessions.set(id, {
        id,
        bucket: bucketName,
        name,
        resource,
        contentType: String(req.headers['x-upload-content-type'] ?? resource.contentType ?? 'application/octet-stream'),
        preconditions,
        declaredLength: declared === undefined ? null : Number(declared),
        chunks: [],
        received: 0,
        done: false,
      });
      const location = `http://127.0.0.1:${port}/upload/storage/v1/b/${encodeURIComponent(bucketName)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { location, 'x-guploader-uploadid': id, 'content-length': '0' });
      res.end();
      return;
    }
    let resource: Record<string, unknown> = {};
    let data: Buffer;
    let contentType = 'application/octet-stream';
    if (uploadType === 'multipart') {
      const ct = String(req.headers['content-type'] ?? '');
      const parsed = parseMultipartRelated(ct, body);
      if (!parsed) throw new HttpError(400, 'Malformed multipart body.', 'invalid');
      resource = parseJson(parsed.metadata) as Record<string, unknown>;
      data = parsed.media;
      contentType = (resource.contentType as string | undefined) ?? parsed.mediaContentType ?? contentType;
    } else if (uploadType === 'media') {
      data = body;
      contentType = String(req.headers['content-type'] ?? contentType);
    } else {
      throw new HttpError(400, `Invalid upload type: ${uploadType ?? '(none)'}`, 'invalid');
    }
    const name = url.searchParams.get('name') ?? (resource.name as string | undefined);
    if (!name) throw new HttpError(400, 'Required parameter: name', 'required');
    validateObjectName(name);
    const fault = takeFault('upload');
    if (fault && !fault.afterApply && !fault.lieAboutCrc32c) throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    checkHashes(resource, req.headers['x-goog-hash'], data);
    const obj = commit(b, name, data, contentType, resource, url.searchParams);
    if (fault?.afterApply) throw new HttpError(fault.status ?? 503, 'injected failure after the write', 'backendError');
    const out = objectResource(obj);
    if (fault?.lieAboutCrc32c) out.crc32c = crc32cBase64(Buffer.concat([obj.data, Buffer.from([1])]));
    sendJson(res, 200, out);
  }

  function handleResumablePut(url: URL, req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const id = url.searchParams.get('upload_id') ?? '';
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, 'No such upload session.', 'notFound');
    if (s.done) return sendJson(res, 200, s.committed);
    const range = String(req.headers['content-range'] ?? '');
    const statusQuery = /^bytes \*\/(\*|\d+)$/.exec(range);
    if (statusQuery || (range === '' && body.length === 0)) {
      if (statusQuery && statusQuery[1] !== '*' && Number(statusQuery[1]) === s.received && s.received > 0) {
        return finalize(s, req, res, null);
      }
      return sendIncomplete(res, s);
    }
    const fault = takeFault('upload-chunk');
    if (fault?.expireSession && !fault.afterApply) {
      sessions.delete(s.id);
      throw new HttpError(fault.status ?? 404, 'No such upload session (expired).', 'notFound');
    }
    if (fault && fault.persistBytes === undefined && !fault.afterApply) {
      throw new HttpError(fault.status ?? 503, 'injected failure', 'backendError');
    }
    let start: number;
    let total: number | null;
    let endInclusive: number | null;
    const m = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range);
    if (range === '') {
      start = 0;
      endInclusive = null;
      total = body.length;
    } else if (m) {
      start = Number(m[1]);
      endInclusive = m[2] === '*' ? null : Number(m[2]);
      total = m[3] === '*' ? null : Number(m[3]);
    } else {
      throw new HttpError(400, `Invalid Content-Range: ${range}`, 'invalid');
    }
    if (endInclusive !== null && endInclusive - start + 1 !== body.length) {
      throw new HttpError(400, `Content-Range ${range} does not match the ${body.length} bytes sent.`, 'invalid');
    }
    if (start > s.received) {
      throw new HttpError(400, `Content-Range starts at ${start}, but only ${s.received} bytes were persisted.`, 'invalid');
    }
    // Bytes the server already has are skipped (a client resending after a lost response).
    const fresh = body.subarray(s.received - start);
    const isFinal = (total === null && endInclusive === null) || (total !== null && start + body.length >= total);
    if (!isFinal && (s.received + fresh.length) % CHUNK_ALIGNMENT !== 0) {
      throw new HttpError(400, 'Non-final chunks must be a multiple of 256 KiB.', 'invalid');
    }
    if (fault?.persistBytes !== undefined) {
      const keep = Math.min(fresh.length, Math.floor(fault.persistBytes / CHUNK_ALIGNMENT) * CHUNK_ALIGNMENT);
      s.chunks.push(Buffer.from(fresh.subarray(0, keep)));
      s.received += keep;
      throw new HttpError(fault.status ?? 503, 'injected failure mid-chunk', 'backendError');
    }
    s.chunks.push(Buffer.from(fresh));
    s.received += fresh.length;
    if (total !== null && s.received > total) throw new HttpError(400, 'More bytes than the declared object size.', 'invalid');
    if (!isFinal) {
      if (fault?.afterApply) throw new HttpError(fault.status ?? 503, 'injected failure after the chunk', 'backendError');
      return sendIncomplete(res, s);
    }
    finalize(s, req, res, fault);
  }

  function finalize(s: ResumableSession, req: IncomingMessage, res: ServerResponse, fault: Fault | null) {
    const b = bucketOrThrow(s.bucket);
    const data = Buffer.concat(s.chunks);
    if (s.declaredLength !== null && s.declaredLength !== data.length) {
      throw new HttpError(400, `Upload declared ${s.declaredLength} bytes but ${data.length} arrived.`, 'invalid');
    }
    try {
      checkHashes(s.resource, req.headers['x-goog-hash'], data);
    } catch (err) {
      sessions.delete(s.id);
      throw err;
    }
    const params = new URLSearchParams(s.preconditions);
    let obj: StoredObject;
    try {
      obj = commit(b, s.name, data, s.contentType, s.resource, params);
    } catch (err) {
      sessions.delete(s.id);
      throw err;
    }
    s.done = true;
    s.committed = objectResource(obj);
    // expireSession with afterApply: the object is written, then the session is forgotten before any retry can ask
    if (fault?.afterApply && fault.expireSession) sessions.delete(s.id);
    if (fault?.afterApply) throw new HttpError(fault.status ?? 503, 'injected failure after the write', 'backendError');
    sendJson(res, 200, s.committed);
  }

  function sendIncomplete(res: ServerResponse, s: ResumableSession) {
    const headers: Record<string, string> = { 'content-length': '0', 'x-guploader-uploadid': s.id };
    if (s.received > 0) headers.range = `bytes=0-${s.received - 1}`;
    res.writeHead(308, headers);
    res.end();
  }

  function handleResumableCancel(url: URL, res: ServerResponse) {
    const id = url.searchParams.get('upload_id') ?? '';
    if (!sessions.delete(id)) throw new HttpError(404, 'No such upload session.', 'notFound');
    res.writeHead(499, { 'content-length': '0' });
    res.end();
  }

  function commit(b: Bucket, name: string, data: Buffer, contentType: string, resource: Record<string, unknown>, params: URLSearchParams): StoredObject {
    const existing = b.objects.get(name) ?? null;
    checkPreconditions(existing, params, 'write');
    const now = new Date().toISOString();
    const obj: StoredObject = {
      bucket: b.name,
      name,
      data: Buffer.from(data),
      generation: nextGeneration(),
      metageneration: '1',
      contentType,
      crc32c: crc32cBase64(data),
      md5Hash: createHash('md5').update(data).digest('base64'),
      timeCreated: now,
      updated: now,
      metadata: resource.metadata as Record<string, string> | undefined,
    };
    b.objects.set(name, obj);
    return obj;
  }

  function currentObject(b: Bucket, name: string, url: URL): StoredObject {
    const obj = b.objects.get(name);
    const gen = url.searchParams.get('generation');
    if (gen !== null && !/^\d+$/.test(gen)) throw new HttpError(400, `Invalid argument: generation=${gen}`, 'invalid');
    if (!obj || (gen !== null && gen !== obj.generation)) {
      throw new HttpError(404, `No such object: ${b.name}/${name}`, 'notFound');
    }
    return obj;
  }

  const api: GcsDouble = {
    endpoint: '',
    port: 0,
    createBucket(name) {
      if (!buckets.has(name)) buckets.set(name, { name, objects: new Map(), timeCreated: new Date().toISOString() });
    },
    getObject(bucket, name) {
      return buckets.get(bucket)?.objects.get(name);
    },
    objectNames(bucket) {
      return [...(buckets.get(bucket)?.objects.keys() ?? [])].sort(compareNames);
    },
    corruptStored(bucket, name, data) {
      const obj = buckets.get(bucket)?.objects.get(name);
      if (!obj) throw new Error(`no object ${bucket}/${name}`);
      obj.data = Buffer.from(data);
    },
    addFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return Object.assign(api, { endpoint: `http://127.0.0.1:${port}`, port });

  function bucketResource(b: Bucket) {
    return {
      kind: 'storage#bucket',
      id: b.name,
      name: b.name,
      selfLink: `http://127.0.0.1:${port}/storage/v1/b/${b.name}`,
      projectNumber: '0',
      metageneration: '1',
      location: 'US',
      storageClass: 'STANDARD',
      etag: 'CAE=',
      timeCreated: b.timeCreated,
      updated: b.timeCreated,
    };
  }

  function objectResource(o: StoredObject): Record<string, unknown> {
    const enc = encodeURIComponent(o.name);
    const out: Record<string, unknown> = {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `http://127.0.0.1:${port}/storage/v1/b/${o.bucket}/o/${enc}`,
      mediaLink: `http://127.0.0.1:${port}/download/storage/v1/b/${o.bucket}/o/${enc}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: o.generation,
      metageneration: o.metageneration,
      contentType: o.contentType,
      storageClass: 'STANDARD',
      // GCS sends int64 values as JSON strings
      size: String(o.data.length),
      md5Hash: o.md5Hash,
      crc32c: o.crc32c,
      etag: etagOf(o),
      timeCreated: o.timeCreated,
      updated: o.updated,
      timeStorageClassUpdated: o.timeCreated,
    };
    if (o.metadata) out.metadata = o.metadata;
    return out;
  }
}

function etagOf(o: StoredObject): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(o.generation) & 0xffffffffffffffffn);
  return b.toString('base64');
}

function preconditionParams(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch']) {
    const v = q.get(k);
    if (v !== null) out[k] = v;
  }
  return out;
}

/** GCS's precondition semantics; an absent object has generation 0 and no metageneration. */
function checkPreconditions(obj: StoredObject | null, q: URLSearchParams, kind: 'read' | 'write'): void {
  const p = preconditionParams(q);
  for (const [k, v] of Object.entries(p)) {
    if (!/^-?\d+$/.test(v)) throw new HttpError(400, `Invalid argument: ${k}=${v}`, 'invalid');
  }
  const gen = obj ? obj.generation : '0';
  const failed = () => new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
  if (p.ifGenerationMatch !== undefined && BigInt(p.ifGenerationMatch) !== BigInt(gen)) throw failed();
  if (p.ifMetagenerationMatch !== undefined && (!obj || BigInt(p.ifMetagenerationMatch) !== BigInt(obj.metageneration))) throw failed();
  if (p.ifGenerationNotMatch !== undefined && BigInt(p.ifGenerationNotMatch) === BigInt(gen)) {
    if (kind === 'read') throw new HttpError(304, 'Not Modified', 'notModified');
    throw failed();
  }
  if (p.ifMetagenerationNotMatch !== undefined && obj && BigInt(p.ifMetagenerationNotMatch) === BigInt(obj.metageneration)) {
    if (kind === 'read') throw new HttpError(304, 'Not Modified', 'notModified');
    throw failed();
  }
}

/** Server-side integrity checks: a hash in the resource or in X-Goog-Hash must match the bytes. */
function checkHashes(resource: Record<string, unknown>, header: string | string[] | undefined, data: Buffer): void {
  const crc = crc32cBase64(data);
  const md5 = createHash('md5').update(data).digest('base64');
  const claimed: { crc32c?: string; md5?: string } = {};
  if (typeof resource.crc32c === 'string') claimed.crc32c = resource.crc32c;
  if (typeof resource.md5Hash === 'string') claimed.md5 = resource.md5Hash;
  for (const pair of String(header ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    const k = pair.slice(0, i).trim();
    const v = pair.slice(i + 1).trim();
    if (k === 'crc32c') claimed.crc32c = v;
    if (k === 'md5') claimed.md5 = v;
  }
  if (claimed.crc32c !== undefined && claimed.crc32c !== crc) {
    throw new HttpError(400, `Provided CRC32C "${claimed.crc32c}" doesn't match calculated CRC32C "${crc}".`, 'invalid');
  }
  if (claimed.md5 !== undefined && claimed.md5 !== md5) {
    throw new HttpError(400, `Provided MD5 hash "${claimed.md5}" doesn't match calculated MD5 hash "${md5}".`, 'invalid');
  }
}

function validateObjectName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_NAME_BYTES || /[\r\n]/.test(name) || name === '.' || name === '..') {
    throw new HttpError(400, `Invalid object name: ${JSON.stringify(name)}`, 'invalid');
  }
}

/** GCS orders names by their UTF-8 bytes. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'Parse Error: the request body is not JSON.', 'parseError');
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, reason: string) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304);
    res.end();
    return;
  }
  sendJson(res, status, { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
}
