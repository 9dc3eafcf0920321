/**
 * A small lexer for the GoogleSQL subset of sql/: just enough to rewrite identifiers, parameters
 * and function calls without ever touching string literals or comments.
 */
export type TokenKind = 'ws' | 'comment' | 'string' | 'ident' | 'quoted' | 'param' | 'placeholder' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** offset in the source, for error messages */
  at: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i])) i++;
      out.push({ kind: 'ws', text: sql.slice(start, i), at: start });
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      while (i < n && sql[i] !== '\n') i++;
      out.push({ kind: 'comment', text: sql.slice(start, i), at: start });
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new Error(`unterminated /* comment at offset ${start}`);
      i = end + 2;
      out.push({ kind: 'comment', text: sql.slice(start, i), at: start });
    } else if (c === "'") {
      i++;
      while (i < n && sql[i] !== "'") {
        if (sql[i] === '\\') i++;
        i++;
      }
      if (i >= n) throw new Error(`unterminated string literal at offset ${start}`);
      i++;
      out.push({ kind: 'string', text: sql.slice(start, i), at: start });
    } else if (c === '"') {
      // GoogleSQL reads "..." as a string, DuckDB as an identifier: the subset forbids it.
      throw new Error(`double-quoted literal at offset ${start}: the sql/ subset uses single quotes for strings`);
    } else if (c === '`') {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) throw new Error(`unterminated backquoted identifier at offset ${start}`);
      i = end + 1;
      out.push({ kind: 'quoted', text: sql.slice(start, i), at: start });
    } else if (c === '{' && sql[i + 1] === '{') {
      const end = sql.indexOf('}}', i + 2);
      if (end < 0) throw new Error(`unterminated {{table}} placeholder at offset ${start}`);
      i = end + 2;
      out.push({ kind: 'placeholder', text: sql.slice(start, i), at: start });
    } else if (c === '@' && i + 1 < n && IDENT_START.test(sql[i + 1])) {
      i++;
      while (i < n && IDENT_PART.test(sql[i])) i++;
      out.push({ kind: 'param', text: sql.slice(start, i), at: start });
    } else if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(sql[i])) i++;
      out.push({ kind: 'ident', text: sql.slice(start, i), at: start });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9.eE]/.test(sql[i])) i++;
      out.push({ kind: 'number', text: sql.slice(start, i), at: start });
    } else {
      i++;
      out.push({ kind: 'punct', text: c, at: start });
    }
  }
  return out;
}

/** Index of the ')' closing the '(' at `open`, at the same nesting depth. */
export function matchParen(toks: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unbalanced parenthesis at offset ${toks[open].at}`);
}

/** Splits the tokens between '(' and ')' at top-level commas. */
export function splitArgs(toks: Token[]): Token[][] {
  const args: Token[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') args.push([]);
    else args[args.length - 1].push(t);
  }
  return args;
}

/** Next token that is not whitespace or a comment, at or after i; -1 when none. */
export function nextSignificant(toks: Token[], i: number): number {
  for (let j = i; j < toks.length; j++) if (toks[j].kind !== 'ws' && toks[j].kind !== 'comment') return j;
  return -1;
}

export function trimTokens(toks: Token[]): Token[] {
  let a = 0;
  let b = toks.length;
  while (a < b && (toks[a].kind === 'ws' || toks[a].kind === 'comment')) a++;
  while (b > a && (toks[b - 1].kind === 'ws' || toks[b - 1].kind === 'comment')) b--;
  return toks.slice(a, b);
}
