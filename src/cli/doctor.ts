/**
 * `promoscore doctor`: is the configuration this command line resolves to usable from here? It
 * resolves warehouse, store, notifier and dataset exactly as `run` does (config/resolve.ts), then
 * probes each (cli/doctor/probes.ts). Exit 0 when all pass, 2 when the configuration itself is
 * wrong (a bad URI, job file or variable), 5 when a part is unreachable, missing or not permitted.
 */
import type { Command } from 'commander';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.ts';
import { ExitCode, InfraError, UsageError } from '../core/errors.ts';
import { QualityConfigSchema } from '../quality/config.ts';
import { checkSegment } from '../snapshot/markers.ts';
import { probeNotifier, probeStore, probeWarehouse } from './doctor/probes.ts';
import { action } from './exit.ts';
import { addConfigOptions, addOutputOptions, type ConfigOptionFlags, type OutputFlags } from './options.ts';
import { formatTable } from './snapshots/format.ts';

export interface DoctorCheck {
  check: 'config' | 'warehouse' | 'store' | 'notifier';
  target: string;
  source: string;
  ok: boolean;
  detail: string;
  exit_code: number;
}

export interface DoctorReport {
  ok: boolean;
  exit_code: number;
  dataset: string | null;
  checks: DoctorCheck[];
}

async function probe(check: DoctorCheck['check'], target: string, source: string, fn: () => Promise<string>): Promise<DoctorCheck> {
  try {
    return { check, target, source, ok: true, detail: await fn(), exit_code: 0 };
  } catch (err) {
    const code = err instanceof UsageError ? ExitCode.usage : ExitCode.infra;
    return { check, target, source, ok: false, detail: (err as Error)?.message ?? String(err), exit_code: code };
  }
}

export async function doctor(flags: ConfigOptionFlags, env: NodeJS.ProcessEnv = process.env): Promise<DoctorReport> {
  let c: ResolvedConfig;
  try {
    c = resolveConfig(flags, env, { qualitySchema: QualityConfigSchema });
    checkSegment('--dataset', c.dataset);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const check: DoctorCheck = { check: 'config', target: flags.job ?? '(flags and environment)', source: '', ok: false, detail: err.message, exit_code: ExitCode.usage };
    return { ok: false, exit_code: ExitCode.usage, dataset: null, checks: [check] };
  }
  const checks = [
    { check: 'config', target: flags.job ?? '(embedded defaults)', source: flags.job ? 'flag' : 'default', ok: true, detail: `job ${c.job.name}, dataset ${c.dataset}`, exit_code: 0 } satisfies DoctorCheck,
    await probe('warehouse', c.warehouse ?? '(generated sample)', c.sources.warehouse, () => probeWarehouse(c.warehouse, c.job)),
    await probe('store', c.store, c.sources.store, () => probeStore(c.store, c.dataset)),
    await probe('notifier', c.notify, c.sources.notify, () => probeNotifier(c.notify)),
  ];
  const failed = checks.filter((x) => !x.ok);
  const exit = failed.some((x) => x.exit_code === ExitCode.usage) ? ExitCode.usage : failed.length ? ExitCode.infra : ExitCode.ok;
  return { ok: failed.length === 0, exit_code: exit, dataset: c.dataset, checks };
}

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('check that the configured warehouse, store and notifier are reachable and permitted (nothing is published)');
  addOutputOptions(addConfigOptions(cmd, { warehouse: true, notify: true }), { json: 'print the checks as JSON on stdout' })
    .addHelpText(
      'after',
      `
Resolves the configuration as run does (flag > PROMOSCORE_* > job file > default), then asks each part
what a run needs: the warehouse describes its input tables (no billed query), the store lists, creates
and deletes a probe object under _doctor/, the notifier's topic exists and may be published to (or the
outbox is writable); nothing is sent.

Exit codes: 0 every check passed, 2 the configuration is wrong (bad URI, job file or variable),
5 a part is unreachable, missing or not permitted.

Examples:
  $ promoscore doctor
  $ promoscore doctor --job jobs/nightly.yaml --json
  $ PROMOSCORE_STORE=gs://my-bucket/promoscore promoscore doctor`,
    )
    .action(
      action(async (f: ConfigOptionFlags & OutputFlags) => {
        const r = await doctor(f);
        if (f.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        else {
          const rows = r.checks.map((x) => [x.ok ? 'ok' : 'FAIL', x.check, x.target, x.source, x.detail]);
          process.stdout.write(formatTable(['', 'CHECK', 'TARGET', 'FROM', 'DETAIL'], rows) + '\n');
        }
        if (!r.ok) {
          const first = r.checks.find((x) => !x.ok)!;
          // one line for the log, naming the first failing part (the table above names all of them)
          throw first.exit_code === ExitCode.usage
            ? new UsageError(`doctor: ${first.check}: ${first.detail}`)
            : new InfraError(`doctor: ${first.check} ${first.target}: ${first.detail}`);
        }
        return 0;
      }),
    );
}
