import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { logEntries, runCli } from '../support/cli.ts';
import { SNAPSHOT_COLUMNS } from '../../src/snapshot/contract.ts';

/**
 * The spine, end to end through the real CLI: sample data -> DuckDB -> scoring -> snapshot -> LATEST
 * -> outbox, twice, and the contract of what lands in the store.
 */
let root: string;
let sample: string;
const AS_OF = '2026-11-20';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promoscore-e2e-'));
  sample = join(root, 'sample');
  const r = await runCli(['sample-data', '--out', sample, '--scale', '0.05', '--seed', '7', '--as-of', AS_OF]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function runArgs(store: string, outbox: string, extra: string[] = []) {
  return ['run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${outbox}`, '--as-of', AS_OF, '--no-report', ...extra];
}

describe('promoscore run on the embedded warehouse', () => {
  it('publishes a complete snapshot, then is a no-op on rerun; another store gets byte-identical shards', async () => {
    const storeA = join(root, 'storeA');
    const storeB = join(root, 'storeB');
    const outbox = join(root, 'outbox.ndjson');
    const first = await runCli(runArgs(storeA, outbox));
    expect(first.code, first.stderr).toBe(0);
    const summary = logEntries(first.stderr).find((e) => e.message === 'run summary')!;
    expect(summary.status).toBe('published');
    const version = summary.version as string;
    // JSON logs on stderr, and still the command's output on stdout
    expect(first.stdout).toContain(`published: promo_scores ${version} (as of ${AS_OF})`);

    const latest = JSON.parse(await readFile(join(storeA, 'promo_scores', 'LATEST'), 'utf8'));
    const manifestBytes = await readFile(join(storeA, 'promo_scores', `versions/${version}/manifest.json`));
    expect(latest).toEqual({ version, manifest: `versions/${version}/manifest.json`, manifest_sha256: createHash('sha256').update(manifestBytes).digest('hex') });
    const manifest = JSON.parse(manifestBytes.toString('utf8'));
    expect(manifest.version).toBe(version);
    expect(manifest.as_of).toBe(AS_OF);
    expect(manifest.stats.rows).toBeGreaterThan(100);
    expect(manifest.stats.promoted_rows).toBeGreaterThan(0);
    expect(manifest.stats.promoted_rows).toBeLessThan(manifest.stats.rows);
    expect(manifest.allocation.certificate.gap).toBeLessThanOrEqual(manifest.allocation.tolerance);

    // every contract column, in order, with its type, in every shard; rows add up
    let rows = 0;
    for (const shard of manifest.shards) {
      const bytes = await readFile(join(storeA, 'promo_scores', 'versions', version, shard.path));
      const t = tableFromIPC(bytes);
      rows += t.numRows;
      expect(t.numRows).toBe(shard.rows);
      const names = t.schema.fields.map((f) => f.name);
      expect(names.slice(0, SNAPSHOT_COLUMNS.length)).toEqual(SNAPSHOT_COLUMNS.map((c) => c[0]));
    }
    expect(rows).toBe(manifest.stats.rows);

    const outboxLines = (await readFile(outbox, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(outboxLines).toHaveLength(1);
    expect(outboxLines[0].attributes ?? outboxLines[0]).toMatchObject({ dataset: 'promo_scores', version, event: 'published', as_of: AS_OF, rows: String(manifest.stats.rows) });

    const again = await runCli(runArgs(storeA, outbox));
    expect(again.code, again.stderr).toBe(0);
    expect(logEntries(again.stderr).find((e) => e.message === 'run summary')!.status).toBe('already-published');
    expect((await readFile(outbox, 'utf8')).trim().split('\n')).toHaveLength(1);

    const other = await runCli(runArgs(storeB, join(root, 'outboxB.ndjson')));
    expect(other.code, other.stderr).toBe(0);
    expect(logEntries(other.stderr).find((e) => e.message === 'run summary')!.version).toBe(version);
    const files = (await readdir(join(storeA, 'promo_scores', 'versions', version))).filter((f) => f.endsWith('.arrow')).sort();
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const a = await readFile(join(storeA, 'promo_scores', 'versions', version, f));
      const b = await readFile(join(storeB, 'promo_scores', 'versions', version, f));
      expect(a.equals(b), f).toBe(true);
    }
  });

  it('plan names the version a run publishes, and says when it is already published; it writes nothing', async () => {
    const store = join(root, 'storeP');
    const flags = ['--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${join(root, 'p.ndjson')}`, '--as-of', AS_OF];
    const before = await runCli(['plan', ...flags, '--json']);
    expect(before.code, before.stderr).toBe(0);
    const p1 = JSON.parse(before.stdout);
    expect(p1.already_published).toBe(false);
    expect(p1.queries.map((q: { query: string }) => q.query)).toEqual(['candidates', 'surfaces']);
    for (const q of p1.queries) expect(q.bytesProcessed).toBeGreaterThan(0);
    expect(existsSync(join(store, 'promo_scores'))).toBe(false);
    const run = await runCli(['run', ...flags, '--no-report']);
    expect(run.code, run.stderr).toBe(0);
    expect(logEntries(run.stderr).find((e) => e.message === 'run summary')!.version).toBe(p1.version);
    const after = JSON.parse((await runCli(['plan', ...flags, '--json'])).stdout);
    expect(after).toMatchObject({ version: p1.version, already_published: true });
  });

  it('explain prints the breakdown of a published row, as words and as JSON; a missing row is exit 2', async () => {
    const store = join(root, 'storeA');
    const latest = JSON.parse(await readFile(join(store, 'promo_scores', 'LATEST'), 'utf8'));
    const manifest = JSON.parse(await readFile(join(store, 'promo_scores', latest.manifest), 'utf8'));
    // a promoted row: take the first shard row with share > 0
    let key: { track: string; market: string; surface: string; campaign: string; boost: number } | null = null;
    for (const s of manifest.shards) {
      const t = tableFromIPC(await readFile(join(store, 'promo_scores', 'versions', latest.version, s.path)));
      const share = t.getChild('share')!;
      for (let i = 0; i < t.numRows && !key; i++) {
        if ((share.get(i) as number) > 0) {
          key = { track: t.getChild('track_id')!.get(i), market: t.getChild('market')!.get(i), surface: t.getChild('surface')!.get(i), campaign: t.getChild('campaign_id')!.get(i), boost: t.getChild('boost')!.get(i) };
        }
      }
      if (key) break;
    }
    expect(key).not.toBeNull();
    const base = ['explain', '--store', `file://${store}`, '--track', key!.track, '--market', key!.market, '--surface', key!.surface, '--campaign', key!.campaign];
    const [text, json, pinned] = await Promise.all([runCli(base), runCli([...base, '--json']), runCli([...base, '--json', '--version', latest.version])]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(key!.track);
    expect(text.stdout.toLowerCase()).toContain('boost');
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.version).toBe(latest.version);
    expect(parsed.rows).toHaveLength(1);
    expect(JSON.stringify(parsed.rows[0])).toContain(key!.campaign);
    expect(JSON.parse(pinned.stdout)).toEqual(parsed);
    const missing = await runCli(['explain', '--store', `file://${store}`, '--track', 'AAAAAAAAAAAAAAAAAAAAAA', '--market', key!.market, '--surface', key!.surface]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/AAAAAAAAAAAAAAAAAAAAAA is not in promo_scores/);
  });

  it('run --dry-run plans and writes nothing', async () => {
    const store = join(root, 'storeDry');
    const r = await runCli(['run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${join(root, 'dry.ndjson')}`, '--as-of', AS_OF, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const s = logEntries(r.stderr).find((e) => e.message === 'run summary')!;
    expect(s.status).toBe('planned');
    expect((s.dry_run as unknown[]).length).toBe(2);
    expect(existsSync(store)).toBe(false);
    expect(existsSync(join(root, 'dry.ndjson'))).toBe(false);
  });

  it('writes an HTML report with plots and prints a readable summary in text mode', async () => {
    const store = join(root, 'storeR');
    const reports = join(root, 'reports');
    const r = await runCli(
      ['run', '--warehouse', `parquet:${sample}`, '--store', `file://${store}`, '--notify', `file://${join(root, 'o.ndjson')}`, '--as-of', AS_OF, '--report', reports, '--log-format', 'text'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^published: promo_scores \S+ \(as of 2026-11-20\)/);
    expect(r.stdout).toMatch(/radio\s+[\d,]+ rows/);
    const files = await readdir(reports);
    const report = files.find((f) => f.endsWith('.html') && f !== 'index.html')!;
    expect(files).toContain(report.replace(/\.html$/, '.json'));
    expect(files).toContain('index.html');
    const html = await readFile(join(reports, report), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('promoted capacity used');
  });

  it('refuses bad flags with exit 2 naming the flag, and publishes nothing', async () => {
    const store = join(root, 'storeBad');
    const cases: [string[], RegExp][] = [
      [['--as-of', '2026-13-40'], /--as-of/],
      [['--warehouse', 'mysql://x'], /--warehouse/],
      [['--store', 'ftp://x'], /--store/],
      [['--dataset', '../escape'], /--dataset/],
      [['--scale', '-3'], /--scale/],
      [['--job', join(root, 'missing.yaml')], /missing\.yaml/],
    ];
    for (const [flags, named] of cases) {
      const args = ['run', '--store', `file://${store}`, '--notify', `file://${join(root, 'bad.ndjson')}`, '--warehouse', `parquet:${sample}`, '--as-of', AS_OF, '--no-report', ...flags];
      const r = await runCli(args);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(named);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    expect(existsSync(join(store, 'promo_scores', 'LATEST'))).toBe(false);
  });

  it('a missing table is an input error (exit 3) naming it, and nothing is published', async () => {
    const broken = join(root, 'broken');
    const r0 = await runCli(['sample-data', '--out', broken, '--scale', '0.02', '--seed', '3', '--as-of', AS_OF]);
    expect(r0.code, r0.stderr).toBe(0);
    await rm(join(broken, 'surface_capacity.parquet'));
    const store = join(root, 'storeBroken');
    const r = await runCli(['run', '--warehouse', `parquet:${broken}`, '--store', `file://${store}`, '--notify', `file://${join(root, 'b.ndjson')}`, '--as-of', AS_OF, '--no-report']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/surface_capacity/);
    expect(existsSync(join(store, 'promo_scores', 'LATEST'))).toBe(false);
  });
});

describe('promoscore --help', () => {
  it('every command has help with examples', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = ['run', 'plan', 'backfill', 'sample-data', 'snapshots', 'explain', 'serve'];
    for (const c of commands) expect(top.stdout, c).toContain(c);
    const all = [...commands, 'snapshots list', 'snapshots show', 'snapshots diff', 'snapshots verify', 'snapshots rollback', 'snapshots gc'];
    const results = await Promise.all(all.map((c) => runCli([...c.split(' '), '--help'])));
    results.forEach((r, i) => {
      expect(r.code, all[i]).toBe(0);
      expect(r.stdout, all[i]).toMatch(/Examples:/);
    });
  }, 240_000);
});
