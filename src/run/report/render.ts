import type { AllocationSection, QualityCheckResult } from '../../snapshot/contract.ts';
import type { RunResult } from '../journal.ts';
import type { Histogram } from './histogram.ts';

/**
 * The run report: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched) that
 * a data engineer opens from a bucket, a CI artifact or the local reports directory. Written for every
 * run, whatever its outcome; a failed run's report opens on what failed, against what, and the way
 * through. Pure: data in, text out (the numbers are gathered by ../report.ts).
 */
export interface PairCount {
  market: string;
  surface: string;
  rows: number;
  promoted: number;
}

export interface SkipUse {
  market: string;
  surface: string;
  /** impression-weighted skip rate of the promoted rows */
  promotedSkip: number;
  /** baseline + tolerance: what the promoted rows may average */
  budget: number;
}

export interface ReportData {
  result: RunResult;
  createdAt: string;
  byMarketSurface: PairCount[];
  previous: { version: string; asOf: string; rows: number; byMarketSurface: PairCount[] } | null;
  /** every row's score, and the previous snapshot's shares over the same bins (from its quantiles) */
  scoreAll?: Histogram;
  previousScoreShares?: number[];
  psi?: number | null;
  scorePromoted?: Histogram;
  boostPromoted?: Histogram;
  allocation?: AllocationSection | null;
  skipUse?: SkipUse[];
  /** rows left out of `scoreAll`: ineligible rows, whose score (the lowest float32) would squash every other bin */
  scoreLeftOut?: number;
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
// past a billion, digits stop being readable (the lowest float32 has 39): an exponent instead
const fmt = (n: number, d = 3) =>
  !Number.isFinite(n) ? String(n) : Math.abs(n) >= 1e9 ? n.toExponential(2) : Math.abs(n) >= 1e4 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(d)).toString();
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

interface Series {
  name: string;
  values: number[];
  color: string;
}

