/** Pessimistic skip bounds and the normal quantile they need. */

/** Standard normal CDF by Simpson's rule on [0, |x|] (used once per spec, accuracy ~1e-13). */
export function normalCdf(x: number): number {
  const a = Math.abs(x);
  const steps = 2000;
  const h = a / steps;
  let s = 1 + Math.exp((-a * a) / 2);
  for (let i = 1; i < steps; i++) {
    const t = i * h;
    s += (i % 2 ? 4 : 2) * Math.exp((-t * t) / 2);
  }
  const half = ((h / 3) * s) / Math.sqrt(2 * Math.PI);
  return x >= 0 ? 0.5 + half : 0.5 - half;
}

/** z such that P(Z <= z) = p, by bisection. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile: probability ${p} is outside (0, 1)`);
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Wilson score upper bound for a rate p observed over n trials, at z. */
export function wilsonUpper(p: number, n: number, z: number): number {
  if (!(n > 0)) return 1;
  const z2n = (z * z) / n;
  return (p + z2n / 2 + z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
}

/** Posterior Beta(a, b) mean plus z posterior standard deviations, capped at 1. */
export function posteriorNormalUpper(a: number, b: number, z: number): number {
  const s = a + b;
  const mean = a / s;
  const sd = Math.sqrt((a * b) / (s * s * (s + 1)));
  return Math.min(1, mean + z * sd);
}
