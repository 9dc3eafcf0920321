/** The replay's two outputs: `--json` (snake_case, rounded to 1e-6 so it reads and diffs well) and the terminal table. */
import type { ReplayResult } from './replay.ts';
import type { IntervalEstimate } from './summarize.ts';

const round = (v: number) => (Number.isInteger(v) ? v : Math.round(v * 1e6) / 1e6);

export function replayJson(r: ReplayResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' ? round(v) : v), 2) + '\n';
}

const num = (v: number, digits = 1) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function replayTable(r: ReplayResult): string {
  const head = ['as-of', 'estimate', '95% interval', 'snips', 'direct', 'coverage', 'key-days', 'logged days'];
  const line = (label: string, e: IntervalEstimate, logged: string) => [
    label,
    num(e.estimate),
    `[${num(e.ci_low)}, ${num(e.ci_high)}]`,
    num(e.method_mix.snips, 3),
    num(e.method_mix.direct, 3),
    num(e.coverage, 3),
    num(e.n, 0),
    logged,
  ];
  const rows = [head, ...r.as_ofs.map((a) => line(a.as_of, a, `${a.logged_days}/${r.horizon_days}`)), line('total', r.total, '')];
  const widths = head.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const fmt = (row: string[]) => row.map((cell, c) => (c === 0 || c === 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [
    `Replay: incremental saves of the allocation over the organic impressions it displaces, ${r.horizon_days} days from each as-of`,
    `(SNIPS where the served snapshots logged propensities, the direct method elsewhere; 95% intervals from ${r.bootstrap.replicates} bootstrap replicates over ${num(r.bootstrap.blocks, 0)} (track, day) blocks, seed ${r.bootstrap.seed})`,
    `warehouse ${r.warehouse}, store ${r.store}, dataset ${r.dataset}, spec ${r.spec ?? '(embedded default)'}`,
    '',
    fmt(rows[0]),
    ...rows.slice(1).map(fmt),
    '',
  ].join('\n');
}
