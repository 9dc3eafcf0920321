/**
 * BigQuery label rules: at most 64 labels; keys 1-63 chars starting with a lowercase letter; keys and
 * values only lowercase letters, digits, `_` and `-` (international letters allowed, kept out here
 * for predictability); values at most 63 chars, may be empty.
 */
const MAX_LABELS = 64;
const MAX_LEN = 63;

function clean(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .slice(0, MAX_LEN);
}

export function sanitizeLabelKey(key: string): string {
  let k = clean(key);
  if (!/^[a-z]/.test(k)) k = ('k_' + k).slice(0, MAX_LEN);
  return k;
}

export function sanitizeLabelValue(value: string): string {
  return clean(value);
}

/** Job labels in BigQuery's rules; later keys that collide after cleaning keep the first value. */
export function sanitizeLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (Object.keys(out).length >= MAX_LABELS) break;
    const k = sanitizeLabelKey(key);
    if (k in out) continue;
    out[k] = sanitizeLabelValue(String(value ?? ''));
  }
  return out;
}
