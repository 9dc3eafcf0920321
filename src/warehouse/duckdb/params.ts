/** QueryParamValue (the port's engine-neutral parameters) → DuckDB bound values with explicit types. */
import { BIGINT, DATE, DOUBLE, LIST, TIMESTAMP, VARCHAR, dateValue, listValue, timestampValue, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { UsageError } from '../../core/errors.ts';
import type { QueryParamValue } from '../port.ts';

const DAY_MS = 86_400_000;

export function toDuckDBParams(
  names: readonly string[],
  params: Record<string, QueryParamValue>,
  queryName: string,
): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of names) {
    const p = params[name];
    if (!p) throw new UsageError(`query ${queryName}: parameter @${name} is not provided`);
    switch (p.type) {
      case 'DATE': {
        const ms = Date.parse(`${p.value}T00:00:00Z`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(p.value) || Number.isNaN(ms)) throw new UsageError(`query ${queryName}: @${name} is not a DATE: ${p.value}`);
        values[name] = dateValue(Math.round(ms / DAY_MS));
        types[name] = DATE;
        break;
      }
      case 'TIMESTAMP': {
        const ms = Date.parse(p.value);
        if (Number.isNaN(ms)) throw new UsageError(`query ${queryName}: @${name} is not a TIMESTAMP: ${p.value}`);
        values[name] = timestampValue(BigInt(ms) * 1000n);
        types[name] = TIMESTAMP;
        break;
      }
      case 'INT64':
        if (!Number.isSafeInteger(p.value)) throw new UsageError(`query ${queryName}: @${name} is not an INT64: ${p.value}`);
        values[name] = BigInt(p.value);
        types[name] = BIGINT;
        break;
      case 'FLOAT64':
        values[name] = p.value;
        types[name] = DOUBLE;
        break;
      case 'STRING':
        values[name] = p.value;
        types[name] = VARCHAR;
        break;
      case 'ARRAY<STRING>':
        values[name] = listValue(p.value);
        types[name] = LIST(VARCHAR);
        break;
      default:
        throw new UsageError(`query ${queryName}: @${name} has an unsupported type`);
    }
  }
  return { values, types };
}
