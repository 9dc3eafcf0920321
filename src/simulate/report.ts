/**
 * The simulation's page: self-contained HTML (inline SVG, no scripts, no external assets) with the
 * scoreboard, a saves-vs-skips frontier across policies, per-day curves and breach counts.
 */
import type { SimulationResult } from './simulate.ts';

const COLORS = ['#1b7f5f', '#c0392b', '#2e6fba', '#8e44ad', '#d68910', '#7f8c8d', '#16a085', '#34495e'];

function esc(s: string | number): string {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function scaleOf(lo: number, hi: number, a: number, b: number): (v: number) => number {
  if (!(hi > lo)) return () => (a + b) / 2;
  return (v) => a + ((v - lo) / (hi - lo)) * (b - a);
}

function frontier(r: SimulationResult, names: string[]): string {
  const W = 560, H = 320, L = 70, B = 40;
  const pts = names.map((n) => ({ n, x: r.policies[n].promoted_skip_rate - r.policies[n].organic_skip_rate, y: r.policies[n].incremental_saves }));
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const pad = (lo: number, hi: number) => { const d = (hi - lo) * 0.1 || 1e-3; return [lo - d, hi + d]; };
  const [x0, x1] = pad(Math.min(...xs, 0), Math.max(...xs, 0));
  const [y0, y1] = pad(Math.min(...ys, 0), Math.max(...ys, 0));
  const sx = scaleOf(x0, x1, L, W - 20), sy = scaleOf(y0, y1, H - B, 20);
  const dots = pts.map((p, i) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="6" fill="${COLORS[i % COLORS.length]}"/>` +
    `<text x="${(sx(p.x) + 9).toFixed(1)}" y="${(sy(p.y) + 4).toFixed(1)}" font-size="12">${esc(p.n)}</text>`).join('');
  return `<svg width="${W}" height="${H}" role="img"><title>incremental saves vs promoted skip excess</title>
<line x1="${L}" y1="${sy(0)}" x2="${W - 20}" y2="${sy(0)}" stroke="#bbb"/><line x1="${sx(0)}" y1="20" x2="${sx(0)}" y2="${H - B}" stroke="#bbb"/>
${dots}
<text x="${(L + W) / 2}" y="${H - 8}" font-size="12" text-anchor="middle">true promoted skip rate − organic skip rate (${fmt(x0, 3)} … ${fmt(x1, 3)})</text>
<text x="14" y="${H / 2}" font-size="12" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">incremental saves (${fmt(y0)} … ${fmt(y1)})</text></svg>`;
}

function curves(r: SimulationResult, names: string[], field: 'incremental_saves' | 'breaches' | 'promoted_impressions', title: string): string {
  const W = 560, H = 240, L = 60, B = 30;
  const series = names.map((n) => r.daily[n].map((d) => d[field]));
  const all = series.flat();
  const lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  // one decimal for small fractional ends, so a day average of -0.3 does not read "-0"
  const end = (v: number) => fmt(v, Math.abs(v) < 10 && v !== Math.round(v) ? 1 : 0);
  const days = r.world.days;
  const sx = scaleOf(0, Math.max(1, days - 1), L, W - 20), sy = scaleOf(lo, hi || 1, H - B, 15);
  const lines = series.map((s, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.map((v, t) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join(' ')}"/>`).join('');
  const legend = names.map((n, i) => `<tspan fill="${COLORS[i % COLORS.length]}">■ ${esc(n)} </tspan>`).join('');
  // axes a reader can read: day numbers along x (day 1 is the first simulated day), the value range on y
  const ticks = [...new Set([0, Math.floor((days - 1) / 2), days - 1])].filter((t) => t >= 0)
    .map((t) => `<text x="${sx(t).toFixed(1)}" y="${H - B + 14}" font-size="11" text-anchor="middle">${t + 1}</text>`).join('');
  return `<h3>${esc(title)}</h3><svg width="${W}" height="${H + 36}" role="img"><title>${esc(title)}</title>
<line x1="${L}" y1="${sy(0)}" x2="${W - 20}" y2="${sy(0)}" stroke="#bbb"/><line x1="${L}" y1="15" x2="${L}" y2="${H - B}" stroke="#444"/>${lines}
${ticks}<text x="${(L + W - 20) / 2}" y="${H - B + 28}" font-size="11" text-anchor="middle" font-style="italic">simulated day (day 1 = ${esc(r.world.start)})</text>
<text x="${L}" y="${H + 28}" font-size="12">${legend}</text>
<text x="${L - 4}" y="20" font-size="11" text-anchor="end">${end(hi)}</text><text x="${L - 4}" y="${H - B}" font-size="11" text-anchor="end">${end(lo || 0)}</text></svg>`;
}

export function renderSimulationReport(r: SimulationResult): string {
  const names = Object.keys(r.policies);
  const head = ['policy', 'incr. saves', 'incr. streams', 'revenue', 'promoted skip', 'organic skip', 'breach share', 'breaches', 'paced ±15% (of capacity allows: under / over)', 'paced ±15% (of guardrail allows)', 'licensor HHI', 'exploration cost', 'capacity use', 'job days kept previous'];
  const rows = names.map((n) => {
    const p = r.policies[n];
    return [n, fmt(p.incremental_saves), fmt(p.incremental_streams), fmt(p.revenue), fmt(p.promoted_skip_rate, 4), fmt(p.organic_skip_rate, 4),
      fmt(p.breach_share, 4), `${p.breaches} / ${p.group_days}`, `${fmt(p.paced_within_15pct, 3)} of ${p.campaigns_capacity_allows}: ${p.campaigns_under_delivered} / ${p.campaigns_over_delivered}`,
      `${fmt(p.paced_within_15pct_guardrail_allows, 3)} of ${p.campaigns_guardrail_allows}`, fmt(p.licensor_hhi, 4), fmt(p.exploration_cost, 1), fmt(p.capacity_use, 3), p.job_failures];
  });
  const spec = r.policies.spec, oracle = r.policies.oracle, uniform = r.policies.uniform;
  const verdict: string[] = [];
  if (spec && oracle && oracle.incremental_saves > 0) verdict.push(`spec reaches <b>${fmt((100 * spec.incremental_saves) / oracle.incremental_saves, 1)}%</b> of the oracle's incremental saves`);
  if (spec && uniform) verdict.push(uniform.incremental_saves > 0
    ? `<b>${fmt(spec.incremental_saves / uniform.incremental_saves, 2)}×</b> uniform's at equal harm`
    : `uniform at equal harm earns ${fmt(uniform.incremental_saves)} incremental saves against spec's ${fmt(spec.incremental_saves)}`);
  const w = r.world;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>promoscore simulate — seed ${esc(w.seed)}, scale ${w.scale}, ${w.days} days</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}</style></head><body>
<h1>promoscore simulate</h1>
<p>World: seed ${esc(w.seed)}, scale ${w.scale}, ${w.days} days from ${esc(w.start)}, promoted penalty ${w.promoted_penalty}, drift ${w.drift}, cold-start share ${w.cold_start_share ?? 'sample default'}. Wall time ${fmt(r.seconds.total, 1)} s (jobs ${fmt(r.seconds.jobs, 1)} s, world ${fmt(r.seconds.world, 1)} s, sample ${fmt(r.seconds.sample, 1)} s).</p>
<p>${verdict.join('; ') || 'run spec, uniform and oracle together for the verdict'}.</p>
<h2>Scoreboard (totals over the flight, from the truth)</h2>
<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>
<h2>Frontier: incremental saves against listener harm</h2>${frontier(r, names)}
<h2>Per day</h2>${curves(r, names, 'incremental_saves', 'incremental saves per day')}${curves(r, names, 'promoted_impressions', 'promoted impressions per day')}${curves(r, names, 'breaches', 'guardrail breaches per day (group-days over organic + τ)')}
<p>Metric definitions: docs/evaluation.md.</p></body></html>
`;
}
