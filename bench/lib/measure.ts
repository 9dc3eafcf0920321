/** Shared measuring helpers of bench/: CPU clock, peak RSS, number formats. */

/**
 * Process CPU time in ms (user + system, every thread). The benchmark machine is shared: CPU time
 * is what each side actually spent, where wall time would include waiting for other processes.
 * DuckDB runs with threads=1 and HiGHS in this thread, so both sides are measured alike.
 */
export function clock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
export function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : `${(r / 1e3).toFixed(1)}k`;
}

