/** Feature columns out of Arrow tables as typed arrays, with checks that name the table and column. */
import { DataType, type Table, type Vector } from 'apache-arrow';
import { InputDataError } from '../../core/errors.ts';

/** A float64 column as one Float64Array (zero-copy for a single float64 chunk). */
export function numericColumn(table: Table, tableName: string, column: string): Float64Array {
  const v = table.getChild(column);
  if (!v) throw new InputDataError(`${tableName}: missing column ${column} (expected float64)`);
  if (!DataType.isFloat(v.type) && !DataType.isInt(v.type)) {
    throw new InputDataError(`${tableName}: column ${column} has type ${v.type}, expected float64`);
  }
  if (v.nullCount > 0) {
    throw new InputDataError(`${tableName}: column ${column} has ${v.nullCount} null values (absent values are encoded as -1)`);
  }
  const raw = v.toArray() as ArrayLike<number | bigint>;
  if (raw instanceof Float64Array) return raw;
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = Number(raw[i]);
  return out;
}

/** A utf8 column, checked. */
export function stringColumn(table: Table, tableName: string, column: string): Vector {
  const v = table.getChild(column);
  if (!v) throw new InputDataError(`${tableName}: missing column ${column} (expected utf8)`);
  const t = v.type;
  if (!DataType.isUtf8(t) && !DataType.isLargeUtf8(t) && !(DataType.isDictionary(t) && DataType.isUtf8(t.dictionary))) {
    throw new InputDataError(`${tableName}: column ${column} has type ${t}, expected utf8`);
  }
  if (v.nullCount > 0) throw new InputDataError(`${tableName}: column ${column} has ${v.nullCount} null values`);
  return v;
}

/** Rows where a numeric column is not finite: the first one, for an error message. */
export function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
