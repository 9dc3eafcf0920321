import type { Command } from 'commander';
import { action } from './exit.ts';
import { addRunOptions, loggerFor, toRunOptions, type CommonRunFlags } from './run.ts';
import { estimateCost, formatBytes } from '../warehouse/bigquery/cost.ts';

export function registerPlan(program: Command): void {
  const cmd = program
    .command('plan')
    .description('resolve config and the version identity, say whether it is already published, and what the queries would scan');
  addRunOptions(cmd)
    .option('--as-of <date|hour>', 'logical time: YYYY-MM-DD or YYYY-MM-DDTHH; default: now (UTC)')
    .option('--json', 'print the plan as JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ promoscore plan
  $ promoscore plan --job jobs/nightly.yaml --as-of 2026-11-25 --json
  $ promoscore plan --warehouse bigquery://my-proj/promo_features --store gs://my-bucket/snapshots

Nothing is written. On BigQuery the byte counts come from dry-run jobs and the cost is an estimate at
on-demand prices; on the embedded warehouse they are the bytes of the input files.`,
    )
    .action(
      action(async (flags: CommonRunFlags & { json?: boolean }) => {
        const log = loggerFor(flags);
        const { runJob } = await import('../run/run-job.ts');
        const r = await runJob({ ...toRunOptions(flags), dryRun: true, reportDir: null }, log);
        const onBigQuery = r.warehouseUri?.startsWith('bigquery://') ?? false;
        // a cost only means something where bytes are billed
        const queries = (r.dryRun ?? []).map((q) => ({ ...q, ...(onBigQuery ? { estimated_cost_usd: estimateCost(q.bytesProcessed).usd } : {}) }));
        const plan = {
          dataset: r.dataset,
          as_of: r.asOf,
          version: r.version,
          already_published: r.alreadyPublished === true,
          warehouse: r.warehouseUri,
          store: r.storeUri,
          manifest_uri: r.manifestUri,
          previous_version: r.previousVersion,
          queries,
          // the output gates a plan can already evaluate (row-count drift from the count query)
          gates: r.predictedGates ?? [],
        };
        if (flags.json) {
          process.stdout.write(JSON.stringify(plan, null, 2) + '\n');
          return;
        }
        const lines = [
          `dataset    ${plan.dataset}`,
          `as of      ${plan.as_of}`,
          `version    ${plan.version}${plan.already_published ? '  (already published: a run would be a no-op)' : ''}`,
          `warehouse  ${plan.warehouse}`,
          `store      ${plan.store}`,
          ...queries.map(
            (q) =>
              `query      ${q.query.padEnd(12)} ${formatBytes(q.bytesProcessed).padStart(10)}` +
              (q.estimated_cost_usd !== undefined ? `  ~$${q.estimated_cost_usd.toFixed(4)} (on-demand estimate)` : '  (local files, not billed)'),
          ),
          ...plan.gates.map((g) => `gate       ${g.check} ${g.status === 'fail' ? 'WOULD FAIL' : 'would pass'}: ${g.detail ?? ''}${g.status === 'fail' && g.setting ? ` (threshold ${g.setting}=${g.threshold})` : ''}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
