/**
 * A replay history from the simulator's own world, serving and outcome modules, at a tiny scale and
 * without running the job: a logging policy (a per-day LP share of 0 or 1 per eligible key, more often
 * 1 where promotion truly gains saves, as an allocation's would be, plus the
 * randomized holdout of docs/snapshots.md with its propensities) serves each day; a replayed
 * allocation (a fixed 0/1 share per eligible key for each as-of) is what replay evaluates; the truth
 * of its incremental saves comes from the world's true rates.
 */
import { seedOf, uniform } from '../../src/simulate/draws.ts';
import { drawOutcomes } from '../../src/simulate/outcomes.ts';
import { expectedPromoted } from '../../src/simulate/policies.ts';
import { serveDay } from '../../src/simulate/serve.ts';
import { buildWorld, dayTruth, type DayTruth, type World } from '../../src/simulate/world.ts';
import { SAMPLE_SURFACES } from '../../src/sample/markets.ts';
import { joinHorizon, newIndex, type AllocationRow, type LoggedDay, type LoggedRow, type OutcomeRow } from '../../src/replay/join.ts';
import { summarize, type ReplaySummary } from '../../src/replay/summarize.ts';

export interface HistoryOptions {
  seed: string;
  scale: number;
  /** first day offsets of the horizons, and their length */
  asOfs: number[];
  horizon: number;
  /** holdout share ε of the logging design */
  epsilon: number;
}

export interface SimulatedHorizon {
  firstDay: number;
  allocation: AllocationRow[];
  logged: LoggedDay[];
  outcomes: OutcomeRow[];
  /** the replayed allocation's true expected incremental saves over the horizon */
  truth: number;
}

/** boost room: max_boost 2, so a full share is an intent of 1 */
const ROOM = 1;
const P_ELIGIBLE = 11;
const P_REPLAYED = 12;
const P_LOGGED = 13;
const P_MEMBER = 14;
const P_DRAW = 15;

export function simulatedHistory(opts: HistoryOptions): SimulatedHorizon[] {
  const days = Math.max(...opts.asOfs) + opts.horizon;
  const w: World = buildWorld({ seed: opts.seed, scale: opts.scale, days, start: '2026-01-15', promotedPenalty: 1, drift: 0.1 });
  // traffic far above the catalog's: no surface cap binds, displacement stays small
  for (let g = 0; g < w.nGroups; g++) w.dailyImpressions[g] = 1e7;
  const seed = seedOf(`${opts.seed}|world`);
  const truths: DayTruth[] = Array.from({ length: days }, (_, t) => dayTruth(w, t));
  const eligible: number[] = [];
  for (let i = 0; i < w.nKeys; i++) if (truths[0].organic[i] > 0 && uniform(seed, 0, i, P_ELIGIBLE) < 0.5) eligible.push(i);
  const names = (i: number) => ({
    track: w.model.trackIds[w.keys.track[i]],
    market: w.model.markets[w.keys.market[i]],
    surface: SAMPLE_SURFACES[w.keys.surface[i]],
  });

  // the logging policy, day by day: the LP's share, the holdout's draw, the propensity of what was published
  const logged: LoggedDay[] = [];
  const outcomes: OutcomeRow[][] = [];
  for (let t = 0; t < days; t++) {
    const truth = truths[t];
    const intent = new Float64Array(w.nKeys);
    const rows: LoggedRow[] = [];
    for (const i of eligible) {
      // confounded like a real allocation: keys that truly gain saves when promoted are boosted more often
      const gains = truth.pSave[i] > truth.meanSave[w.group[i]];
      const s = uniform(seed, truth.day, i, P_LOGGED) < (gains ? 0.8 : 0.15) ? 1 : 0;
      const member = uniform(seed, truth.day, i, P_MEMBER) < opts.epsilon;
      const d = uniform(seed, truth.day, i, P_DRAW) < 0.5 ? 0 : 1;
      const action = member ? d : s;
      const eps = opts.epsilon;
      const propensity = member ? eps / 2 + (s === d ? 1 - eps : 0) : 1 - eps + eps / 2;
      intent[i] = action * ROOM;
      rows.push({ ...names(i), campaign: 'c', share: s, action, propensity, eligible: true });
    }
    logged.push({ holdoutShare: opts.epsilon, rows });
    const served = serveDay(w, truth, intent, seed);
    const drawn = drawOutcomes(w, truth, served, seed);
    const out: OutcomeRow[] = [];
    for (let r = 0; r < drawn.n; r++) {
      out.push({
        day: t,
        track: w.model.trackIds[drawn.track[r]],
        market: w.model.markets[drawn.market[r]],
        surface: SAMPLE_SURFACES[drawn.surface[r]],
        promoted: drawn.promoted[r] === 1,
        impressions: drawn.impressions[r],
        saves: drawn.saves[r],
      });
    }
    outcomes.push(out);
  }

  return opts.asOfs.map((a) => {
    const allocation: AllocationRow[] = [];
    let truth = 0;
    for (const i of eligible) {
      const x = uniform(seed, truths[a].day, i, P_REPLAYED) < 0.5 ? 1 : 0;
      allocation.push({ ...names(i), campaign: 'c', share: x, headroom: truths[a].organic[i] * ROOM });
      if (!x) continue;
      for (let t = a; t < a + opts.horizon; t++) {
        const d = truths[t];
        truth += expectedPromoted(d.organic[i], x * ROOM) * (d.pSave[i] - d.meanSave[w.group[i]]);
      }
    }
    return {
      firstDay: truths[a].day,
      allocation,
      logged: logged.slice(a, a + opts.horizon),
      outcomes: outcomes.slice(a, a + opts.horizon).flat().map((o) => ({ ...o, day: o.day - a })),
      truth,
    };
  });
}

/** The coverage check's world: as-ofs at days 0 and 3, horizon 3, 200 replicates; the truth and the replay's summary. */
export function replayedWorld(seed: string, opts: { scale: number; epsilon: number }): { truth: number; summary: ReplaySummary } {
  const horizons = simulatedHistory({ seed, scale: opts.scale, asOfs: [0, 3], horizon: 3, epsilon: opts.epsilon });
  const index = newIndex();
  const joined = horizons.map((h) => joinHorizon({ firstDay: h.firstDay, days: 3, allocation: h.allocation, logged: h.logged, outcomes: h.outcomes }, index));
  const summary = summarize(joined, { groups: index.groups.size, blocks: index.blocks.size, replicates: 200, seed: 7 });
  return { truth: horizons.reduce((a, h) => a + h.truth, 0), summary };
}
