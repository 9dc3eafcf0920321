import { OutputGateError } from '../core/errors.ts';
import type { Manifest, QualityCheckResult } from '../snapshot/contract.ts';
import type { ScoreOutput } from '../scoring/stage.ts';
import type { QualityConfig } from '../quality/config.ts';
import { checkDrift, checkInvariants } from '../quality/output.ts';

/**
 * Stage 4, output gates (docs/architecture.md, "Stages"), the last word before anything is written.
 * Invariants are checked where the rows are scored; drift against the previous snapshot needs every
 * market, so it is checked where the whole output is known: unsharded, right after the invariants;
 * sharded, at the commit over every task's rows. Both go through `gateOutput`, which throws a
 * GateFailure (exit 4) naming every failed check and the `--set` that would let it through.
 */
export class GateFailure extends OutputGateError {
  readonly results: QualityCheckResult[];
  readonly hint: string | undefined;

  constructor(message: string, results: QualityCheckResult[], hint: string | undefined) {
    super(message);
    this.results = results;
    this.hint = hint;
  }
}

export interface GateArgs {
  output: Pick<ScoreOutput, 'table' | 'allocation'>;
  config: QualityConfig;
  tolerance: number;
  /** which checks: the invariants, the drift against `previous`, or both */
  checks: { invariants: boolean; drift: Manifest | null | false };
  /** prefix for failure details (a sharded task names itself) */
  label?: string;
}

export function gateOutput(a: GateArgs): QualityCheckResult[] {
  const args = { output: a.output as ScoreOutput, previous: a.checks.drift || null, config: a.config, tolerance: a.tolerance };
  const results = [...(a.checks.invariants ? checkInvariants(args) : []), ...(a.checks.drift !== false ? checkDrift(args) : [])];
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length) {
    const hint = settingHint(failed);
    throw new GateFailure(
      `output failed a gate (nothing published): ${failed.map((r) => `${r.check}${r.column ? ` on ${r.column}` : ''}: ${r.detail}`).join('; ')}` +
        (hint ? `; ${hint}` : ''),
      results,
      hint,
    );
  }
  return results;
}

/** `rerun with --set k=v` for every failed check whose threshold is a job setting; undefined when none is. */
export function settingHint(failed: QualityCheckResult[]): string | undefined {
  const sets = failed.filter((r) => r.setting && r.measured !== undefined).map((r) => `--set ${r.setting}=${justAbove(r.measured!)}`);
  if (!sets.length) return undefined;
  return `if the change is understood, rerun with ${[...new Set(sets)].join(' ')} (--force does not bypass the gates)`;
}

/** The smallest two-significant-digit number above x: a threshold that lets exactly this measurement through. */
export function justAbove(x: number): number {
  if (!(x > 0)) return 0.01;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1);
  let v = Math.ceil(x / step) * step;
  if (!(v > x)) v += step;
  const out = Number(v.toPrecision(2));
  return out > x ? out : Number((v + step).toPrecision(2));
}
