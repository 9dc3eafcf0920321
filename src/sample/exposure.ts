/**
 * Expected organic exposure of a (track, market, surface) key before its per-key noise: one source
 * for the engagement draw (engagement.ts) and for campaign targets sized to what a track can get
 * (model.ts).
 */
import { SURFACE_TRAFFIC } from './markets.ts';

/** mean daily impressions of the most popular track in a market of weight 100 on a surface of traffic 1 */
export const BASE_IMPRESSIONS = 12000;

/** Mean daily organic impressions of a track of popularity `pop` in a market of weight `marketWeight`. */
export function meanDailyImpressions(pop: number, marketWeight: number, surface: number, home: boolean): number {
  return BASE_IMPRESSIONS * pop * (marketWeight / 100) * SURFACE_TRAFFIC[surface] * (home ? 3 : 1);
}
