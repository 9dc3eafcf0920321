/**
 * Random draws of the simulated world, counter-based: a draw is a hash of (world seed, day, key,
 * purpose), so every policy sees the same noise for the same key and day (common random numbers:
 * policies differ only by what they decided, and `none` is the exact counterfactual), and a run
 * never depends on the order in which keys are visited.
 */
import { fmix32 } from '../core/hash.ts';

export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix32(h >>> 0);
}

export function hash4(seed: number, day: number, key: number, purpose: number): number {
  let h = fmix32((seed ^ Math.imul(day + 1, 0x9e3779b1)) >>> 0);
  h = fmix32((h ^ Math.imul(key + 1, 0x85ebca77)) >>> 0);
  return fmix32((h ^ Math.imul(purpose + 1, 0xc2b2ae3d)) >>> 0);
}

/** uniform in (0, 1) */
export function uniform(seed: number, day: number, key: number, purpose: number): number {
  return (hash4(seed, day, key, purpose) + 0.5) / 4294967296;
}

/** Φ⁻¹(u), Acklam's rational approximation (relative error < 1.2e-9). */
export function normalQuantile(u: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (u < lo) {
    const q = Math.sqrt(-2 * Math.log(u));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (u > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - u));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = u - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Poisson(mean) by inversion of one uniform: monotone in the mean for a fixed u (coupled draws). */
export function poissonInv(mean: number, u: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normalQuantile(u)));
  let k = 0;
  let p = Math.exp(-mean);
  let f = p;
  while (u > f && k < 200) {
    k++;
    p *= mean / k;
    f += p;
  }
  return k;
}

/** A small sequential generator (mulberry32 steps) for the several uniforms one key's outcomes need. */
export class KeyStream {
  private s = 0;
  reset(seed: number): void {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  }
  /** Binomial(n, p): exact for small n, Poisson or normal approximations where they are accurate */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n <= 40) {
      let k = 0;
      for (let i = 0; i < n; i++) if (this.next() < p) k++;
      return k;
    }
    const v = n * p * (1 - p);
    if (v >= 9) return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(v) * normalQuantile(this.next()))));
    if (p < 0.5) return Math.min(n, poissonInv(n * p, this.next()));
    return n - Math.min(n, poissonInv(n * (1 - p), this.next()));
  }
}
