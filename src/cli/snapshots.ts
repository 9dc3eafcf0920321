import type { Command } from 'commander';
import { CorruptSnapshotError, InfraError, UsageError } from '../core/errors.ts';
import { openNotifier } from '../notify/open.ts';
import { createLogger } from '../observability/log.ts';
import { paths, type Manifest } from '../snapshot/contract.ts';
import { diffManifests, diffRows } from '../snapshot/diff.ts';
import { DEFAULT_GRACE_MS, gc, parseDuration } from '../snapshot/gc.ts';
import { checkSegment } from '../snapshot/markers.ts';
import { readLatest, readManifest } from '../snapshot/read.ts';
import { rollback } from '../snapshot/rollback.ts';
import { listVersions, readLatestVerified, readVersionTable, verifyVersion, type VersionCheck, type VersionSummary } from '../snapshot/snapshot-reader.ts';
import { openStore } from '../store/open.ts';
import type { ObjectStore } from '../store/port.ts';
import { action } from './exit.ts';

const DEFAULT_STORE = 'file://./.promoscore/store';
const DEFAULT_NOTIFY = 'file://./.promoscore/outbox.ndjson';
const DEFAULT_DATASET = 'promo_scores';

interface Common {
  store: string;
  dataset: string;
  json?: boolean;
}

function common(cmd: Command, json = true): Command {
  cmd
    .option('--store <uri>', 'gs://BUCKET/PREFIX | file://DIR', DEFAULT_STORE)
    .option('--dataset <name>', 'snapshot dataset', DEFAULT_DATASET);
  if (json) cmd.option('--json', 'machine-readable output on stdout');
  return cmd;
}

async function open(f: Common): Promise<ObjectStore> {
  checkSegment('--dataset', f.dataset);
  return openStore(f.store, { flag: '--store' });
}

const out = (s = '') => process.stdout.write(s + '\n');
const json = (v: unknown) => out(JSON.stringify(v, null, 2));

