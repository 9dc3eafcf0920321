import type { Table } from 'apache-arrow';
import type { Manifest } from './contract.ts';

export interface GroupDelta {
  market: string;
  surface: string;
  rows: [number, number];
  promoted: [number, number];
}

export interface ManifestDiff {
  a: string;
  b: string;
  as_of: [string, string];
  rows: [number, number];
  promoted_rows: [number, number];
  spec_hash: [string, string];
  input_fingerprint: [string, string];
  columns_added: string[];
  columns_removed: string[];
  columns_retyped: { name: string; a: string; b: string }[];
  /** only groups whose counts differ, sorted by market then surface */
  groups: GroupDelta[];
  score_quantiles: { q: string; a: number | null; b: number | null }[];
  certificate_gap: [number | null, number | null];
}

/** What changed between two versions, from their manifests alone (no shard is read). */
export function diffManifests(a: Manifest, b: Manifest): ManifestDiff {
  const typesA = new Map(a.schema.map((f) => [f.name, f.type]));
  const typesB = new Map(b.schema.map((f) => [f.name, f.type]));
  const groups = new Map<string, GroupDelta>();
  const group = (market: string, surface: string) => {
    const k = `${market}\u0000${surface}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { market, surface, rows: [0, 0], promoted: [0, 0] }));
    return g;
  };
  for (const g of a.stats.by_market_surface) Object.assign(group(g.market, g.surface), { rows: [g.rows, 0], promoted: [g.promoted, 0] });
  for (const g of b.stats.by_market_surface) {
    const d = group(g.market, g.surface);
    d.rows[1] = g.rows;
    d.promoted[1] = g.promoted;
  }
  const qs = [...new Set([...Object.keys(a.stats.score_quantiles), ...Object.keys(b.stats.score_quantiles)])].sort(
    (x, y) => Number(x.slice(1)) - Number(y.slice(1)),
  );
  return {
    a: a.version,
    b: b.version,
    as_of: [a.as_of, b.as_of],
    rows: [a.stats.rows, b.stats.rows],
    promoted_rows: [a.stats.promoted_rows, b.stats.promoted_rows],
    spec_hash: [a.producer.spec_hash, b.producer.spec_hash],
    input_fingerprint: [a.inputs.fingerprint, b.inputs.fingerprint],
    columns_added: [...typesB.keys()].filter((k) => !typesA.has(k)),
    columns_removed: [...typesA.keys()].filter((k) => !typesB.has(k)),
    columns_retyped: [...typesA].filter(([k, t]) => typesB.has(k) && typesB.get(k) !== t).map(([k, t]) => ({ name: k, a: t, b: typesB.get(k)! })),
    groups: [...groups.values()]
      .filter((g) => g.rows[0] !== g.rows[1] || g.promoted[0] !== g.promoted[1])
      .sort((x, y) => (x.market < y.market ? -1 : x.market > y.market ? 1 : x.surface < y.surface ? -1 : x.surface > y.surface ? 1 : 0)),
    score_quantiles: qs.map((q) => ({ q, a: a.stats.score_quantiles[q] ?? null, b: b.stats.score_quantiles[q] ?? null })),
    certificate_gap: [a.allocation?.certificate?.gap ?? null, b.allocation?.certificate?.gap ?? null],
  };
}

export interface RowDiff {
  only_a: number;
  only_b: number;
  common: number;
  share_changed: number;
  boost_changed: number;
  score_changed: number;
  promoted_gained: number;
  promoted_lost: number;
  /** a few keys of each kind, for people */
  examples: { only_a: string[]; only_b: string[]; share_changed: string[] };
}

const KEY_COLUMNS = ['track_id', 'market', 'surface', 'campaign_id'] as const;

/** Row-level comparison keyed by (track_id, market, surface, campaign_id). */
export function diffRows(a: Table, b: Table, examples = 5): RowDiff {
  const index = new Map<string, number>();
  const keysA = keysOf(a);
  keysA.forEach((k, i) => index.set(k, i));
  const shareA = a.getChild('share')!.toArray() as Float64Array;
  const boostA = a.getChild('boost')!.toArray() as Float32Array;
  const scoreA = a.getChild('score')!.toArray() as Float32Array;
  const shareB = b.getChild('share')!.toArray() as Float64Array;
  const boostB = b.getChild('boost')!.toArray() as Float32Array;
  const scoreB = b.getChild('score')!.toArray() as Float32Array;
  const out: RowDiff = {
    only_a: 0, only_b: 0, common: 0, share_changed: 0, boost_changed: 0, score_changed: 0, promoted_gained: 0, promoted_lost: 0,
    examples: { only_a: [], only_b: [], share_changed: [] },
  };
  const seen = new Uint8Array(keysA.length);
  keysOf(b).forEach((k, j) => {
    const i = index.get(k);
    if (i === undefined) {
      out.only_b++;
      if (out.examples.only_b.length < examples) out.examples.only_b.push(k);
      return;
    }
    seen[i] = 1;
    out.common++;
    if (shareA[i] !== shareB[j]) {
      out.share_changed++;
      if (out.examples.share_changed.length < examples) out.examples.share_changed.push(k);
    }
    if (boostA[i] !== boostB[j]) out.boost_changed++;
    if (scoreA[i] !== scoreB[j]) out.score_changed++;
    if (!(shareA[i] > 0) && shareB[j] > 0) out.promoted_gained++;
    if (shareA[i] > 0 && !(shareB[j] > 0)) out.promoted_lost++;
  });
  seen.forEach((s, i) => {
    if (s) return;
    out.only_a++;
    if (out.examples.only_a.length < examples) out.examples.only_a.push(keysA[i]);
  });
  return out;
}

function keysOf(t: Table): string[] {
  const cols = KEY_COLUMNS.map((c) => t.getChild(c)!.toArray() as unknown as ArrayLike<string>);
  const out = new Array<string>(t.numRows);
  for (let i = 0; i < t.numRows; i++) out[i] = `${cols[0][i]}/${cols[1][i]}/${cols[2][i]}/${cols[3][i]}`;
  return out;
}
