import type { InputCheck } from './config.ts';
import type { RowMask } from './row-mask.ts';

/**
 * What one input check found, before its policy is applied: the offending row count in the checked
 * table, a few keys for the message, and which candidate/surface rows `drop` would remove.
 */
export interface Finding {
  check: InputCheck;
  table: string;
  column?: string;
  offending: number;
  examples: string[];
  /** candidate rows carrying the offending keys (absent: nothing to drop, e.g. keys that never join) */
  candidates?: RowMask;
  /** surfaces rows carrying the offending keys */
  surfaces?: RowMask;
  detail?: string;
}
