import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import type { Logger } from '../observability/log.ts';
import type { AllocationSection } from '../snapshot/contract.ts';
import { snapshotStats } from '../snapshot/manifest.ts';
import { numericColumn } from '../quality/numeric-column.ts';
import { groupIds } from '../quality/key-match.ts';
import { scorePsi } from '../quality/psi.ts';
import { ELIGIBLE_FLOOR } from '../scoring/ranker-score.ts';
import { textAt, utf8Column } from '../quality/utf8-column.ts';
import { runResultJson, type RunJournal, type RunResult } from './journal.ts';
import { histogram, sharesFromQuantiles } from './report/histogram.ts';
import { renderIndex, type IndexEntry } from './report/index-page.ts';
import { renderRunReport, type ReportData, type SkipUse } from './report/render.ts';

/**
 * Stage 6, report (docs/architecture.md, "Run result and report"): every run, whatever its outcome,
 * leaves `<dir>/<name>.json` (the run result, as `run --json` prints it) and `<dir>/<name>.html` (the
 * report), and `<dir>/index.html` lists them all. A report that cannot be written is logged, never
 * turned into the run's failure: the run's outcome is the snapshot, not its description.
 */
export const DEFAULT_REPORT_DIR = '.promoscore/reports';

export async function writeRunReport(dir: string, result: RunResult, journal: RunJournal, log: Logger): Promise<RunResult> {
  const name = `${result.dataset || 'run'}-${(result.asOf || 'unplanned').replace(/[^0-9A-Za-z-]/g, '')}-${result.status}-${result.runId.slice(0, 8)}`;
  const reportPath = join(dir, `${name}.html`);
  const resultPath = join(dir, `${name}.json`);
  const out = { ...result, reportPath, resultPath };
  try {
    const createdAt = new Date().toISOString();
    await mkdir(dir, { recursive: true });
    await atomicWrite(reportPath, renderRunReport(reportData(out, journal, createdAt)));
    await atomicWrite(resultPath, JSON.stringify({ ...runResultJson(out), written_at: createdAt }, null, 2) + '\n');
    await atomicWrite(join(dir, 'index.html'), renderIndex(await indexEntries(dir)));
    return out;
  } catch (err) {
    log.warn('run report not written', { dir, error: (err as Error).message });
    return result;
  }
}

async function atomicWrite(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

function reportData(r: RunResult, journal: RunJournal, createdAt: string): ReportData {
  const t = journal.table;
  const prev = journal.previous;
  const byMarketSurface = r.byMarketSurface.length ? r.byMarketSurface : t ? snapshotStats(t).by_market_surface : [];
  const d: ReportData = {
    result: r,
    createdAt,
    byMarketSurface,
    previous: prev ? { version: prev.version, asOf: prev.as_of, rows: prev.stats.rows, byMarketSurface: prev.stats.by_market_surface } : null,
    allocation: journal.manifest?.allocation ?? journal.allocation,
  };
  if (!t || t.numRows === 0) return d;
  const score = numericColumn(t, 'score');
  const share = numericColumn(t, 'share');
  const promoted = (i: number) => share[i] > 0;
  d.scorePromoted = histogram(score, 40, promoted);
  d.boostPromoted = histogram(numericColumn(t, 'boost'), 40, promoted);
  if (prev) {
    const eligible = (i: number) => score[i] >= ELIGIBLE_FLOOR;
    d.scoreAll = histogram(score, 40, eligible);
    d.scoreLeftOut = 0;
    for (let i = 0; i < score.length; i++) if (!eligible(i) && Number.isFinite(score[i])) d.scoreLeftOut++;
    d.previousScoreShares = sharesFromQuantiles(prev.stats.score_quantiles, d.scoreAll.edges);
    d.psi = scorePsi(prev.stats.score_quantiles, score)?.psi ?? null;
  }
  if (d.allocation) d.skipUse = skipUse(t, d.allocation);
  return d;
}

/** Per (market, surface): the impression-weighted skip rate of the promoted rows, against baseline + tolerance. */
function skipUse(t: Table, a: AllocationSection): SkipUse[] {
  const market = utf8Column(t.getChild('market')!, 'market');
  const surface = utf8Column(t.getChild('surface')!, 'surface');
  const share = numericColumn(t, 'share');
  const headroom = numericColumn(t, 'headroom');
  const skip = numericColumn(t, 'skip_upper');
  const g = groupIds([market, surface]);
  const used = new Float64Array(g.reps.length);
  const skipped = new Float64Array(g.reps.length);
  for (let i = 0; i < t.numRows; i++) {
    if (!(share[i] > 0) || g.ids[i] < 0) continue;
    const u = headroom[i] * share[i];
    used[g.ids[i]] += u;
    skipped[g.ids[i]] += u * skip[i];
  }
  const budget = new Map<string, number>();
  for (const m of a.markets) for (const s of m.surfaces) budget.set(`${m.market}/${s.surface}`, s.skip_baseline + s.skip_tolerance);
  return g.reps
    .map((rep, k) => ({ market: textAt(market, rep) ?? '', surface: textAt(surface, rep) ?? '', k }))
    .filter((x) => used[x.k] > 0 && budget.has(`${x.market}/${x.surface}`))
    .map((x) => ({ market: x.market, surface: x.surface, promotedSkip: skipped[x.k] / used[x.k], budget: budget.get(`${x.market}/${x.surface}`)! }))
    .sort((x, y) => (x.market < y.market ? -1 : x.market > y.market ? 1 : x.surface < y.surface ? -1 : x.surface > y.surface ? 1 : 0));
}

async function indexEntries(dir: string): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.json'))) {
    try {
      const j = JSON.parse(await readFile(join(dir, f), 'utf8'));
      out.push({ file: f.replace(/\.json$/, '.html'), status: j.status, exit_code: j.exit_code, dataset: j.dataset, as_of: j.as_of, version: j.version, rows: j.rows, written_at: j.written_at ?? '', error: j.error });
    } catch {
      // not a run result (or half a file from a crashed writer): left out of the index
    }
  }
  return out;
}
