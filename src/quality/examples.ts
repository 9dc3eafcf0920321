/**
 * Offending keys as they appear in messages: quoted, control characters escaped, long values cut,
 * so a 1 MB id or a byte soup still yields a one-line, readable error.
 */
const MAX_CHARS = 48;

export function showKey(parts: readonly (string | null)[]): string {
  return parts.map(showValue).join('/');
}

export function showValue(v: string | null): string {
  if (v === null) return 'NULL';
  const cut = v.length > MAX_CHARS ? `${v.slice(0, MAX_CHARS)}…(${v.length} chars)` : v;
  return JSON.stringify(cut).replace(/[\u0080-\u009f\u2028\u2029\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
