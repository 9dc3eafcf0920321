/**
 * Validation of every lookup parameter. Each failure is a message that names the parameter and
 * what it must look like; the server answers it with 400.
 */
export interface LookupKey {
  track_id: string;
  market: string;
  surface: string;
}

export class BadRequest extends Error {
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

const MARKET = /^[A-Z]{2}$/;
const SURFACE = /^[a-z][a-z0-9_]{0,31}$/;
// no control characters, no slash (it would change the route), at most 256 characters
const TRACK = /^[^\u0000-\u001f\u007f/]{1,256}$/;

export function checkKey(key: { track_id?: unknown; market?: unknown; surface?: unknown }, where = ''): LookupKey {
  const { track_id, market, surface } = key;
  if (typeof track_id !== 'string' || !TRACK.test(track_id)) {
    throw new BadRequest(`${where}track_id must be 1-256 characters without "/" or control characters`);
  }
  if (typeof market !== 'string' || !MARKET.test(market)) {
    throw new BadRequest(`${where}market must be an ISO 3166-1 alpha-2 code in upper case (e.g. SE), got ${JSON.stringify(market ?? null)}`);
  }
  if (typeof surface !== 'string' || !SURFACE.test(surface)) {
    throw new BadRequest(`${where}surface must be a lower-case name like radio, autoplay or mix, got ${JSON.stringify(surface ?? null)}`);
  }
  return { track_id, market, surface };
}

/** A query-string component: '+' is a space, then percent-decoding (only when needed). */
function decodeParam(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new BadRequest(`query component ${JSON.stringify(s.slice(0, 64))} is not valid percent-encoding`);
  }
}

/** The query of GET /v1/scores/{track_id}: exactly market and surface, once each. */
export function parseLookupQuery(rawTrack: string, query: string): LookupKey {
  let track = rawTrack;
  if (rawTrack.indexOf('%') >= 0) {
    try {
      track = decodeURIComponent(rawTrack);
    } catch {
      throw new BadRequest('track_id is not valid percent-encoding');
    }
  }
  let market: string | undefined;
  let surface: string | undefined;
  if (query !== '') {
    for (const pair of query.split('&')) {
      const eq = pair.indexOf('=');
      const name = decodeParam(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeParam(pair.slice(eq + 1));
      if (name === 'market' && market === undefined) market = value;
      else if (name === 'surface' && surface === undefined) surface = value;
      else if (name === 'market' || name === 'surface') throw new BadRequest(`parameter "${name}" given more than once`);
      else throw new BadRequest(`unknown parameter "${name}" (expected market and surface)`);
    }
  }
  return checkKey({ track_id: track, market, surface });
}

/** The body of POST /v1/scores:batchGet: {"keys": [{track_id, market, surface}, ...]}, 1..maxBatch keys. */
export function parseBatchBody(body: string, maxBatch: number): LookupKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('body is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequest('body must be an object {"keys": [...]}');
  const extra = Object.keys(parsed).filter((k) => k !== 'keys');
  if (extra.length) throw new BadRequest(`unknown field "${extra[0]}" (expected only "keys")`);
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new BadRequest('"keys" must be an array of {track_id, market, surface}');
  if (keys.length === 0) throw new BadRequest('"keys" is empty');
  if (keys.length > maxBatch) throw new BadRequest(`batch of ${keys.length} keys exceeds the limit of ${maxBatch}`);
  return keys.map((k, i) => {
    if (!k || typeof k !== 'object' || Array.isArray(k)) throw new BadRequest(`keys[${i}] must be an object`);
    const unknown = Object.keys(k).filter((f) => f !== 'track_id' && f !== 'market' && f !== 'surface');
    if (unknown.length) throw new BadRequest(`keys[${i}]: unknown field "${unknown[0]}"`);
    return checkKey(k as Record<string, unknown>, `keys[${i}].`);
  });
}
