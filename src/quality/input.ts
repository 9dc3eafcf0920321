import type { Table } from 'apache-arrow';
import { InputDataError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import type { QualityCheckResult } from '../snapshot/contract.ts';
import type { Warehouse } from '../warehouse/port.ts';
import type { QualityConfig, QualityPolicy } from './config.ts';
import { checkFeatureRows, checkFeatureShape } from './feature-checks.ts';
import { filterTable } from './filter-table.ts';
import type { Finding } from './finding.ts';
import { RowMask } from './row-mask.ts';
import { checkEngagementDates, checkKeyLengths, checkKeyedTables, checkSchema, checkTableRows, type CheckContext } from './sql-checks.ts';

/**
 * Input gates (docs/architecture.md, "Stages": extract and input gates): every check runs, then each finding meets its policy from the job
 * config. `fail` stops the run with exit 3 naming table, column, check and a few keys; `drop` removes
 * the candidate rows carrying offending keys (bitset, columnar) and counts them by check; `warn` logs.
 */
export interface InputGateArgs {
  warehouse: Warehouse;
  /** YYYY-MM-DD (the date part of an hourly as-of) */
  asOf: string;
  candidates: Table;
  surfaces: Table;
  config: QualityConfig;
  log: Logger;
  /** the clock's date, YYYY-MM-DD; events after it are "in the future" (default: now, UTC) */
  today?: string;
  /** query labels (job, run id) */
  labels?: Record<string, string>;
  /** the schema gate's results when the caller ran it first (a run does, before describing its inputs): it is not run again */
  schema?: QualityCheckResult[];
}

export interface InputGateResult {
  candidates: Table;
  surfaces: Table;
  results: QualityCheckResult[];
}

/**
 * The gates that must run before the feature queries (call it right after opening the warehouse,
 * before describeInputs): schema (no rows read) and the ids (oversized or not UTF-8). A missing
 * column, a wrong type, a megabyte id or undecodable bytes are then reported as such (exit 3)
 * instead of as a failed query or a pathological extraction. Always policy fail.
 */
export async function runSchemaGate(args: { warehouse: Warehouse; log: Logger; labels?: Record<string, string>; config?: QualityConfig }): Promise<QualityCheckResult[]> {
  const ctx = { warehouse: args.warehouse, labels: args.labels ?? {} };
  const findings = await checkSchema(ctx);
  const maxKeyBytes = args.config?.max_key_bytes ?? 256;
  const keys = await checkKeyLengths(ctx, maxKeyBytes);
  const over = keys.filter((k) => k.offending > 0);
  if (over.length) {
    throw new InputDataError(
      `input data failed validation (nothing published): ${over.map((k) => `check "oversized_keys" on ${k.table}.${k.column}: ${k.detail}`).join('; ')}`,
    );
  }
  args.log.debug('schema gate passed', { tables: findings.length });
  return [
    { check: 'schema', policy: 'fail', status: 'pass', offending: 0, detail: `${findings.length} tables` },
    { check: 'oversized_keys', policy: 'fail', status: 'pass', offending: 0, detail: `source ids within ${maxKeyBytes} bytes` },
  ];
}

export async function runInputGates(args: InputGateArgs): Promise<InputGateResult> {
  const { config, log } = args;
  const asOf = args.asOf.slice(0, 10);
  checkFeatureShape(args);
  const ctx: CheckContext = {
    warehouse: args.warehouse,
    asOf,
    today: args.today ?? new Date().toISOString().slice(0, 10),
    lookbackDays: config.lookback_days,
    freshnessLagDays: config.freshness_max_lag_days,
    examples: config.examples,
    labels: { as_of: asOf, ...(args.labels ?? {}) },
    candidates: args.candidates,
    surfaces: args.surfaces,
  };
  const schema = args.schema ?? (await runSchemaGate({ warehouse: args.warehouse, log, labels: ctx.labels, config }));
  const findings: Finding[] = [
    ...(await checkTableRows(ctx)),
    ...(await checkEngagementDates(ctx)),
    ...(await checkKeyedTables(ctx)),
    ...checkFeatureRows(args, config.examples, config.max_key_bytes),
  ];
  const applied = applyPolicies(findings, config, args.candidates.numRows, args.surfaces.numRows, log);
  const candidates = filterTable(args.candidates, applied.dropCandidates);
  const surfaces = filterTable(args.surfaces, applied.dropSurfaces);
  log.info('input gates passed', {
    checks: applied.results.length + schema.length,
    dropped_candidates: args.candidates.numRows - candidates.numRows,
    dropped_surfaces: args.surfaces.numRows - surfaces.numRows,
    warned: applied.results.filter((r) => r.status === 'warned').length,
  });
  return { candidates, surfaces, results: [...schema, ...applied.results] };
}

export interface AppliedPolicies {
  results: QualityCheckResult[];
  dropCandidates: RowMask;
  dropSurfaces: RowMask;
}

/** Pure: findings + policies -> results and the rows to drop; throws InputDataError on `fail`. */
export function applyPolicies(findings: Finding[], config: QualityConfig, candidateRows: number, surfaceRows: number, log: Logger): AppliedPolicies {
  const dropCandidates = new RowMask(candidateRows);
  const dropSurfaces = new RowMask(surfaceRows);
  const results: QualityCheckResult[] = [];
  const failures: string[] = [];
  const passed = new Map<string, QualityCheckResult>();
  for (const f of findings) {
    const policy = config.input[f.check] as QualityPolicy;
    if (f.offending === 0) {
      // one "pass" line per check and table keeps the manifest readable
      const key = `${f.check}|${f.table}`;
      if (!passed.has(key)) passed.set(key, { check: f.check, table: f.table, policy, status: 'pass', offending: 0 });
      continue;
    }
    const where = f.column ? `${f.table}.${f.column}` : f.table;
    const base: QualityCheckResult = { check: f.check, table: f.table, column: f.column, policy, status: 'pass', offending: f.offending, examples: f.examples };
    if (policy === 'fail') {
      failures.push(`check "${f.check}" on ${where}: ${f.offending} offending row${f.offending === 1 ? '' : 's'}${f.examples.length ? `, e.g. ${f.examples.join(', ')}` : ''}${f.detail ? ` (${f.detail})` : ''}`);
      results.push({ ...base, status: 'fail', detail: f.detail });
    } else if (policy === 'warn') {
      log.warn(`input check "${f.check}" on ${where}: ${f.offending} offending rows (policy warn)`, { check: f.check, table: f.table, column: f.column, examples: f.examples, detail: f.detail });
      results.push({ ...base, status: 'warned', detail: f.detail });
    } else {
      const newC = f.candidates ? f.candidates.minus(dropCandidates) : null;
      const newS = f.surfaces ? f.surfaces.minus(dropSurfaces) : null;
      const nC = newC ? newC.count() : 0;
      const nS = newS ? newS.count() : 0;
      if (newC) dropCandidates.or(newC);
      if (newS) dropSurfaces.or(newS);
      const what = [`${nC} candidate rows dropped`];
      if (f.surfaces) what.push(`${nS} surface rows dropped`);
      if (!f.candidates && !f.surfaces) what[0] = 'offending rows never reach scoring';
      const detail = [what.join(', '), f.detail].filter(Boolean).join('; ');
      log.warn(`input check "${f.check}" on ${where}: ${f.offending} offending rows, ${nC} candidate rows dropped`, { check: f.check, table: f.table, column: f.column, examples: f.examples });
      results.push({ ...base, status: 'dropped', detail });
    }
  }
  if (failures.length) {
    throw new InputDataError(`input data failed validation (nothing published): ${failures.join('; ')}`);
  }
  const dropped = dropCandidates.count();
  if (candidateRows > 0 && dropped / candidateRows > config.max_drop_ratio) {
    const byCheck = results.filter((r) => r.status === 'dropped').map((r) => `${r.check} on ${r.table}${r.column ? '.' + r.column : ''}: ${r.detail}`);
    throw new InputDataError(
      `input data failed validation (nothing published): checks with policy drop would remove ${dropped} of ${candidateRows} candidate rows (${((100 * dropped) / candidateRows).toFixed(1)}%), more than max_drop_ratio ${config.max_drop_ratio}: ${byCheck.join('; ')}`,
    );
  }
  return { results: [...passed.values(), ...results], dropCandidates, dropSurfaces };
}
