/**
 * A set of row indices as a bitset (one bit per row): the gates mark offending rows here and the
 * filter takes the complement, so dropping never builds a JS object per row.
 */
export class RowMask {
  readonly words: Uint32Array;
  readonly length: number;

  constructor(length: number) {
    this.length = length;
    this.words = new Uint32Array((length + 31) >>> 5);
  }
  set(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  count(): number {
    let n = 0;
    for (let w = 0; w < this.words.length; w++) {
      let v = this.words[w];
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return n;
  }
  /** Adds every row of `other`. */
  or(other: RowMask): void {
    for (let w = 0; w < this.words.length; w++) this.words[w] |= other.words[w];
  }
  /** Rows of this mask that `other` does not hold yet (attribution: a row counts for the first check that drops it). */
  minus(other: RowMask): RowMask {
    const out = new RowMask(this.length);
    for (let w = 0; w < this.words.length; w++) out.words[w] = this.words[w] & ~other.words[w];
    return out;
  }
  /** The first `limit` row indices, ascending (for examples in messages). */
  first(limit: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.words.length && out.length < limit; w++) {
      let v = this.words[w];
      while (v !== 0 && out.length < limit) {
        const bit = 31 - Math.clz32(v & -v);
        out.push((w << 5) + bit);
        v &= v - 1;
      }
    }
    return out;
  }
}
