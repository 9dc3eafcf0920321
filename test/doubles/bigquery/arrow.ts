/**
 * Conversions the BigQuery double needs: DuckDB results to Arrow in BigQuery's Arrow mapping
 * (INT64 int64, FLOAT64 double, STRING utf8, BOOL bool, DATE date32, TIMESTAMP timestamp[us, UTC]),
 * Arrow IPC messages as the Storage Read API sends them, and REST JSON rows.
 */
import {
  Bool,
  DateDay,
  Field,
  Float64,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  tableToIPC,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBMaterializedResult, type DuckDBResultReader, type DuckDBValue } from '@duckdb/node-api';

export type BqType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'DATE' | 'TIMESTAMP';
export interface BqField {
  name: string;
  type: BqType;
  mode: 'NULLABLE';
}

function bqTypeOf(typeId: DuckDBTypeId, label: string, column: string): BqType {
  switch (typeId) {
    case DuckDBTypeId.VARCHAR:
      return 'STRING';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return 'INT64';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'FLOAT64';
    case DuckDBTypeId.BOOLEAN:
      return 'BOOL';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    default:
      throw new Error(`column ${column}: type ${label} has no BigQuery equivalent in this double`);
  }
}

export function arrowTypeOf(t: BqType): DataType {
  switch (t) {
    case 'STRING':
      return new Utf8();
    case 'INT64':
      return new Int64();
    case 'FLOAT64':
      return new Float64();
    case 'BOOL':
      return new Bool();
    case 'DATE':
      return new DateDay();
    case 'TIMESTAMP':
      return new TimestampMicrosecond('UTC');
  }
}

function bitmap(valid: boolean[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bits = new Uint8Array((valid.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < valid.length; i++) {
    if (valid[i]) bits[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { nullBitmap: bits, nullCount: nulls };
}

function columnVector(t: BqType, values: readonly DuckDBValue[]): Vector {
  const n = values.length;
  switch (t) {
    case 'STRING':
      return vectorFromArray(values.map((v) => (v === null ? null : String(v))), new Utf8());
    case 'BOOL':
      return vectorFromArray(values.map((v) => (v === null ? null : Boolean(v))), new Bool());
    default: {
      const valid = new Array<boolean>(n);
      let data: BigInt64Array | Float64Array | Int32Array;
      if (t === 'INT64' || t === 'TIMESTAMP') {
        const a = new BigInt64Array(n);
        for (let i = 0; i < n; i++) {
          const v = values[i] as unknown;
          valid[i] = v !== null;
          if (v === null) continue;
          a[i] = t === 'TIMESTAMP' ? (v as { micros: bigint }).micros : BigInt(v as number | bigint);
        }
        data = a;
      } else if (t === 'FLOAT64') {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = values[i] as unknown;
          valid[i] = v !== null;
          if (v === null) continue;
          a[i] = typeof v === 'object' && v !== null && 'toDouble' in v ? (v as { toDouble(): number }).toDouble() : Number(v);
        }
        data = a;
      } else {
        const a = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const v = values[i] as unknown;
          valid[i] = v !== null;
          if (v !== null) a[i] = (v as { days: number }).days;
        }
        data = a;
      }
      const { nullBitmap, nullCount } = bitmap(valid);
      return makeVector(makeData({ type: arrowTypeOf(t) as never, length: n, nullCount, nullBitmap: nullCount ? nullBitmap : undefined, data } as never));
    }
  }
}

/** A DuckDB result as BigQuery would type it, materialized in Arrow. */
export function duckResultToArrow(reader: DuckDBResultReader | DuckDBMaterializedResult | { columnNames(): string[]; columnTypes(): { typeId: DuckDBTypeId; toString(): string }[]; getColumns(): DuckDBValue[][] }): { fields: BqField[]; table: Table } {
  const r = reader as { columnNames(): string[]; columnTypes(): { typeId: DuckDBTypeId; toString(): string }[]; getColumns(): DuckDBValue[][] };
  const names = r.columnNames();
  const types = r.columnTypes();
  const fields: BqField[] = names.map((name, i) => ({ name, type: bqTypeOf(types[i].typeId, types[i].toString(), name), mode: 'NULLABLE' }));
  const columns = r.getColumns();
  const schema = new Schema(fields.map((f) => new Field(f.name, arrowTypeOf(f.type), true)));
  const length = columns[0]?.length ?? 0;
  // a result without rows has no chunks, hence no columns
  const children = fields.map((f, i) => columnVector(f.type, columns[i] ?? []).data[0]);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
  return { fields, table: new Table(schema, length > 0 ? [batch] : []) };
}

const EOS_BYTES = 8;

/** The encapsulated Arrow schema message, as `ReadSession.arrowSchema.serializedSchema` carries it. */
export function serializeSchema(schema: Schema): Uint8Array {
  const ipc = tableToIPC(new Table(schema), 'stream');
  return ipc.subarray(0, ipc.length - EOS_BYTES);
}

/** One encapsulated record batch message, as `ArrowRecordBatch.serializedRecordBatch` carries it. */
export function serializeBatch(schemaBytes: Uint8Array, table: Table): Uint8Array {
  const ipc = tableToIPC(table, 'stream');
  return ipc.subarray(schemaBytes.length, ipc.length - EOS_BYTES);
}

/** BigQuery REST's row encoding: every value a string in `{v: ...}`, NULL as null. */
export function jsonCell(type: BqType, v: unknown, int64Timestamp: boolean): string | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'STRING':
      return v as string;
    case 'INT64':
      return (v as bigint).toString();
    case 'FLOAT64':
      return String(v as number);
    case 'BOOL':
      return v ? 'true' : 'false';
    case 'DATE':
      // Arrow hands DateDay values out as epoch milliseconds
      return new Date(v as number).toISOString().slice(0, 10);
    case 'TIMESTAMP': {
      const micros = typeof v === 'bigint' ? v : BigInt(Math.round((v as number) * 1000));
      return int64Timestamp ? micros.toString() : (Number(micros) / 1e6).toString();
    }
  }
}

/** Bytes BigQuery would count for a table: 2 + UTF-8 length per STRING, 8 per INT64/FLOAT64/DATE/TIMESTAMP, 1 per BOOL. */
export function logicalBytes(fields: BqField[], table: Table): number {
  let total = 0;
  for (const f of fields) {
    const col = table.getChild(f.name);
    if (!col) continue;
    if (f.type === 'STRING') {
      for (const d of col.data) total += 2 * d.length + (d.valueOffsets ? d.valueOffsets[d.length] - d.valueOffsets[0] : 0);
    } else {
      total += (f.type === 'BOOL' ? 1 : 8) * col.length;
    }
  }
  return total;
}
