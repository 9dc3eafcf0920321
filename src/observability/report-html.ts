import type { AllocationSection, QualityCheckResult } from '../snapshot/contract.ts';
import type { StageTiming } from './stages.ts';

/**
 * A self-contained HTML run report (inline SVG, no scripts, no external assets) that a data engineer
 * can open from a bucket or a CI artifact.
 */
export interface RunReportData {
  dataset: string;
  version: string;
  asOf: string;
  status: string;
  runId: string;
  createdAt: string;
  rows: number;
  promotedRows: number;
  peakRssBytes: number;
  stages: StageTiming[];
  byMarketSurface: { market: string; surface: string; rows: number; promoted: number }[];
  scoreHistogram: Histogram;
  boostHistogram: Histogram;
  allocation: AllocationSection;
  quality: { input: QualityCheckResult[]; output: QualityCheckResult[] };
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Equal-width histogram of finite values; columnar input, one pass. */
export function histogram(values: ArrayLike<number>, bins = 30, filter?: (i: number) => boolean): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (filter && !filter(i))) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return { edges: [0, 1], counts: [0] };
  if (hi === lo) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || (filter && !filter(i))) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + k * w);
  return { edges, counts };
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (n: number, d = 3) => (Math.abs(n) >= 1e4 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(d)).toString());

function barChart(title: string, labels: string[], series: { name: string; values: number[]; color: string }[]): string {
  const w = 720;
  const rowH = 16;
  const left = 150;
  const h = labels.length * rowH + 40;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const bars = labels
    .map((label, i) => {
      const y = 30 + i * rowH;
      const rects = series
        .map((s, k) => {
          const bw = ((w - left - 80) * s.values[i]) / max;
          const bh = (rowH - 4) / series.length;
          return `<rect x="${left}" y="${y + k * bh}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${s.color}"><title>${esc(label)} ${esc(s.name)}: ${fmt(s.values[i])}</title></rect>`;
        })
        .join('');
      return `<text x="${left - 6}" y="${y + rowH - 5}" text-anchor="end">${esc(label)}</text>${rects}<text x="${w - 75}" y="${y + rowH - 5}">${fmt(series[0].values[i])}</text>`;
    })
    .join('');
  const legend = series.map((s, k) => `<rect x="${left + k * 140}" y="8" width="10" height="10" fill="${s.color}"/><text x="${left + 14 + k * 140}" y="17">${esc(s.name)}</text>`).join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-size="11">${legend}${bars}</svg></figure>`;
}

function histChart(title: string, hgram: Histogram, color: string): string {
  const w = 720;
  const h = 220;
  const pad = 40;
  const max = Math.max(1, ...hgram.counts);
  const n = hgram.counts.length;
  const bw = (w - 2 * pad) / n;
  const bars = hgram.counts
    .map((c, i) => {
      const bh = ((h - 2 * pad) * c) / max;
      return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(h - pad - bh).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>[${fmt(hgram.edges[i])}, ${fmt(hgram.edges[i + 1])}): ${c}</title></rect>`;
    })
    .join('');
  const axis = `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#444"/><text x="${pad}" y="${h - pad + 16}">${fmt(hgram.edges[0])}</text><text x="${w - pad}" y="${h - pad + 16}" text-anchor="end">${fmt(hgram.edges[n])}</text><text x="${pad - 4}" y="${pad}" text-anchor="end">${max}</text>`;
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-size="11">${bars}${axis}</svg></figure>`;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const th = headers.map((x) => `<th>${esc(x)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(typeof c === 'number' ? fmt(c, 4) : c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

export function renderRunReport(d: RunReportData): string {
  const markets = [...new Set(d.byMarketSurface.map((r) => r.market))];
  const perMarket = markets.map((m) => {
    const rs = d.byMarketSurface.filter((r) => r.market === m);
    return { m, rows: rs.reduce((s, r) => s + r.rows, 0), promoted: rs.reduce((s, r) => s + r.promoted, 0) };
  });
  const util = d.allocation.markets.flatMap((m) =>
    m.surfaces.map((s) => ({ label: `${m.market}/${s.surface}`, ratio: s.capacity > 0 ? s.used / s.capacity : 0 })),
  );
  const checks = [...d.quality.input.map((c) => ['input', c] as const), ...d.quality.output.map((c) => ['output', c] as const)];
  const cert = d.allocation.certificate;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>promoscore ${esc(d.dataset)} ${esc(d.version)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}
figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.3em}.ok{color:#17803d}.bad{color:#b42318}
</style></head><body>
<h1>promoscore run report</h1>
${table(['field', 'value'], [
  ['dataset', d.dataset],
  ['version', d.version],
  ['as of', d.asOf],
  ['status', d.status],
  ['run id', d.runId],
  ['created at', d.createdAt],
  ['rows', d.rows],
  ['promoted rows (share > 0)', d.promotedRows],
  ['peak RSS', `${(d.peakRssBytes / 2 ** 20).toFixed(0)} MiB`],
  ['allocation gap (D−P)/D', cert.gap],
  ['largest violation', cert.max_violation],
])}
<h2>Stages</h2>
${table(['stage', 'seconds', 'rows', 'rows/s'], d.stages.map((s) => [s.stage, s.seconds.toFixed(3), s.rows ?? '', s.rows ? Math.round(s.rows / Math.max(s.seconds, 1e-9)) : '']))}
<h2>Distributions</h2>
${histChart('score of promoted rows (net value per impression)', d.scoreHistogram, '#3b6fb6')}
${histChart('boost of promoted rows', d.boostHistogram, '#c26d1a')}
<h2>Markets</h2>
${barChart('candidate rows and promoted rows per market', perMarket.map((p) => p.m), [
  { name: 'rows', values: perMarket.map((p) => p.rows), color: '#9db4d6' },
  { name: 'promoted', values: perMarket.map((p) => p.promoted), color: '#3b6fb6' },
])}
${barChart('promoted capacity used (share of ρ·F) per market and surface', util.map((u) => u.label), [
  { name: 'used / capacity', values: util.map((u) => u.ratio), color: '#2f8f5b' },
])}
<h2>Quality checks</h2>
${table(['gate', 'check', 'table', 'column', 'policy', 'status', 'offending', 'examples'], checks.map(([g, c]) => [g, c.check, c.table ?? '', c.column ?? '', c.policy, c.status, c.offending, (c.examples ?? []).join(', ')]))}
</body></html>
`;
}
