/**
 * An ESTIMATE of on-demand query cost from dry-run bytes. BigQuery bills on-demand queries by bytes
 * processed, rounded up to the next MiB, with a 10 MiB minimum per table referenced; the list price
 * varies by region and contract (flat-rate/editions reservations are not billed per byte at all), so
 * the price is a parameter and the result is a planning figure, never an invoice.
 */
export const ON_DEMAND_USD_PER_TIB = 6.25;

const MIB = 2 ** 20;
const TIB = 2 ** 40;

export interface CostEstimate {
  bytesProcessed: number;
  /** bytes after BigQuery's rounding and per-table minimum */
  bytesBilled: number;
  usd: number;
  usdPerTiB: number;
}

export function estimateCost(
  bytesProcessed: number,
  opts: { usdPerTiB?: number; tablesReferenced?: number } = {},
): CostEstimate {
  if (!Number.isFinite(bytesProcessed) || bytesProcessed < 0) throw new RangeError(`bytesProcessed must be >= 0, got ${bytesProcessed}`);
  const usdPerTiB = opts.usdPerTiB ?? ON_DEMAND_USD_PER_TIB;
  const tables = Math.max(1, opts.tablesReferenced ?? 1);
  // A dry run of 0 bytes (cached or metadata-only) is not billed at all.
  const bytesBilled = bytesProcessed === 0 ? 0 : Math.max(Math.ceil(bytesProcessed / MIB) * MIB, 10 * MIB * tables);
  return { bytesProcessed, bytesBilled, usd: (bytesBilled / TIB) * usdPerTiB, usdPerTiB };
}

/** Human-readable bytes for plan output ("1.50 GiB"). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(2)} ${units[i]}`;
}
