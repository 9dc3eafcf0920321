/**
 * What the input gates know about the contract tables beyond their columns (those are described
 * once, in warehouse/tables.ts).
 */

/** Tables that may legitimately be empty (no track is restricted anywhere). */
export const MAY_BE_EMPTY = new Set(['track_restrictions']);
