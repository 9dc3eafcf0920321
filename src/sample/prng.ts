/**
 * A seeded 32-bit PRNG (sfc32) and the few distributions the sample generator needs. Everything the
 * generator draws comes from one of these, so the same seed gives the same dataset.
 */
import { createHash } from 'node:crypto';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: string) {
    const h = createHash('sha256').update(`promoscore-sample:${seed}`).digest();
    this.a = h.readUInt32LE(0);
    this.b = h.readUInt32LE(4);
    this.c = h.readUInt32LE(8);
    this.d = h.readUInt32LE(12) | 1;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** an independent stream for one part of the dataset, so parts do not shift each other */
  fork(label: string): Rng {
    return new Rng(`${this.u32()}:${this.u32()}:${label}`);
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** uniform in [0, 1) */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  range(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Poisson draw; expNeg = exp(-lambda). Inversion (one uniform) for small means, normal above. */
  poisson(lambda: number, expNeg = Math.exp(-lambda)): number {
    if (lambda <= 0) return 0;
    if (lambda < 12) {
      // Inversion inline, kept apart from simulate/draws.ts's poissonInv on purpose: this is the sample's
      // per-row hot loop, and its cutoffs (normal from 12, at most 100 steps) are part of the sample's
      // bytes; the simulator's coupled draws need their own (40 and 200).
      const u = this.float();
      let k = 0;
      let p = expNeg;
      let f = p;
      while (u > f && k < 100) {
        k++;
        p *= lambda / k;
        f += p;
      }
      return k;
    }
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()));
  }

  /** Fisher–Yates shuffle in place */
  shuffle<T extends { length: number; [i: number]: number }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 string, like a catalog id (tracks and artists use 22 characters). */
export function base62(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += BASE62[rng.u32() % 62];
  return s;
}

/** Samples indices in proportion to weights (cumulative table + binary search). */
export class WeightedPicker {
  private readonly cum: Float64Array;
  constructor(weights: ArrayLike<number>) {
    this.cum = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) {
      s += weights[i];
      this.cum[i] = s;
    }
  }
  pick(rng: Rng): number {
    const x = rng.float() * this.cum[this.cum.length - 1];
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
