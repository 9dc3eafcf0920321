import { BigQuery } from '@google-cloud/bigquery';
import type { QueryParamValue } from '../port.ts';
import { UsageError } from '../../core/errors.ts';

/** The client's `params` + `types` pair for named query parameters, typed explicitly. */
export interface ClientParams {
  params: Record<string, unknown>;
  types: Record<string, string | string[]>;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function toClientParams(params: Record<string, QueryParamValue>): ClientParams {
  const out: ClientParams = { params: {}, types: {} };
  for (const [name, p] of Object.entries(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`query parameter name "${name}" is not a valid identifier`);
    switch (p.type) {
      case 'DATE':
        if (!DATE_RE.test(p.value)) throw new UsageError(`query parameter @${name}: "${p.value}" is not a DATE (YYYY-MM-DD)`);
        // the client sends DATE/TIMESTAMP values only when wrapped in its value classes
        out.params[name] = BigQuery.date(p.value);
        out.types[name] = 'DATE';
        break;
      case 'TIMESTAMP':
        if (Number.isNaN(Date.parse(p.value))) throw new UsageError(`query parameter @${name}: "${p.value}" is not a TIMESTAMP`);
        out.params[name] = BigQuery.timestamp(p.value);
        out.types[name] = 'TIMESTAMP';
        break;
      case 'INT64':
        if (!Number.isSafeInteger(p.value)) throw new UsageError(`query parameter @${name}: ${p.value} is not an INT64`);
        out.params[name] = p.value;
        out.types[name] = 'INT64';
        break;
      case 'FLOAT64':
        if (!Number.isFinite(p.value)) throw new UsageError(`query parameter @${name}: ${p.value} is not a finite FLOAT64`);
        out.params[name] = p.value;
        out.types[name] = 'FLOAT64';
        break;
      case 'STRING':
        out.params[name] = p.value;
        out.types[name] = 'STRING';
        break;
      case 'ARRAY<STRING>':
        out.params[name] = [...p.value];
        out.types[name] = ['STRING'];
        break;
      default:
        throw new UsageError(`query parameter @${name}: unsupported type ${(p as { type: string }).type}`);
    }
  }
  return out;
}