/** Aligned columns for people; numeric-looking cells align right. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+( [kMG]?B)?$|^-$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const int = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US'));
function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
const num = (x: number | null | undefined) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toPrecision(6));

function status(v: VersionSummary): string {
  const s: string[] = [];
  if (v.latest) s.push('LATEST');
  if (v.rolled_back) s.push('rolled back');
  if (v.rolled_back && !v.latest) return s.join(', ');
  if (!v.complete) s.push('incomplete');
  else if (!v.latest && !v.notified) s.push('unpublished');
  else if (!v.latest) s.push('published');
  return s.join(', ');
}

async function resolveVersion(store: ObjectStore, dataset: string, version: string | undefined): Promise<string> {
  if (version) {
    checkSegment('VERSION', version);
    return version;
  }
  const latest = await readLatest(store, dataset);
  if (!latest) throw new UsageError(`${dataset} has no LATEST in ${store.uri}: nothing published yet (see \`snapshots list\`)`);
  return latest.pointer.version;
}

async function manifestOf(store: ObjectStore, dataset: string, version: string): Promise<Manifest> {
  try {
    return await readManifest(store, dataset, version);
  } catch (err) {
    if (err instanceof CorruptSnapshotError) throw new UsageError(`${dataset}/${version}: ${err.message}`);
    throw err;
  }
}

function printCheck(c: VersionCheck): void {
  if (c.manifestError) {
    out(`BAD  manifest  ${c.manifestError}`);
    return;
  }
  out(
    formatTable(
      ['', 'SHARD', 'BUCKET', 'PROBLEM'],
      c.shards.map((s) => [s.ok ? 'ok' : 'BAD', s.path, String(s.bucket), s.error ?? '']),
    ),
  );
  for (const e of c.errors) out(`BAD  ${e}`);
}

function problems(c: VersionCheck): string[] {
  return [...(c.manifestError ? [c.manifestError] : []), ...c.errors, ...c.shards.filter((s) => !s.ok).map((s) => s.error!)];
}

export function register(program: Command): void {
  const snapshots = program
    .command('snapshots')
    .description('inspect, verify, roll back and collect published snapshots')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots list
  $ promoscore snapshots show                      # the version LATEST names
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93
  $ promoscore snapshots verify --all
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7
  $ promoscore snapshots gc --keep 7 --store gs://my-bucket/promoscore`,
    );

  common(snapshots.command('list').description('every version in the store, oldest first, with its status'))
    .addHelpText(
      'after',
      `
Status: LATEST (what readers load), published (announced before), unpublished (complete but never
current: a lost race or a crash before the swap; gc collects it), incomplete (no manifest), rolled back.

Examples:
  $ promoscore snapshots list
  $ promoscore snapshots list --store file:///data/promoscore --json`,
    )
    .action(
      action(async (f: Common) => {
        const store = await open(f);
        const versions = await listVersions(store, f.dataset);
        if (f.json) {
          json(versions.map(({ manifest: _m, ...v }) => v));
          return 0;
        }
        if (!versions.length) {
          out(`no versions of ${f.dataset} in ${store.uri}`);
          return 0;
        }
        out(
          formatTable(
            ['VERSION', 'AS-OF', 'CREATED', 'ROWS', 'SHARDS', 'SIZE', 'STATUS'],
            versions.map((v) => [
              v.version, v.as_of ?? '-', v.created_at?.slice(0, 19).replace('T', ' ') ?? '-', int(v.rows), String(v.shards), size(v.bytes), status(v),
            ]),
          ),
        );
        return 0;
      }),
    );

  common(snapshots.command('show').argument('[version]', 'version id (default: the one LATEST names)').description("a version's manifest, summarized"))
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots show
  $ promoscore snapshots show 20261125-8b1e55aa0c93 --json     # the manifest itself`,
    )
    .action(
      action(async (version: string | undefined, f: Common) => {
        const store = await open(f);
        const v = await resolveVersion(store, f.dataset, version);
        const m = await manifestOf(store, f.dataset, v);
        if (f.json) {
          json(m);
          return 0;
        }
        const latest = (await readLatest(store, f.dataset).catch(() => null))?.pointer.version;
        const bytes = m.shards.reduce((s, x) => s + x.bytes, 0);
        out(
          formatTable(
            ['FIELD', 'VALUE'],
            [
              ['version', `${m.version}${latest === m.version ? '  (LATEST)' : ''}`],
              ['as of', m.as_of],
              ['created', m.created_at],
              ['previous', m.previous_version ?? '-'],
              ['manifest', store.uriOf(paths.manifest(f.dataset, m.version))],
              ['producer', `${m.producer.job_name} run ${m.producer.run_id} (package ${m.producer.package_version}, git ${m.producer.git_sha})`],
              ['spec hash', m.producer.spec_hash],
              ['inputs', `${m.inputs.warehouse}, fingerprint ${m.inputs.fingerprint}`],
              ['rows', `${int(m.stats.rows)} (${int(m.stats.promoted_rows)} promoted)`],
              ['shards', `${m.shards.length} files in ${m.buckets} buckets, ${size(bytes)}`],
              ['certificate', `gap ${num(m.allocation?.certificate?.gap)}, max violation ${num(m.allocation?.certificate?.max_violation)}`],
              ['score', Object.entries(m.stats.score_quantiles).sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))).map(([q, x]) => `${q}=${num(x)}`).join(' ')],
            ],
          ),
        );
        out();
        out(
          formatTable(
            ['MARKET', 'SURFACE', 'ROWS', 'PROMOTED'],
            m.stats.by_market_surface.map((g) => [g.market, g.surface, int(g.rows), int(g.promoted)]),
          ),
        );
        return 0;
      }),
    );

  common(
    snapshots
      .command('diff')
      .argument('<a>', 'older version')
      .argument('<b>', 'newer version')
      .option('--rows', 'also compare row by row (reads and verifies both versions)')
      .description('what changed between two versions'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93
  $ promoscore snapshots diff 20261124-3f2a9c01d4e7 20261125-8b1e55aa0c93 --rows --json`,
    )
    .action(
      action(async (a: string, b: string, f: Common & { rows?: boolean }) => {
        const store = await open(f);
        checkSegment('A', a);
        checkSegment('B', b);
        const [ma, mb] = [await manifestOf(store, f.dataset, a), await manifestOf(store, f.dataset, b)];
        const d = diffManifests(ma, mb);
        let rows;
        if (f.rows) {
          const [ta, tb] = [await readVersionTable(store, f.dataset, a), await readVersionTable(store, f.dataset, b)];
          rows = diffRows(ta.table, tb.table);
        }
        if (f.json) {
          json(rows ? { ...d, rows } : d);
          return 0;
        }
        const delta = (x: number, y: number) => `${int(x)} -> ${int(y)} (${y - x >= 0 ? '+' : ''}${int(y - x)})`;
        out(
          formatTable(
            ['', 'A', 'B'],
            [
              ['version', a, b],
              ['as of', ...d.as_of],
              ['spec hash', ...d.spec_hash.map((s) => s.slice(0, 16))],
              ['input fingerprint', ...d.input_fingerprint.map((s) => s.slice(0, 16))],
              ['certificate gap', num(d.certificate_gap[0]), num(d.certificate_gap[1])],
            ],
          ),
        );
        out();
        out(`rows:           ${delta(...d.rows)}`);
        out(`promoted rows:  ${delta(...d.promoted_rows)}`);
        if (d.columns_added.length) out(`columns added:   ${d.columns_added.join(', ')}`);
        if (d.columns_removed.length) out(`columns removed: ${d.columns_removed.join(', ')}`);
        for (const c of d.columns_retyped) out(`column ${c.name}: ${c.a} -> ${c.b}`);
        out();
        out(formatTable(['QUANTILE', 'A', 'B'], d.score_quantiles.map((q) => [q.q, num(q.a), num(q.b)])));
        if (d.groups.length) {
          out();
          out(
            formatTable(
              ['MARKET', 'SURFACE', 'ROWS A', 'ROWS B', 'PROMOTED A', 'PROMOTED B'],
              d.groups.map((g) => [g.market, g.surface, int(g.rows[0]), int(g.rows[1]), int(g.promoted[0]), int(g.promoted[1])]),
            ),
          );
        } else out('\nper market and surface: no change in counts');
        if (rows) {
          out();
          out(
            formatTable(
              ['ROWS', 'COUNT'],
              [
                ['only in A', int(rows.only_a)], ['only in B', int(rows.only_b)], ['in both', int(rows.common)],
                ['share changed', int(rows.share_changed)], ['boost changed', int(rows.boost_changed)], ['score changed', int(rows.score_changed)],
                ['newly promoted', int(rows.promoted_gained)], ['no longer promoted', int(rows.promoted_lost)],
              ],
            ),
          );
        }
        return 0;
      }),
    );

  common(
    snapshots
      .command('verify')
      .argument('[version]', 'version id (default: the one LATEST names)')
      .option('--all', 'verify every complete version in the store')
      .description('re-check every checksum, size, row count and the schema of a version'),
  )
    .addHelpText(
      'after',
      `
Exit codes: 0 when every checked version is sound; 5 when any object is missing, truncated, altered,
or a manifest or LATEST lies (the store is damaged: an infrastructure failure, the same code a
scheduler already retries or alerts on; republish or roll back to repair), 2 for a bad flag.

Examples:
  $ promoscore snapshots verify
  $ promoscore snapshots verify 20261125-8b1e55aa0c93
  $ promoscore snapshots verify --all --json`,
    )
    .action(
      action(async (version: string | undefined, f: Common & { all?: boolean }) => {
        const store = await open(f);
        const checks: VersionCheck[] = [];
        if (f.all) {
          for (const v of await listVersions(store, f.dataset)) if (v.complete) checks.push(await verifyVersion(store, f.dataset, v.version));
        } else if (version) {
          checkSegment('VERSION', version);
          checks.push(await verifyVersion(store, f.dataset, version));
        } else {
          let c: VersionCheck | null;
          try {
            c = await readLatestVerified(store, f.dataset);
          } catch (err) {
            if (err instanceof CorruptSnapshotError) throw new InfraError(`verify failed: ${err.message}`);
            throw err;
          }
          if (!c) throw new UsageError(`${f.dataset} has no LATEST in ${store.uri}: nothing to verify`);
          checks.push(c);
        }
        if (f.json) json(checks.map(({ manifest: _m, ...c }) => c));
        else {
          for (const c of checks) {
            out(`${c.ok ? 'ok ' : 'BAD'} ${c.dataset}/${c.version}: ${c.shards.length} shards, ${int(c.manifest?.stats?.rows)} rows`);
            if (!c.ok || !f.all) printCheck(c);
          }
        }
        const bad = checks.filter((c) => !c.ok);
        if (bad.length) {
          const first = problems(bad[0]);
          throw new InfraError(
            `verify failed: ${bad.length} of ${checks.length} versions damaged; ${bad[0].version}: ${first.slice(0, 3).join('; ')}` +
              (first.length > 3 ? ` (and ${first.length - 3} more)` : ''),
          );
        }
        return 0;
      }),
    );

  common(
    snapshots
      .command('rollback')
      .argument('<version>', 'the earlier version LATEST should name again')
      .option('--notify <uri>', 'pubsub://projects/P/topics/T | file://PATH.ndjson', DEFAULT_NOTIFY)
      .option('--force', 'allow a target that was itself rolled back before')
      .description('move LATEST back to a verified version, announce it, and mark the replaced version'),
  )
    .addHelpText(
      'after',
      `
The replaced version is marked rolled back: a rerun of the same run identity will not publish it
again unless run with --force. Exit 0 on success (also when VERSION is already current), 2 when
VERSION does not exist or does not verify, 5 when the store or notifier fails (rerun: it resumes),
6 when LATEST moved during the rollback.

Examples:
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7
  $ promoscore snapshots rollback 20261124-3f2a9c01d4e7 --store gs://my-bucket/promoscore \\
      --notify pubsub://projects/my-project/topics/promo-scores`,
    )
    .action(
      action(async (version: string, f: Common & { notify: string; force?: boolean }) => {
        const store = await open(f);
        const notifier = await openNotifier(f.notify, { flag: '--notify' });
        try {
          const r = await rollback({ store, notifier, dataset: f.dataset, to: version, force: f.force, log: createLogger() });
          if (f.json) json(r);
          else if (r.status === 'already-current') out(`LATEST of ${f.dataset} already names ${version}${r.notified ? ' (sent the pending rolled_back notification)' : ''}`);
          else out(`LATEST of ${f.dataset}: ${r.from ?? '(unreadable)'} -> ${r.to}; ${r.from ?? 'it'} is marked rolled back; rolled_back sent to ${notifier.uri}`);
          return 0;
        } finally {
          await notifier.close();
        }
      }),
    );

  common(
    snapshots
      .command('gc')
      .requiredOption('--keep <n>', 'published versions to keep before the one LATEST names')
      .option('--grace <duration>', 'spare versions with objects younger than this (a run may be writing them): 30m, 2h, 1d', '1h')
      .option('--dry-run', 'list what would be deleted, delete nothing')
      .description('delete orphans and old versions; never LATEST, the N before it, or anything recent'),
  )
    .addHelpText(
      'after',
      `
Never deletes the version LATEST names, the N published versions before it, nor any version with an
object younger than --grace (default ${DEFAULT_GRACE_MS / 3600_000}h), so it is safe while runs are writing. Refuses to run
(exit 5) when LATEST is unreadable, or missing although versions were published (restore it with
rollback first). Rollback markers are kept.

Examples:
  $ promoscore snapshots gc --keep 7 --dry-run
  $ promoscore snapshots gc --keep 3 --grace 6h --store gs://my-bucket/promoscore`,
    )
    .action(
      action(async (f: Common & { keep: string; grace: string; dryRun?: boolean }) => {
        if (!/^\d+$/.test(f.keep)) throw new UsageError(`--keep: "${f.keep}" must be a non-negative integer`);
        const graceMs = parseDuration(f.grace, '--grace');
        const store = await open(f);
        const r = await gc(store, f.dataset, { keep: Number(f.keep), graceMs, dryRun: f.dryRun, log: createLogger() });
        if (f.json) {
          json(r);
          return 0;
        }
        const rows = [
          ...r.deleted.map((d) => [d.version, f.dryRun ? 'would delete' : 'deleted', `${d.objects} objects, ${size(d.bytes)}${d.complete ? '' : ', incomplete'}`]),
          ...r.kept.map((k) => [k.version, 'kept', k.reasons.join(', ')]),
        ];
        out(rows.length ? formatTable(['VERSION', 'ACTION', 'DETAIL'], rows) : `no versions of ${f.dataset} in ${store.uri}`);
        if (r.tempFiles) out(`removed ${r.tempFiles} temp files left by crashed writers`);
        return 0;
      }),
    );
}

export { register as registerSnapshots };
