/**
 * Stage timings and peak memory of one run: what the summary, the report and the benchmarks print.
 */
export interface StageTiming {
  stage: string;
  seconds: number;
  rows?: number;
  /** the stage threw */
  failed?: true;
}

export class StageClock {
  readonly stages: StageTiming[] = [];
  private peakRss = process.memoryUsage.rss();
  private readonly sampler: NodeJS.Timeout;

  constructor() {
    // RSS is sampled because the peak happens inside native code (DuckDB), between our own calls.
    this.sampler = setInterval(() => this.sample(), 50);
    this.sampler.unref();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
  }

  async time<T>(stage: string, fn: () => Promise<T> | T, rowsOf?: (r: T) => number): Promise<T> {
    const t0 = performance.now();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      // a stage that fails is still timed: the failed run's report shows how far it got
      this.sample();
      this.stages.push({ stage, seconds: (performance.now() - t0) / 1000, failed: true });
      throw err;
    }
    this.sample();
    this.stages.push({ stage, seconds: (performance.now() - t0) / 1000, rows: rowsOf?.(result) });
    return result;
  }

  get peakRssBytes(): number {
    this.sample();
    return this.peakRss;
  }

  get totalSeconds(): number {
    return this.stages.reduce((s, x) => s + x.seconds, 0);
  }

  stop(): void {
    clearInterval(this.sampler);
  }
}