/** Horizontal bars, one row per label, a value scale on the x axis. */
function barChart(title: string, xLabel: string, labels: string[], series: Series[], opts: { marker?: number } = {}): string {
  if (!labels.length) return '';
  const w = 760;
  const rowH = Math.max(14, 6 + 8 * series.length);
  const left = 160;
  const right = 90;
  const top = 30;
  const h = top + labels.length * rowH + 44;
  const max = Math.max(opts.marker ?? 0, ...series.flatMap((s) => s.values.filter(Number.isFinite)), 1e-12);
  const x = (v: number) => left + ((w - left - right) * Math.max(0, v)) / max;
  const bars = labels
    .map((label, i) => {
      const y = top + i * rowH;
      const bh = (rowH - 4) / series.length;
      const rects = series
        .map((s, k) => `<rect x="${left}" y="${(y + k * bh).toFixed(1)}" width="${(x(s.values[i]) - left).toFixed(1)}" height="${bh.toFixed(1)}" fill="${s.color}"><title>${esc(label)} ${esc(s.name)}: ${fmt(s.values[i])}</title></rect>`)
        .join('');
      return `<text x="${left - 6}" y="${y + rowH - 5}" text-anchor="end">${esc(label)}</text>${rects}<text x="${w - right + 6}" y="${y + rowH - 5}">${series.map((s) => fmt(s.values[i])).join(' / ')}</text>`;
    })
    .join('');
  const axisY = top + labels.length * rowH + 4;
  const ticks = [0, 0.5, 1].map((f) => `<text x="${x(f * max).toFixed(1)}" y="${axisY + 14}" text-anchor="middle">${fmt(f * max)}</text>`).join('');
  const marker = opts.marker !== undefined ? `<line x1="${x(opts.marker)}" y1="${top - 4}" x2="${x(opts.marker)}" y2="${axisY}" stroke="#b42318" stroke-dasharray="4 3"/>` : '';
  const legend = legendItems(left, series.map((s) => ({ name: s.name, mark: `<rect x="0" y="8" width="10" height="10" fill="${s.color}"/>` })));
  const axis = `<line x1="${left}" y1="${axisY}" x2="${w - right}" y2="${axisY}" stroke="#444"/>${ticks}<text x="${(left + w - right) / 2}" y="${axisY + 32}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`;
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-size="11" role="img" aria-label="${esc(title)}">${legend}${bars}${marker}${axis}</svg></figure>`;
}

/** Legend entries in a row from `x`, each after the previous one's text (its width estimated from its length at font-size 11). */
function legendItems(x: number, items: { name: string; mark: string }[]): string {
  let at = x;
  return items
    .map((it) => {
      const g = `<g transform="translate(${at} 0)">${it.mark}<text x="14" y="17">${esc(it.name)}</text></g>`;
      at += 14 + 6.5 * it.name.length + 24;
      return g;
    })
    .join('');
}

/** Vertical histogram bars with labelled axes; `overlay` (shares per bin) is drawn as a line over them. */
function histChart(
  title: string,
  xLabel: string,
  yLabel: string,
  hgram: Histogram,
  color: string,
  overlay?: { name: string; shares: number[]; barsName: string; total?: number },
): string {
  const w = 760;
  const h = 260;
  const left = 60;
  const pad = 30;
  const bottom = 50;
  const n = hgram.counts.length;
  // with an overlay the bars are shares of `total` rows (default: the rows drawn), like the overlay's
  const total = overlay?.total || hgram.counts.reduce((s, c) => s + c, 0) || 1;
  const values = overlay ? hgram.counts.map((c) => c / total) : hgram.counts;
  const max = Math.max(1e-12, ...values, ...(overlay?.shares ?? []));
  const bw = (w - left - pad) / n;
  const y = (v: number) => h - bottom - ((h - bottom - pad) * v) / max;
  const bars = values
    .map((v, i) => `<rect x="${(left + i * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(h - bottom - y(v)).toFixed(1)}" fill="${color}"><title>[${fmt(hgram.edges[i])}, ${fmt(hgram.edges[i + 1])}): ${overlay ? pct(v) : v}</title></rect>`)
    .join('');
  const line = overlay
    ? `<polyline fill="none" stroke="#b42318" stroke-width="2" points="${overlay.shares.map((v, i) => `${(left + (i + 0.5) * bw).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>` +
      legendItems(left + 10, [
        { name: overlay.barsName, mark: `<rect x="0" y="8" width="10" height="10" fill="${color}"/>` },
        { name: overlay.name, mark: '<line x1="0" y1="13" x2="10" y2="13" stroke="#b42318" stroke-width="2"/>' },
      ])
    : '';
  const axis =
    `<line x1="${left}" y1="${h - bottom}" x2="${w - pad}" y2="${h - bottom}" stroke="#444"/><line x1="${left}" y1="${pad}" x2="${left}" y2="${h - bottom}" stroke="#444"/>` +
    `<text x="${left}" y="${h - bottom + 14}">${fmt(hgram.edges[0])}</text><text x="${(left + w - pad) / 2}" y="${h - bottom + 14}" text-anchor="middle">${fmt((hgram.edges[0] + hgram.edges[n]) / 2)}</text><text x="${w - pad}" y="${h - bottom + 14}" text-anchor="end">${fmt(hgram.edges[n])}</text>` +
    `<text x="${left - 4}" y="${pad + 4}" text-anchor="end">${overlay ? pct(max) : fmt(max)}</text><text x="${left - 4}" y="${h - bottom}" text-anchor="end">0</text>` +
    `<text x="${(left + w - pad) / 2}" y="${h - 12}" text-anchor="middle" class="axis">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${(h - bottom + pad) / 2}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`;
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-size="11" role="img" aria-label="${esc(title)}">${bars}${line}${axis}</svg></figure>`;
}

/** A cell's text as HTML already escaped, for cells that carry markup (line-break hints). */
interface Html {
  html: string;
}

/** A dotted name that may break after its dots (and nowhere else), so `--set` keys stay whole words. */
const dotted = (s: string): Html => ({ html: esc(s).replace(/\./g, '.<wbr>') });

function table(headers: string[], rows: (string | number | Html)[][], rowClass?: (i: number) => string): string {
  const th = headers.map((x) => `<th>${esc(x)}</th>`).join('');
  const cell = (c: string | number | Html) => (typeof c === 'object' ? c.html : esc(typeof c === 'number' ? fmt(c, 4) : c));
  const body = rows
    .map((r, i) => `<tr${rowClass?.(i) ? ` class="${rowClass(i)}"` : ''}>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const RANK: Record<QualityCheckResult['status'], number> = { fail: 0, dropped: 1, warned: 2, pass: 3 };

function qualityTable(gates: { input: QualityCheckResult[]; output: QualityCheckResult[] }): string {
  const checks = [...gates.input.map((c) => ['input', c] as const), ...gates.output.map((c) => ['output', c] as const)];
  // failures first, then drops and warnings, then passes; the order within a status is the gates'
  const sorted = checks.map((c, i) => [c, i] as const).sort((a, b) => RANK[a[0][1].status] - RANK[b[0][1].status] || a[1] - b[1]).map(([c]) => c);
  const count = (status: QualityCheckResult['status']) => checks.filter(([, c]) => c.status === status).length;
  const examples = checks.some(([, c]) => c.examples?.length);
  const where = (c: QualityCheckResult) => [c.table, c.column].filter(Boolean).join('.');
  // inside the wrapper details and examples wrap anywhere and settings after their dots, so the table stays on the page
  return `<p>${checks.length} checks: ${count('fail')} failed, ${count('dropped')} dropped rows, ${count('warned')} warned, ${count('pass')} passed.</p>
<div class="fit">${table(
    ['gate', 'check', 'status', 'measured', 'threshold', 'setting', 'table.column', 'policy', 'offending', 'detail', ...(examples ? ['examples'] : [])],
    sorted.map(([g, c]) => [g, c.check, c.status, c.measured ?? '', c.threshold ?? '', dotted(c.setting ?? ''), dotted(where(c)), c.policy, c.offending, c.detail ?? '', ...(examples ? [(c.examples ?? []).join(', ')] : [])]),
    (i) => (sorted[i][1].status === 'fail' ? 'bad' : sorted[i][1].status === 'pass' ? '' : 'warn'),
  )}</div>`;
}

function failureSection(d: ReportData): string {
  const r = d.result;
  if (r.status !== 'failed') return '';
  const failed = [...(r.quality?.input ?? []), ...(r.quality?.output ?? [])].filter((c) => c.status === 'fail');
  return `<section class="failure"><h2>What failed</h2>
<p class="bad">exit ${r.exitCode}: ${esc(r.error ?? '')}</p>
${failed.length ? table(['check', 'measured', 'threshold', 'setting', 'against', 'detail'], failed.map((c) => [c.check, c.measured ?? '', c.threshold ?? '', c.setting ?? '', r.previousVersion ?? '', c.detail ?? ''])) : ''}
${r.hint ? `<p>The way through: ${esc(r.hint)}</p>` : ''}
<p>${r.version ? `Nothing was published: LATEST still names ${esc(r.previousVersion ?? 'no version')}.` : 'Nothing was published: the run stopped before it read LATEST, which is as it was.'}</p></section>`;
}

function driftSection(d: ReportData): string {
  const p = d.previous;
  // a run that stopped before its plan never looked for a previous version
  if (!p) return d.result.version ? `<h2>Drift</h2><p>No previous version to compare with.</p>` : '';
  // an already published version finds itself in LATEST: comparing it with itself would show no drift, falsely reassuring
  if (p.version === d.result.version) return `<h2>Drift</h2><p>${esc(p.version)} was already published; its drift was gated by the run that published it.</p>`;
  // a sharded task holds only its bin of markets: compare those, and leave the whole-output measures to the commit
  const task = d.result.status === 'task-written';
  const mine = new Set(d.byMarketSurface.map((x) => x.market));
  const previousPairs = task ? p.byMarketSurface.filter((x) => mine.has(x.market)) : p.byMarketSurface;
  const previousRows = task ? previousPairs.reduce((s, x) => s + x.rows, 0) : p.rows;
  const rows = d.result.rows || d.byMarketSurface.reduce((s, x) => s + x.rows, 0);
  const change = previousRows > 0 ? (rows - previousRows) / previousRows : NaN;
  const pairs = [...new Set([...previousPairs, ...d.byMarketSurface].map((x) => `${x.market}/${x.surface}`))].sort();
  const before = new Map(previousPairs.map((x) => [`${x.market}/${x.surface}`, x.rows]));
  const now = new Map(d.byMarketSurface.map((x) => [`${x.market}/${x.surface}`, x.rows]));
  const note = task
    ? `<p class="note">This task's ${mine.size} of ${new Set(p.byMarketSurface.map((x) => x.market)).size} markets, against the same markets of the previous version; the score distribution and the drift gates cover every market at the commit.</p>`
    : '';
  return `<h2>Drift against ${esc(p.version)} (as of ${esc(p.asOf)})</h2>
${note}
${table(['measure', 'previous', task ? 'this task' : 'this run', 'change'], [
  ['rows', previousRows, rows, Number.isFinite(change) ? `${change >= 0 ? '+' : ''}${pct(change)}` : ''],
  ['score PSI', '', task ? 'at the commit' : d.psi ?? 'n/a', ''],
])}
${!task && d.scoreAll && d.previousScoreShares ? scoreDrift(d.scoreAll, d.previousScoreShares, d.scoreLeftOut ?? 0, p.version) : ''}
${barChart(`rows per market and surface, previous and this ${task ? 'task' : 'run'}`, 'candidate rows', pairs, [
  { name: `previous ${p.version}`, values: pairs.map((k) => before.get(k) ?? 0), color: '#c9c9c9' },
  { name: task ? 'this task' : 'this run', values: pairs.map((k) => now.get(k) ?? 0), color: '#3b6fb6' },
])}`;
}

function scoreDrift(all: Histogram, previousShares: number[], leftOut: number, previousVersion: string): string {
  const drawn = all.counts.reduce((s, c) => s + c, 0);
  const total = drawn + leftOut;
  const chart = histChart('score distribution of eligible rows, this run against the previous version', 'score (net value per impression)', 'share of rows', all, '#3b6fb6', {
    name: `previous (${previousVersion}, from its quantiles)`,
    shares: previousShares,
    barsName: 'this run',
    total,
  });
  const note = leftOut
    ? `<p class="note">${leftOut.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows (${pct(leftOut / (total || 1))}) are ineligible: their score is the lowest float32, so a ranker puts them last, and they are not drawn. Bars and line are shares of all rows.</p>`
    : '';
  return chart + note;
}

function allocationSection(d: ReportData): string {
  const a = d.allocation;
  if (!a || !a.markets.length) return '';
  const surfaces = a.markets.flatMap((m) => m.surfaces.map((s) => ({ label: `${m.market}/${s.surface}`, ...s })));
  const caps = a.markets.flatMap((m) => m.licensor_caps.map((c) => ({ market: m.market, ...c, ratio: c.cap > 0 ? c.used / c.cap : 0 })));
  const binding = caps.filter((c) => c.price > 0 || c.ratio >= 1 - 1e-6);
  const topCaps = [...caps].sort((x, y) => y.ratio - x.ratio || y.price - x.price).slice(0, 25);
  const capsPerMarket = a.markets.map((m) => {
    const cs = m.licensor_caps;
    return [m.market, cs.length, cs.filter((c) => c.price > 0 || (c.cap > 0 && c.used / c.cap >= 1 - 1e-6)).length, cs.reduce((s, c) => Math.max(s, c.cap > 0 ? c.used / c.cap : 0), 0)];
  });
  const skip = d.skipUse ?? [];
  return `<h2>Allocation</h2>
<p>Certificate: relative gap (D−P)/D ${fmt(a.certificate.gap)} (tolerance ${fmt(a.tolerance)}), largest violation ${fmt(a.certificate.max_violation)}.</p>
<h3>Shadow prices per market and surface</h3>
${table(['market/surface', 'capacity price', 'skip price', 'capacity', 'used', 'used / capacity'], surfaces.map((s) => [s.label, s.capacity_price, s.skip_price, s.capacity, s.used, s.capacity > 0 ? pct(s.used / s.capacity) : '']))}
${barChart('capacity shadow price per market and surface', 'price of one more unit of promoted capacity (value per impression)', surfaces.map((s) => s.label), [{ name: 'capacity price', values: surfaces.map((s) => s.capacity_price), color: '#6b4fb6' }])}
${barChart('promoted capacity used per market and surface', 'used / capacity (1 = full)', surfaces.map((s) => s.label), [{ name: 'used / capacity', values: surfaces.map((s) => (s.capacity > 0 ? s.used / s.capacity : 0)), color: '#2f8f5b' }], { marker: 1 })}
<h3>Skip budget use</h3>
${skip.length ? barChart('promoted skip rate against its budget (baseline + tolerance) per market and surface', 'skip rate of promoted impressions / budget (1 = at the budget)', skip.map((s) => `${s.market}/${s.surface}`), [{ name: 'skip / budget', values: skip.map((s) => (s.budget > 0 ? s.promotedSkip / s.budget : 0)), color: '#c26d1a' }], { marker: 1 }) : '<p>No rows to measure.</p>'}
<h3>Licensor caps</h3>
<p>${binding.length} of ${caps.length} licensor caps bind (priced or full).</p>
${table(['market', 'licensor caps', 'binding', 'highest use'], capsPerMarket.map(([m, n, b, u]) => [m, n, b, pct(u as number)]))}
<p>The ${topCaps.length} licensor caps closest to full:</p>
${table(['market', 'licensor', 'cap', 'used', 'used / cap', 'price'], topCaps.map((c) => [c.market, c.licensor_id, c.cap, c.used, pct(c.ratio), c.price]))}`;
}

export function renderRunReport(d: ReportData): string {
  const r = d.result;
  const markets = [...new Set(d.byMarketSurface.map((x) => x.market))];
  const perMarket = markets.map((m) => {
    const rs = d.byMarketSurface.filter((x) => x.market === m);
    return { m, rows: rs.reduce((s, x) => s + x.rows, 0), promoted: rs.reduce((s, x) => s + x.promoted, 0) };
  });
  const statusClass = r.status === 'failed' ? 'bad' : 'ok';
  // a run that failed early never learned these: say so rather than leave a blank cell
  const known = (v: string | null | undefined) => v || '(not reached)';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>promoscore ${esc(r.dataset)} ${esc(r.asOf)} ${esc(r.status)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left;vertical-align:top}
figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.3em}.ok{color:#17803d}.bad{color:#b42318}tr.bad td{background:#fde8e6}tr.warn td{background:#fff6e0}
.failure{border:2px solid #b42318;padding:0 1em;margin:1em 0}.axis{fill:#555;font-style:italic}
.fit td:nth-child(10),.fit td:nth-child(11){overflow-wrap:anywhere}.fit td:nth-child(10){min-width:12em}.note{color:#555;font-size:13px;max-width:760px}
</style></head><body>
<h1>promoscore run report: <span class="${statusClass}">${esc(r.status)}</span></h1>
${failureSection(d)}
${table(['field', 'value'], [
  ['dataset', known(r.dataset)],
  ['as of', known(r.asOf)],
  ['version', known(r.version)],
  ['previous version', r.previousVersion ?? (r.version ? '(none)' : '(not reached)')],
  ['status', r.status],
  ['exit code', r.exitCode],
  ['run id', r.runId],
  ['written at', d.createdAt],
  ['rows', r.rows],
  ['promoted rows (share > 0)', r.promotedRows],
  ['peak RSS', `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`],
  ['manifest', known(r.manifestUri)],
  ['store', known(r.storeUri)],
  ['warehouse', known(r.warehouseUri)],
])}
<h2>Quality checks</h2>
${r.quality ? qualityTable(r.quality) : '<p>No gate ran.</p>'}
<h2>Stages</h2>
${r.stages.length ? table(['stage', 'seconds', 'rows', 'rows/s'], r.stages.map((s) => [s.stage, s.seconds.toFixed(3), s.rows ?? '', s.rows ? Math.round(s.rows / Math.max(s.seconds, 1e-9)) : ''])) : '<p>No stage ran.</p>'}
${driftSection(d)}
${allocationSection(d)}
${d.scorePromoted || d.boostPromoted ? '<h2>Distributions</h2>' : ''}
${d.scorePromoted ? histChart('score of promoted rows', 'score (net value per impression)', 'rows', d.scorePromoted, '#3b6fb6') : ''}
${d.boostPromoted ? histChart('boost of promoted rows', 'boost (multiplier on the organic score)', 'rows', d.boostPromoted, '#c26d1a') : ''}
${perMarket.length ? '<h2>Markets</h2>' : ''}
${barChart('candidate rows and promoted rows per market', 'rows', perMarket.map((p) => p.m), [
  { name: 'rows', values: perMarket.map((p) => p.rows), color: '#9db4d6' },
  { name: 'promoted', values: perMarket.map((p) => p.promoted), color: '#3b6fb6' },
])}
</body></html>
`;
}
