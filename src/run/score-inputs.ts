import { score } from '../scoring/score.ts';
import type { ScoreOutput } from '../scoring/stage.ts';
import type { GatedInputs } from './extract.ts';
import type { RunJournal } from './journal.ts';
import type { RunPlan } from './plan.ts';
import type { AllocationSection } from '../snapshot/contract.ts';

/**
 * Stage 3, score (docs/architecture.md, "Stages"): the pure scoring and allocation, seeded by the
 * identity (dataset, as-of, spec) and warm-started from the plan's source, so a rerun gives the same bytes.
 */
/** What the stage needs of the plan: the identity that seeds it and the warm-start source's allocation. */
export type ScorePlan = Pick<RunPlan, 'spec' | 'asOf' | 'dataset' | 'specHash'> & { warm: { allocation: AllocationSection } | null };

export async function scoreInputs(plan: ScorePlan, inputs: GatedInputs, journal: RunJournal): Promise<ScoreOutput> {
  const { clock, progress } = journal;
  progress.start('score', inputs.candidates.numRows);
  const out = await clock.time(
    'score',
    () =>
      score({ candidates: inputs.candidates, surfaces: inputs.surfaces }, plan.spec, {
        asOf: plan.asOf.date,
        seed: `${plan.dataset}|${plan.asOf.text}|${plan.specHash}`,
        warmStart: plan.warm?.allocation,
      }),
    (r) => r.table.numRows,
  );
  progress.finish(`gap ${out.allocation.certificate.gap.toExponential(2)}`);
  journal.table = out.table;
  journal.allocation = out.allocation;
  return out;
}
