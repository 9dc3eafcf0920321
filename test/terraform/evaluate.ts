/**
 * A deliberately small evaluator for the expressions terraform/locals.tf uses to read jobs/*.yaml:
 * `j.a.b`, `try(x, fallback)`, `coalesce(a, b)`, `tostring(x)`, `var.job_overrides[name].f`,
 * string/number/null/[] literals. Anything else throws, so a new construct in locals.tf has to be
 * taught here (and tested) rather than silently ignored.
 */
export interface Scope {
  j: unknown;
  name: string;
  overrides: Record<string, Record<string, unknown>>;
}

class Missing extends Error {}

type Tok = { t: 'id' | 'str' | 'num' | 'p'; v: string };

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_-]/.test(src[j])) j++;
      toks.push({ t: 'id', v: src.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < src.length && /[0-9.]/.test(src[j])) j++;
      toks.push({ t: 'num', v: src.slice(i, j) });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j++;
      if (src.slice(i + 1, j).includes('${')) throw new Error(`templates are not supported: ${src}`);
      toks.push({ t: 'str', v: src.slice(i + 1, j) });
      i = j + 1;
    } else if ('().,[]'.includes(c)) {
      toks.push({ t: 'p', v: c });
      i++;
    } else throw new Error(`unsupported character ${JSON.stringify(c)} in ${src}`);
  }
  return toks;
}

export function evaluate(src: string, scope: Scope): unknown {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const take = (v?: string) => {
    const t = toks[pos++];
    if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? 'a token'} at ${pos} in ${src}`);
    return t;
  };

  // Returns a thunk so try() can catch a missing attribute of its first argument.
  function expr(): () => unknown {
    const t = take();
    if (t.t === 'str') return () => t.v;
    if (t.t === 'num') return () => Number(t.v);
    if (t.t === 'p' && t.v === '[') {
      take(']');
      return () => [];
    }
    if (t.t !== 'id') throw new Error(`unexpected ${t.v} in ${src}`);
    if (t.v === 'null') return () => null;
    if (peek()?.v === '(') {
      take('(');
      const args: (() => unknown)[] = [];
      while (peek()?.v !== ')') {
        args.push(expr());
        if (peek()?.v === ',') take(',');
      }
      take(')');
      return call(t.v, args);
    }
    return traversal(t.v);
  }

  function traversal(root: string): () => unknown {
    const steps: ({ attr: string } | { indexVar: string })[] = [];
    while (peek()?.v === '.' || peek()?.v === '[') {
      if (take().v === '.') steps.push({ attr: take().v });
      else {
        steps.push({ indexVar: take().v });
        take(']');
      }
    }
    return () => {
      let cur: unknown;
      if (root === 'j') cur = scope.j;
      else if (root === 'name') cur = scope.name;
      else if (root === 'var') cur = { job_overrides: scope.overrides };
      else throw new Error(`unknown name ${root} in ${src}`);
      for (const s of steps) {
        const key = 'attr' in s ? s.attr : s.indexVar === 'name' ? scope.name : (() => { throw new Error(`index ${s.indexVar}`); })();
        if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) throw new Missing(key);
        cur = (cur as Record<string, unknown>)[key];
      }
      return cur;
    };
  }

  function call(fn: string, args: (() => unknown)[]): () => unknown {
    switch (fn) {
      case 'try':
        return () => {
          for (const a of args) {
            try {
              return a();
            } catch (err) {
              if (!(err instanceof Missing)) throw err;
            }
          }
          throw new Error('try: no argument evaluated');
        };
      case 'coalesce':
        return () => {
          for (const a of args) {
            const v = a();
            if (v !== null && v !== '') return v;
          }
          throw new Error('coalesce: all null');
        };
      case 'tostring':
        return () => {
          const v = args[0]();
          if (typeof v === 'object' && v !== null) throw new Missing('tostring of a non-primitive');
          return String(v);
        };
      default:
        throw new Error(`unsupported function ${fn} in ${src}`);
    }
  }

  const result = expr();
  if (pos !== toks.length) throw new Error(`trailing tokens in ${src}`);
  return result();
}

/**
 * Splits the body of `{ for name, j in local.job_files : name => { k = expr ... } }` into its
 * attribute expressions.
 */
export function forObjectAttributes(forExpr: string): { iter: string; attrs: Record<string, string> } {
  const m = /^\{\s*for\s+name\s*,\s*j\s+in\s+([\w.]+)\s*:\s*name\s*=>\s*\{([\s\S]*)\}\s*\}$/.exec(forExpr.trim());
  if (!m) throw new Error(`not the expected for-expression: ${forExpr}`);
  const attrs: Record<string, string> = {};
  for (const line of m[2].split('\n')) {
    const a = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line);
    if (a) attrs[a[1]] = a[2];
    else if (line.trim() !== '') throw new Error(`unexpected line in for-expression: ${line}`);
  }
  return { iter: m[1], attrs };
}
