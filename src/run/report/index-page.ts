/**
 * `index.html` of a reports directory: every run's result, newest first, each linking to its report.
 * Built from the result files (`*.json`) beside the reports, so it is rewritten whole after each run.
 */
export interface IndexEntry {
  file: string;
  status: string;
  exit_code: number;
  dataset: string | null;
  as_of: string | null;
  version: string | null;
  rows: number;
  written_at: string;
  error?: string;
}

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderIndex(entries: IndexEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.written_at < b.written_at ? 1 : a.written_at > b.written_at ? -1 : 0));
  const rows = sorted
    .map(
      (e) =>
        `<tr class="${e.status === 'failed' ? 'bad' : ''}"><td>${esc(e.written_at)}</td><td>${esc(e.dataset)}</td><td>${esc(e.as_of)}</td><td><a href="${esc(encodeURIComponent(e.file))}">${esc(e.status)}</a></td><td>${esc(e.exit_code)}</td><td>${esc(e.version)}</td><td>${esc(e.rows)}</td><td>${esc(e.error ?? '')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>promoscore run reports</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}tr.bad td{background:#fde8e6}td{white-space:nowrap}td:last-child{white-space:normal}</style>
</head><body><h1>promoscore run reports</h1>
<table><thead><tr><th>written at</th><th>dataset</th><th>as of</th><th>status</th><th>exit</th><th>version</th><th>rows</th><th>error</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
