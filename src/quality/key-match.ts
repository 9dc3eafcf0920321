import { fnv1a32 } from '../core/hash.ts';
import { RowMask } from './row-mask.ts';
import { equalsBytes, equalsRows, hashAt, isValidAt, type Utf8Column } from './utf8-column.ts';

/**
 * Row sets by key, computed over raw UTF-8 bytes: which rows carry one of a set of key tuples, and
 * which rows repeat a key. Hashes only narrow the search; equality is always checked byte for byte.
 */
const encoder = new TextEncoder();

function mix(h: number, part: number): number {
  return (Math.imul(h ^ part, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
}

function rowHash(cols: Utf8Column[], i: number): number {
  let h = 0x243f6a88;
  for (const c of cols) h = mix(h, hashAt(c, i));
  return h;
}

function rowValid(cols: Utf8Column[], i: number): boolean {
  for (const c of cols) if (!isValidAt(c, i)) return false;
  return true;
}

/** Rows whose (cols[0], cols[1], ...) equals one of `tuples`. Rows with a NULL key never match. */
export function matchTuples(cols: Utf8Column[], tuples: readonly (readonly string[])[]): RowMask {
  const length = cols[0].length;
  const mask = new RowMask(length);
  if (tuples.length === 0) return mask;
  const encoded = tuples.map((t) => {
    if (t.length !== cols.length) throw new TypeError(`key tuple of ${t.length} parts for ${cols.length} columns`);
    return t.map((s) => encoder.encode(s));
  });
  const index = new Map<number, number[]>();
  encoded.forEach((parts, k) => {
    let h = 0x243f6a88;
    for (const p of parts) h = mix(h, fnv1a32(p));
    const list = index.get(h);
    if (list) list.push(k);
    else index.set(h, [k]);
  });
  let prevHit = false;
  for (let i = 0; i < length; i++) {
    if (!rowValid(cols, i)) {
      prevHit = false;
      continue;
    }
    // feature tables are sorted by market, surface: runs of one key are common, decide each run once
    if (i > 0 && rowValid(cols, i - 1) && sameKey(cols, i, i - 1)) {
      if (prevHit) mask.set(i);
      continue;
    }
    prevHit = false;
    const list = index.get(rowHash(cols, i));
    if (!list) continue;
    for (const k of list) {
      const parts = encoded[k];
      let eq = true;
      for (let c = 0; c < cols.length && eq; c++) eq = equalsBytes(cols[c], i, parts[c]);
      if (eq) {
        mask.set(i);
        prevHit = true;
        break;
      }
    }
  }
  return mask;
}

/** Rows with a NULL in any of `cols`. */
export function nullRows(cols: Utf8Column[]): RowMask {
  const length = cols[0].length;
  const mask = new RowMask(length);
  for (const c of cols) {
    if (!c.valid) continue;
    for (let i = 0; i < length; i++) if (!c.valid[i]) mask.set(i);
  }
  return mask;
}

/**
 * Every row whose key occurs more than once (all copies, not just the later ones: which copy is right
 * is unknowable). Rows with a NULL key are ignored. When the rows are sorted by `cols` (the feature
 * tables are), copies are neighbours and one pass of byte comparisons decides; otherwise open
 * addressing on the key hash.
 */
export function duplicateRows(cols: Utf8Column[]): RowMask {
  return duplicateNeighbours(cols) ?? duplicateByHash(cols);
}

/** Duplicates among sorted rows, or null as soon as a row is out of order. */
function duplicateNeighbours(cols: Utf8Column[]): RowMask | null {
  const length = cols[0].length;
  const mask = new RowMask(length);
  for (let i = 1; i < length; i++) {
    if (!rowValid(cols, i) || !rowValid(cols, i - 1)) return null;
    let cmp = 0;
    for (let c = 0; c < cols.length && cmp === 0; c++) cmp = compareRows(cols[c], i - 1, i);
    if (cmp > 0) return null;
    if (cmp === 0) {
      mask.set(i - 1);
      mask.set(i);
    }
  }
  return mask;
}

function compareRows(col: Utf8Column, i: number, j: number): number {
  const v = col.values;
  let a = col.starts[i];
  const ae = col.ends[i];
  let b = col.starts[j];
  const be = col.ends[j];
  while (a < ae && b < be) {
    const d = v[a++] - v[b++];
    if (d !== 0) return d;
  }
  return ae - a - (be - b);
}

function duplicateByHash(cols: Utf8Column[]): RowMask {
  // every row of a key that occurs more than once: the groups of groupIds, counted
  const { ids, reps } = groupIds(cols);
  const counts = new Int32Array(reps.length);
  for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) counts[ids[i]]++;
  const mask = new RowMask(ids.length);
  for (let i = 0; i < ids.length; i++) if (ids[i] >= 0 && counts[ids[i]] > 1) mask.set(i);
  return mask;
}

function sameKey(cols: Utf8Column[], i: number, j: number): boolean {
  for (const c of cols) if (!equalsRows(c, i, c, j)) return false;
  return true;
}

/**
 * Dense group ids for the distinct keys of `cols` (first-seen order) and one representative row per
 * group, so sums by (market, surface) or (market, licensor) need no string per row. NULL keys get -1.
 */
export function groupIds(cols: Utf8Column[]): { ids: Int32Array; reps: number[] } {
  const length = cols[0].length;
  const ids = new Int32Array(length).fill(-1);
  const reps: number[] = [];
  let cap = 16;
  while (cap < length * 2) cap <<= 1;
  const slots = new Int32Array(cap).fill(-1);
  const hashes = new Uint32Array(cap);
  for (let i = 0; i < length; i++) {
    if (!rowValid(cols, i)) continue;
    const h = rowHash(cols, i);
    let s = h & (cap - 1);
    for (;;) {
      const g = slots[s];
      if (g === -1) {
        slots[s] = reps.length;
        hashes[s] = h;
        ids[i] = reps.length;
        reps.push(i);
        break;
      }
      if (hashes[s] === h && sameKey(cols, i, reps[g])) {
        ids[i] = g;
        break;
      }
      s = (s + 1) & (cap - 1);
    }
  }
  return { ids, reps };
}
