/**
 * What a run uses when nothing is configured (docs/architecture.md): no cloud account needed. The
 * one place these values are written; help texts and the job schema read them from here.
 */
export const DEFAULT_STORE_URI = 'file://.promoscore/store';
export const DEFAULT_NOTIFY_URI = 'file://.promoscore/outbox.ndjson';
export const DEFAULT_DATASET = 'promo_scores';
