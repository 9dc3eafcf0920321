/** Reusable scratch arrays (grow-only; the solver is synchronous, so one set serves every call). */
const poolF64 = new Map<string, Float64Array>();
const poolI32 = new Map<string, Int32Array>();
export function scratchF64(key: string, n: number): Float64Array {
  let a = poolF64.get(key);
  if (!a || a.length < n) {
    a = new Float64Array(Math.max(n, 2 * (a?.length ?? 0)));
    poolF64.set(key, a);
  }
  return a.subarray(0, n);
}
export function scratchI32(key: string, n: number): Int32Array {
  let a = poolI32.get(key);
  if (!a || a.length < n) {
    a = new Int32Array(Math.max(n, 2 * (a?.length ?? 0)));
    poolI32.set(key, a);
  }
  return a.subarray(0, n);
}

