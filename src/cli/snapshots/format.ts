import type { VersionCheck, VersionSummary } from '../../snapshot/snapshot-reader.ts';

export const out = (s = '') => process.stdout.write(s + '\n');
export const json = (v: unknown) => out(JSON.stringify(v, null, 2));

/** Aligned columns for people; numeric-looking cells align right. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,]+( [kMG]?B)?$|^-$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export const int = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toLocaleString('en-US'));

export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export const num = (x: number | null | undefined) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toPrecision(6));

/** The STATUS column of `snapshots list`. */
export function status(v: VersionSummary): string {
  const s: string[] = [];
  if (v.latest) s.push('LATEST');
  if (v.rolled_back) s.push('rolled back');
  if (v.rolled_back && !v.latest) return s.join(', ');
  if (!v.complete) s.push('incomplete');
  else if (!v.latest && !v.notified) s.push('unpublished');
  else if (!v.latest) s.push('published');
  return s.join(', ');
}

export function printCheck(c: VersionCheck): void {
  if (c.manifestError) {
    out(`BAD  manifest  ${c.manifestError}`);
    return;
  }
  out(
    formatTable(
      ['', 'SHARD', 'BUCKET', 'PROBLEM'],
      c.shards.map((s) => [s.ok ? 'ok' : 'BAD', s.path, String(s.bucket), s.error ?? '']),
    ),
  );
  for (const e of c.errors) out(`BAD  ${e}`);
}

export function problems(c: VersionCheck): string[] {
  return [...(c.manifestError ? [c.manifestError] : []), ...c.errors, ...c.shards.filter((s) => !s.ok).map((s) => s.error!)];
}
