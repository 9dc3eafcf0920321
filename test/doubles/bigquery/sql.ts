/**
 * The double's GoogleSQL → DuckDB step. Tables live in DuckDB under one identifier per full path
 * (`"project.dataset.table"`), which is exactly what the project's rewrite (src/warehouse/emulate)
 * makes of a backquoted `` `project.dataset.table` ``; so the double only has to find which tables
 * a query reads (for notFound and bytes) and complete `dataset.table` paths with the default project.
 */
import { rewriteForDuckDB } from '../../../src/warehouse/emulate/index.ts';

export interface TableRefName {
  projectId: string;
  datasetId: string;
  tableId: string;
}

export function duckTableName(ref: TableRefName): string {
  return `"${`${ref.projectId}.${ref.datasetId}.${ref.tableId}`.replace(/"/g, '""')}"`;
}

/** Calls `visit` on each stretch of SQL outside string literals and comments. */
function mapCode(sql: string, visit: (code: string) => string): string {
  let out = '';
  let i = 0;
  let start = 0;
  const flush = (end: number) => {
    out += visit(sql.slice(start, end));
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      flush(i);
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = start = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      flush(i);
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? sql.length : j;
      out += sql.slice(i, end);
      i = start = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      flush(i);
      const j = sql.indexOf('*/', i + 2);
      const end = j < 0 ? sql.length : j + 2;
      out += sql.slice(i, end);
      i = start = end;
    } else {
      i++;
    }
  }
  flush(sql.length);
  return out;
}

export interface PreparedQuery {
  /** DuckDB SQL with `$name` parameters */
  sql: string;
  tables: TableRefName[];
  params: string[];
}

export function prepareQuery(sql: string, defaultProject: string): PreparedQuery {
  const tables: TableRefName[] = [];
  const params = new Set<string>();
  const completed = mapCode(sql, (code) => {
    for (const m of code.matchAll(/@([A-Za-z_][A-Za-z0-9_]*)/g)) params.add(m[1]);
    return code.replace(/`([^`]+)`/g, (whole, path: string) => {
      const parts = path.split('.');
      if (parts.length === 3) tables.push({ projectId: parts[0], datasetId: parts[1], tableId: parts[2] });
      if (parts.length === 2) {
        const ref = { projectId: defaultProject, datasetId: parts[0], tableId: parts[1] };
        tables.push(ref);
        return `\`${ref.projectId}.${ref.datasetId}.${ref.tableId}\``;
      }
      return whole;
    });
  });
  return { sql: rewriteForDuckDB(completed), tables, params: [...params] };
}
