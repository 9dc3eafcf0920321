import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bucketOf } from '../core/hash.ts';
import type { ScoreCache } from './loader.ts';
import { BadRequest, parseBatchBody, parseLookupQuery, type LookupKey } from './request-params.ts';
import type { LoadedSnapshot } from './load-snapshot.ts';

/**
 * The reference serving endpoint over node:http:
 *   GET  /v1/scores/{track_id}?market=SE&surface=radio   all campaign rows of the key, best first
 *   POST /v1/scores:batchGet  {"keys":[{track_id,market,surface},...]}
 *   GET  /healthz  /readyz  /metrics  /v1/status
 * Every score answer names the snapshot version in `x-promoscore-version`, and a request is answered
 * from one version only (the snapshot is read once per request).
 */
export interface ScoreServerOptions {
  cache: ScoreCache;
  /** most keys per batchGet (default 1000) */
  maxBatch?: number;
  /** largest request body, bytes (default 1 MiB) */
  maxBodyBytes?: number;
}

export const VERSION_HEADER = 'x-promoscore-version';
const SCORES_PREFIX = '/v1/scores/';
const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, body: string, type = JSON_TYPE, version?: string): void {
  const headers: Record<string, string | number> = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
  if (version) headers[VERSION_HEADER] = version;
  res.writeHead(status, headers);
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string, version?: string, extra: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  send(res, status, JSON.stringify({ error: message }), JSON_TYPE, version);
}

