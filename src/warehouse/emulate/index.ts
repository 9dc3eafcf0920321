/**
 * The one place where the GoogleSQL of sql/ becomes DuckDB SQL: table placeholders are expanded,
 * `@param` becomes `$param` (still bound by the engine, never spliced), BigQuery type names and
 * functions become their DuckDB spelling or a compat macro defined once per connection
 * (installCompatMacros). Everything outside the documented subset (sql/README.md) is an error
 * rather than a silent difference between the engines.
 */
import { matchParen, nextSignificant, splitArgs, tokenize, trimTokens, type Token } from './tokens.ts';

const PLACEHOLDER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/** Replaces every `{{table}}` placeholder with resolve(table); the BigQuery adapter passes a backquoted full name. */
export function expandTables(sql: string, resolve: (table: string) => string): string {
  return tokenize(sql)
    .map((t) => (t.kind === 'placeholder' ? resolve(placeholderName(t)) : t.text))
    .join('');
}

/** The tables a query reads, in order of first mention. */
export function referencedTables(sql: string): string[] {
  const seen: string[] = [];
  for (const t of tokenize(sql)) {
    if (t.kind !== 'placeholder') continue;
    const name = placeholderName(t);
    if (!seen.includes(name)) seen.push(name);
  }
  return seen;
}

/** The named parameters a query uses (without the @), in order of first mention. */
export function referencedParams(sql: string): string[] {
  const seen: string[] = [];
  for (const t of tokenize(sql)) {
    if (t.kind !== 'param') continue;
    const name = t.text.slice(1);
    if (!seen.includes(name)) seen.push(name);
  }
  return seen;
}

function placeholderName(t: Token): string {
  const m = PLACEHOLDER.exec(t.text);
  if (!m) throw new Error(`bad table placeholder ${t.text} at offset ${t.at}`);
  return m[1];
}

export function duckdbIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Compat macros, created once per DuckDB connection before any rewritten query runs. */
export const COMPAT_MACROS: readonly string[] = [
  // DATE - INTEGER is a DATE in DuckDB, like BigQuery's DATE_SUB(d, INTERVAL n DAY)
  'CREATE OR REPLACE TEMP MACRO bq_date_sub(d, n) AS CAST(d AS DATE) - CAST(n AS INTEGER)',
  'CREATE OR REPLACE TEMP MACRO bq_date_add(d, n) AS CAST(d AS DATE) + CAST(n AS INTEGER)',
  // BigQuery's DATE_DIFF(a, b, DAY) is a - b in days
  'CREATE OR REPLACE TEMP MACRO bq_date_diff(a, b) AS CAST(a AS DATE) - CAST(b AS DATE)',
  'CREATE OR REPLACE TEMP MACRO bq_safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE a / b END',
];

/** BigQuery type names DuckDB spells differently (STRING, BOOL, DATE are shared). */
const TYPE_NAMES: Record<string, string> = { FLOAT64: 'DOUBLE', INT64: 'BIGINT', NUMERIC: 'DECIMAL(38, 9)' };

function intervalDays(arg: Token[], fn: string, at: number): string {
  const t = trimTokens(arg);
  const first = t[0];
  const last = t[t.length - 1];
  if (t.length < 3 || first.kind !== 'ident' || first.text.toUpperCase() !== 'INTERVAL' || last.kind !== 'ident' || last.text.toUpperCase() !== 'DAY') {
    throw new Error(`${fn} at offset ${at}: the sql/ subset supports only INTERVAL n DAY`);
  }
  return rewriteTokens(trimTokens(t.slice(1, -1)));
}

const CALLS: Record<string, (args: Token[][], at: number) => string> = {
  DATE_SUB: (a, at) => {
    if (a.length !== 2) throw new Error(`DATE_SUB at offset ${at} takes 2 arguments`);
    return `bq_date_sub(${rewriteTokens(a[0])}, ${intervalDays(a[1], 'DATE_SUB', at)})`;
  },
  DATE_ADD: (a, at) => {
    if (a.length !== 2) throw new Error(`DATE_ADD at offset ${at} takes 2 arguments`);
    return `bq_date_add(${rewriteTokens(a[0])}, ${intervalDays(a[1], 'DATE_ADD', at)})`;
  },
  DATE_DIFF: (a, at) => {
    const part = a.length === 3 ? trimTokens(a[2]) : [];
    if (a.length !== 3 || part.length !== 1 || part[0].text.toUpperCase() !== 'DAY') {
      throw new Error(`DATE_DIFF at offset ${at}: the sql/ subset supports only DATE_DIFF(a, b, DAY)`);
    }
    return `bq_date_diff(${rewriteTokens(a[0])}, ${rewriteTokens(a[1])})`;
  },
  SAFE_DIVIDE: (a, at) => {
    if (a.length !== 2) throw new Error(`SAFE_DIVIDE at offset ${at} takes 2 arguments`);
    return `bq_safe_divide(${rewriteTokens(a[0])}, ${rewriteTokens(a[1])})`;
  },
  COUNTIF: (a) => `count_if(${a.map(rewriteTokens).join(',')})`,
};

/** GoogleSQL of sql/ → DuckDB SQL with `$name` parameters and table names as DuckDB identifiers. */
export function rewriteForDuckDB(sql: string): string {
  return rewriteTokens(tokenize(sql));
}

function rewriteTokens(toks: Token[]): string {
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind === 'placeholder') {
      out += duckdbIdent(placeholderName(t));
    } else if (t.kind === 'param') {
      out += '$' + t.text.slice(1);
    } else if (t.kind === 'quoted') {
      // `name` → "name": identifiers only; table references use {{placeholders}}
      out += duckdbIdent(t.text.slice(1, -1));
    } else if (t.kind === 'ident') {
      const upper = t.text.toUpperCase();
      const open = nextSignificant(toks, i + 1);
      const isCall = open >= 0 && toks[open].kind === 'punct' && toks[open].text === '(';
      if (isCall && CALLS[upper]) {
        const close = matchParen(toks, open);
        out += CALLS[upper](splitArgs(toks.slice(open + 1, close)).map(trimTokens), t.at);
        i = close;
      } else if (upper === 'UNNEST' && isCall && lastSignificantWord(out) === 'IN') {
        // x IN UNNEST(@list) → x IN (SELECT UNNEST($list))
        const close = matchParen(toks, open);
        out += `(SELECT UNNEST(${rewriteTokens(toks.slice(open + 1, close))}))`;
        i = close;
      } else if (TYPE_NAMES[upper] && !isCall) {
        out += TYPE_NAMES[upper];
      } else {
        out += t.text;
      }
    } else {
      out += t.text;
    }
  }
  return out;
}

function lastSignificantWord(s: string): string {
  const m = /([A-Za-z_]+)\s*$/.exec(s);
  return m ? m[1].toUpperCase() : '';
}

/** Defines the compat macros on a DuckDB connection (anything with a run(sql) method). */
export async function installCompatMacros(conn: { run(sql: string): Promise<unknown> }): Promise<void> {
  for (const m of COMPAT_MACROS) await conn.run(m);
}
