import type { Logger } from '../observability/log.ts';
import type { RunResult } from './run-job.ts';

/**
 * The run summary: a short block on stdout (command output goes to stdout in every log format), and
 * in JSON log mode also one structured log entry on stderr for log-based tooling.
 */
export function printRunSummary(r: RunResult, log: Logger, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const bySurface = new Map<string, { rows: number; promoted: number }>();
  for (const x of r.byMarketSurface) {
    const e = bySurface.get(x.surface) ?? { rows: 0, promoted: 0 };
    e.rows += x.rows;
    e.promoted += x.promoted;
    bySurface.set(x.surface, e);
  }
  const total = r.stages.reduce((s, x) => s + x.seconds, 0);
  if (log.format === 'json') {
    log.notice('run summary', {
      status: r.status, dataset: r.dataset, version: r.version, as_of: r.asOf, rows: r.rows, promoted_rows: r.promotedRows,
      manifest_uri: r.manifestUri, report: r.reportPath, seconds: Number(total.toFixed(3)), peak_rss_mb: Math.round(r.peakRssBytes / 2 ** 20),
      stages: r.stages, by_surface: Object.fromEntries(bySurface), dry_run: r.dryRun,
    });
  }
  const lines: string[] = [];
  const head = { published: 'published', 'already-published': 'already published (no-op)', planned: 'planned (dry run, nothing written)', 'task-written': 'task output written (the commit publishes once every task is done)', failed: `failed (exit ${r.exitCode})` }[r.status];
  lines.push(`${head}: ${r.dataset} ${r.version} (as of ${r.asOf})`);
  if (r.status === 'published' || r.status === 'already-published') {
    lines.push(`  rows       ${r.rows.toLocaleString('en-US')} (${r.promotedRows.toLocaleString('en-US')} promoted)`);
    for (const [s, e] of [...bySurface].sort()) lines.push(`  ${s.padEnd(10)} ${e.rows.toLocaleString('en-US')} rows, ${e.promoted.toLocaleString('en-US')} promoted`);
  }
  for (const d of r.dryRun ?? []) lines.push(`  query ${d.query}: ${d.bytesProcessed.toLocaleString('en-US')} bytes would be scanned`);
  lines.push(`  time       ${total.toFixed(2)} s (${r.stages.map((s) => `${s.stage} ${s.seconds.toFixed(2)}`).join(', ')}), peak RSS ${Math.round(r.peakRssBytes / 2 ** 20)} MiB`);
  lines.push(`  manifest   ${r.manifestUri}`);
  if (r.reportPath) lines.push(`  report     ${r.reportPath}`);
  out(lines.join('\n') + '\n');
}
