/**
 * The fused scoring pass on WebAssembly SIMD (fused.wat): the same per-row formulas as
 * scoreKernel in ../fused.ts, bit for bit, two rows per instruction and without the bounds checks
 * of typed-array code. Rows go through a small staging area of the module's memory, one block of
 * up to BLOCK rows of one (market, surface) group at a time: the group's baselines become constants
 * of the block, each column is copied in and out as one contiguous run, and the staging columns are
 * staggered so that equal row indices never share a cache set.
 * Short runs of one group (rows not sorted by group) go to the JavaScript kernel instead.
 */
import { readFileSync } from 'node:fs';
import type { KernelConstants, KernelInput, KernelOutput } from '../fused.ts';
import { scoreKernel } from '../fused.ts';
import { Reason } from '../../reasons.ts';

/** Staging layout: must match fused.wat. */
const BLOCK = 8192;
const COLUMN_STRIDE = 65600;
const FIRST_COLUMN = 256;
/** Runs of one group shorter than this go to the JavaScript kernel: a call per run would cost more than it saves. */
const MIN_RUN = 64;

const INPUTS = [
  'campaign_active',
  'licensor_active',
  'restricted',
  'track_age_days',
  'market_streams_28d',
  'commission_rate',
  'campaign_expected',
  'impressions',
  'skips',
  'saves',
  'promoted_impressions',
  'recent_impressions',
  'campaign_delivered',
] as const;
const DRAWS_COLUMN = 13;
const OUTPUTS = ['skipRate', 'saveRate', 'skipUpper', 'bonus', 'pacing', 'value', 'forecast', 'headroom', 'upper', 'skipExcess'] as const;
const REASON_COLUMN = 14;
/** the rows' priors, staged after the outputs */
const PRIORS = ['skipAlpha', 'skipBeta', 'saveAlpha', 'saveBeta'] as const;
const PRIOR_COLUMN = 25;
const NO_CAPACITY = BigInt(Reason.NO_CAPACITY);

interface SimdKernel {
  score: (len: number, reason0: bigint, baseline: number, saveBaseline: number) => void;
  f64: Float64Array;
  u32: Uint32Array;
}

let shared: SimdKernel | undefined;

/** One instance per thread, made on first use (Node 20 and later always have WebAssembly SIMD). */
function kernel(): SimdKernel {
  if (!shared) {
    const mod = new WebAssembly.Module(readFileSync(new URL('./fused.wasm', import.meta.url)));
    const instance = new WebAssembly.Instance(mod, {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    shared = { score: instance.exports.score as SimdKernel['score'], f64: new Float64Array(memory.buffer), u32: new Uint32Array(memory.buffer) };
  }
  return shared;
}

/**
 * Scores rows [from, to) of input into out, exactly as scoreKernel does. Returns how many of them
 * went through the SIMD kernel (the others were in short group runs).
 */
export function scoreKernelSimd(k: KernelConstants, input: KernelInput, out: KernelOutput, from = 0, to = input.group.length): number {
  const { f64, u32, score } = kernel();
  const explore = k.explore === 2 && !input.draws ? 0 : k.explore;
  const constants = [
    k.minAge,
    k.minStreams,
    k.z,
    k.z * k.z,
    k.hardLimit,
    k.exploreZ,
    k.bonusCap,
    k.budget,
    k.wSave,
    k.wSkip,
    k.wComm,
    k.gain,
    k.minPace,
    k.maxPace,
    1 / k.forecastDays,
    k.boostRoom,
    k.tau,
    k.wilson ? 1 : 0,
    explore,
  ];
  f64.set(constants, 0);
  const column = (c: number) => (FIRST_COLUMN + c * COLUMN_STRIDE) / 8;
  const inputs = INPUTS.map((name) => input[name]);
  const outputs = OUTPUTS.map((name) => out[name]);
  const { group, groupCapacity, groupBaseline, groupSaveBaseline, draws } = input;
  const priors = PRIORS.map((name) => input[name]);
  let simdRows = 0;
  let r = from;
  while (r < to) {
    const g = group[r];
    let end = r + 1;
    const limit = Math.min(to, r + BLOCK);
    while (end < limit && group[end] === g) end++;
    const len = end - r;
    if (len < MIN_RUN && end < limit) {
      scoreKernel(k, input, out, r, end);
      r = end;
      continue;
    }
    for (let c = 0; c < inputs.length; c++) f64.set(inputs[c].subarray(r, end), column(c));
    for (let c = 0; c < priors.length; c++) f64.set(priors[c].subarray(r, end), column(PRIOR_COLUMN + c));
    if (explore === 2 && draws) f64.set(draws.subarray(r, end), column(DRAWS_COLUMN));
    score(len, groupCapacity[g] > 0 ? 0n : NO_CAPACITY, groupBaseline[g], groupSaveBaseline[g]);
    out.reason.set(u32.subarray(column(REASON_COLUMN) * 2, column(REASON_COLUMN) * 2 + len), r);
    for (let c = 0; c < outputs.length; c++) {
      const at = column(REASON_COLUMN + 1 + c);
      outputs[c].set(f64.subarray(at, at + len), r);
    }
    simdRows += len;
    r = end;
  }
  return simdRows;
}
