/**
 * On-demand query pricing estimate (US multi-region list price per TiB scanned). An estimate for
 * people reading `plan`, not a bill: flat-rate reservations and regional prices differ.
 */
export const ON_DEMAND_USD_PER_TIB = 6.25;
/** BigQuery bills at least 10 MiB per table referenced; we apply it per query as a floor. */
const MIN_BILLED_BYTES = 10 * 2 ** 20;

export function estimateQueryCostUsd(bytesProcessed: number): number {
  if (bytesProcessed <= 0) return 0;
  return (Math.max(bytesProcessed, MIN_BILLED_BYTES) / 2 ** 40) * ON_DEMAND_USD_PER_TIB;
}
