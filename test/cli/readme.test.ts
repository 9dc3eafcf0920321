import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDay } from '../../src/sample/generate.ts';
import { SAMPLE_SURFACES } from '../../src/sample/markets.ts';
import { buildModel } from '../../src/sample/model.ts';
import { startScoreServer, type RunningServer } from '../../src/serving/http.ts';
import { ScoreCache } from '../../src/serving/loader.ts';
import { MemoryStore, makeRows, publishTestSnapshot } from '../serving/support.ts';

/** The README's examples work as written: their track exists, and their requests are accepted. */
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** (track, market, surface) of every example that names a key: explain flags and GET URLs. */
function exampleKeys(text: string): { track: string; market: string; surface: string }[] {
  const keys = [];
  for (const m of text.matchAll(/--track (\S+) --market (\S+) --surface (\w+)/g)) keys.push({ track: m[1]!, market: m[2]!, surface: m[3]! });
  for (const m of text.matchAll(/\/v1\/scores\/([^/?\s]+)\?market=(\w+)&surface=(\w+)/g)) keys.push({ track: m[1]!, market: m[2]!, surface: m[3]! });
  for (const m of text.matchAll(/"track_id":"([^"]+)","market":"(\w+)","surface":"(\w+)"/g)) keys.push({ track: m[1]!, market: m[2]!, surface: m[3]! });
  return keys;
}

/** A curl command line as the shell would split it (single-quoted words, backslash-newline joins). */
function curlWords(line: string): string[] {
  return [...line.replace(/\\\n\s*/g, ' ').matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** What curl sends for `-X M -H 'k: v' -d DATA URL`; with -d and no content-type, curl sends a form type. */
function curlRequest(words: string[]): { method: string; url: string; headers: Record<string, string>; body?: string } {
  let method = 'GET';
  let url = '';
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-X') method = words[++i]!;
    else if (w === '-H') {
      const [k, ...v] = words[++i]!.split(':');
      headers[k!.trim().toLowerCase()] = v.join(':').trim();
    } else if (w === '-d' || w === '--data') {
      body = words[++i]!;
      if (method === 'GET') method = 'POST';
    } else if (!w.startsWith('-')) url = w;
  }
  if (body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return { method, url, headers, body };
}

describe('README examples', () => {
  it('name a key the default sample has (its track is targeted in that market and surface)', () => {
    const keys = exampleKeys(README);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    // the sample's keys do not depend on the as-of (only engagement does); check two dates anyway
    for (const asOf of ['2026-01-15', '2026-11-25']) {
      const m = buildModel({ scale: 1, seed: '1', asOfDay: parseDay(asOf), days: 35 });
      const targeted = new Set<string>();
      for (let i = 0; i < m.targetCampaign.length; i++) {
        const c = m.targetCampaign[i]!;
        if (m.campStatus[c] !== 0) continue; // active campaigns only
        targeted.add(`${m.trackIds[m.campTrack[c]!]}/${m.markets[m.targetMarket[i]!]}/${SAMPLE_SURFACES[m.targetSurface[i]!]}`);
      }
      for (const k of keys) expect(targeted.has(`${k.track}/${k.market}/${k.surface}`), `${k.track} ${k.market} ${k.surface} (as of ${asOf})`).toBe(true);
    }
  });

  describe('the batchGet request, sent exactly as the curl line would send it', () => {
    let server: RunningServer;
    beforeAll(async () => {
      const store = new MemoryStore();
      const rows = makeRows(50, 4).map((r, i) => (i === 0 ? { ...r, track_id: 'GCD0gTbSXq0V617XFalp6i', market: 'SE', surface: 'radio' } : r));
      await publishTestSnapshot(store, { version: 'v1', rows, dataset: 'promo_scores' });
      const cache = new ScoreCache({ store, dataset: 'promo_scores' });
      await cache.loadLatest();
      server = await startScoreServer({ cache, host: '127.0.0.1', port: 0 });
    });
    afterAll(() => server.close(100));

    it('is accepted (200) and answers each key', async () => {
      const block = README.slice(README.indexOf('curl -X POST'));
      const line = block.slice(0, block.search(/\n(?!\s)/));
      const req = curlRequest(curlWords(line));
      expect(req.url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/v1\/scores:batchGet$/);
      const res = await fetch(req.url.replace('http://127.0.0.1:8080', server.url), { method: req.method, headers: req.headers, body: req.body });
      expect(res.status, await res.clone().text()).toBe(200);
      const answer = (await res.json()) as { results: { track_id: string; found: boolean }[] };
      expect(answer.results.length).toBe(JSON.parse(req.body!).keys.length);
      expect(answer.results[0]).toMatchObject({ track_id: 'GCD0gTbSXq0V617XFalp6i', found: true });
    });
  });
});
