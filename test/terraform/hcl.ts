/**
 * Loads terraform/*.tf through an HCL parser (no terraform binary needed) into one merged view,
 * plus small helpers to walk it. Blocks come back as arrays (hcl2json's shape).
 */
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TF_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../terraform');

export type Block = Record<string, any>;

export interface Terraform {
  files: Record<string, string>;
  resources: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
  variables: Record<string, Block>;
  outputs: Record<string, Block>;
  locals: Record<string, unknown>;
}

export async function loadTerraform(dir = TF_DIR): Promise<Terraform> {
  const tf: Terraform = { files: {}, resources: {}, data: {}, variables: {}, outputs: {}, locals: {} };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf')).sort()) {
    const text = readFileSync(join(dir, f), 'utf8');
    tf.files[f] = text;
    const doc = await parse(f, text);
    for (const [kind, target] of [['resource', tf.resources], ['data', tf.data]] as const) {
      for (const [type, byName] of Object.entries((doc[kind] ?? {}) as Record<string, Record<string, Block[]>>)) {
        target[type] ??= {};
        for (const [name, blocks] of Object.entries(byName)) {
          if (target[type][name]) throw new Error(`${f}: duplicate ${kind} ${type}.${name}`);
          target[type][name] = blocks[0];
        }
      }
    }
    for (const [name, blocks] of Object.entries((doc.variable ?? {}) as Record<string, Block[]>)) tf.variables[name] = blocks[0];
    for (const [name, blocks] of Object.entries((doc.output ?? {}) as Record<string, Block[]>)) tf.outputs[name] = blocks[0];
    for (const block of (doc.locals ?? []) as Block[]) {
      for (const [k, v] of Object.entries(block)) {
        if (k in tf.locals) throw new Error(`${f}: duplicate local ${k}`);
        tf.locals[k] = v;
      }
    }
  }
  return tf;
}

/** Every string anywhere inside a value (attribute values, nested blocks, lists). */
export function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

/** The first (only) nested block of that name, e.g. block(bucket, 'versioning'). */
export function block(parent: Block, name: string): Block {
  const b = parent[name];
  if (!Array.isArray(b) || b.length === 0) throw new Error(`missing block ${name}`);
  return b[0];
}

/** All resources of the given types, as [address, body]. */
export function resourcesOf(tf: Terraform, ...types: string[]): [string, Block][] {
  const out: [string, Block][] = [];
  for (const t of types) for (const [n, b] of Object.entries(tf.resources[t] ?? {})) out.push([`${t}.${n}`, b]);
  return out;
}

/** Strip one `${...}` wrapper from an interpolation-only string. */
export function unwrap(expr: string): string {
  const m = /^\$\{([\s\S]*)\}$/.exec(expr.trim());
  return m ? m[1].trim() : expr;
}