function misdirected(snap: LoadedSnapshot, track: string): string | null {
  const sel = snap.shards;
  if (!sel) return null;
  const b = bucketOf(track, snap.manifest.buckets);
  return b % sel.count === sel.index ? null : `track_id bucket ${b} is served by shard ${b % sel.count}/${sel.count}, this is ${sel.index}/${sel.count}`;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BadRequest(`body of ${declared} bytes exceeds the limit of ${limit}`, 413));
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BadRequest(`body exceeds the limit of ${limit} bytes`, 413));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export function createScoreHandler(opts: ScoreServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { cache } = opts;
  const metrics = cache.metrics;
  const maxBatch = opts.maxBatch ?? 1000;
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const getLookups = metrics.lookups.cell({ endpoint: 'get' });
  const getMisses = metrics.misses.cell({ endpoint: 'get' });
  const batchLookups = metrics.lookups.cell({ endpoint: 'batch' });
  const batchMisses = metrics.misses.cell({ endpoint: 'batch' });
  const requestCells = new Map<string, { n: number }>();
  const countRequest = (route: string, code: number) => {
    const key = `${route} ${code}`;
    let cell = requestCells.get(key);
    if (!cell) requestCells.set(key, (cell = metrics.requests.cell({ route, code: String(code) })));
    cell.n++;
  };

  const getScore = (res: ServerResponse, rawTrack: string, query: string): number => {
    const key = parseLookupQuery(rawTrack, query);
    const snap = cache.current;
    if (!snap) {
      sendError(res, 503, 'no snapshot loaded yet', undefined, { 'retry-after': '1' });
      return 503;
    }
    const wrong = misdirected(snap, key.track_id);
    if (wrong) {
      sendError(res, 421, wrong, snap.version);
      return 421;
    }
    getLookups.n++;
    const rows = snap.index.lookup(key.track_id, key.market, key.surface);
    if (!rows) {
      getMisses.n++;
      send(res, 404, JSON.stringify({ error: 'not_found', ...key, version: snap.version }), JSON_TYPE, snap.version);
      return 404;
    }
    send(res, 200, JSON.stringify({ ...key, version: snap.version, rows }), JSON_TYPE, snap.version);
    return 200;
  };

  const batchGet = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) throw new BadRequest(`content-type must be application/json, got ${JSON.stringify(type)}`, 415);
    const keys = parseBatchBody(await readBody(req, maxBody), maxBatch);
    const snap = cache.current;
    if (!snap) {
      sendError(res, 503, 'no snapshot loaded yet', undefined, { 'retry-after': '1' });
      return 503;
    }
    const results = keys.map((key: LookupKey) => {
      const wrong = misdirected(snap, key.track_id);
      if (wrong) return { ...key, found: false, misdirected: wrong };
      batchLookups.n++;
      const rows = snap.index.lookup(key.track_id, key.market, key.surface);
      if (!rows) batchMisses.n++;
      return rows ? { ...key, found: true, rows } : { ...key, found: false };
    });
    send(res, 200, JSON.stringify({ version: snap.version, results }), JSON_TYPE, snap.version);
    return 200;
  };

  const status = () => {
    const snap = cache.current;
    return {
      ready: !!snap,
      dataset: cache.dataset,
      version: snap?.version ?? null,
      as_of: snap?.manifest.as_of ?? null,
      created_at: snap?.manifest.created_at ?? null,
      rows: snap?.index.rows ?? 0,
      keys: snap?.index.keys ?? 0,
      shards: snap?.shards ? `${snap.shards.index}/${snap.shards.count}` : null,
      loaded_at: snap ? new Date(snap.loadedAt).toISOString() : null,
      last_error: cache.lastError,
      notifications: metrics.notificationSource,
    };
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<[string, number]> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    const only = (allowed: string): boolean => {
      if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return true;
      sendError(res, 405, `${method} is not allowed on ${path}; use ${allowed}`, undefined, { allow: allowed });
      return false;
    };
    if (path.startsWith(SCORES_PREFIX) && path !== '/v1/scores:batchGet') {
      if (!only('GET')) return ['scores', 405];
      return ['scores', getScore(res, path.slice(SCORES_PREFIX.length), query)];
    }
    switch (path) {
      case '/v1/scores:batchGet':
        if (!only('POST')) return ['batch', 405];
        return ['batch', await batchGet(req, res)];
      case '/healthz':
        if (!only('GET')) return ['healthz', 405];
        send(res, 200, 'ok\n', 'text/plain; charset=utf-8');
        return ['healthz', 200];
      case '/readyz': {
        if (!only('GET')) return ['readyz', 405];
        const s = status();
        send(res, s.ready ? 200 : 503, JSON.stringify(s), JSON_TYPE, s.version ?? undefined);
        return ['readyz', s.ready ? 200 : 503];
      }
      case '/v1/status': {
        if (!only('GET')) return ['status', 405];
        const s = status();
        send(res, 200, JSON.stringify(s), JSON_TYPE, s.version ?? undefined);
        return ['status', 200];
      }
      case '/metrics':
        if (!only('GET')) return ['metrics', 405];
        send(res, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
        return ['metrics', 200];
      default:
        sendError(res, 404, `no route ${path} (see GET /v1/scores/{track_id}?market=&surface=)`);
        return ['other', 404];
    }
  };

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    const status = err instanceof BadRequest ? err.status : 500;
    const message = err instanceof BadRequest ? err.message : 'internal error';
    if (!(err instanceof BadRequest)) cache.logger.error('request failed', { url: req.url, error: (err as Error)?.message });
    if (!res.headersSent) sendError(res, status, message, cache.current?.version);
    else res.destroy();
    countRequest('error', status);
  };

  return (req, res) => {
    // the lookup is synchronous: answer it without a promise per request
    const url = req.url ?? '/';
    if (url.startsWith(SCORES_PREFIX) && (req.method === 'GET' || req.method === 'HEAD') && !url.startsWith('/v1/scores:')) {
      const q = url.indexOf('?');
      try {
        countRequest('scores', getScore(res, url.slice(SCORES_PREFIX.length, q < 0 ? url.length : q), q < 0 ? '' : url.slice(q + 1)));
      } catch (err) {
        fail(req, res, err);
      }
      return;
    }
    route(req, res).then(
      ([name, code]) => countRequest(name, code),
      (err: unknown) => fail(req, res, err),
    );
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** stops accepting, lets in-flight requests finish (up to graceMs), then closes every connection */
  close(graceMs?: number): Promise<void>;
}

export async function startScoreServer(opts: ScoreServerOptions & { host?: string; port?: number }): Promise<RunningServer> {
  const server = createServer({ keepAlive: true }, createScoreHandler(opts));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | null = null;
  return {
    server,
    port: addr.port,
    url: `http://${shownHost}:${addr.port}`,
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
