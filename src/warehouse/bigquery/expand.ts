import { UsageError } from '../../core/errors.ts';
import { expandTables } from '../emulate/index.ts';
import { qualifiedTable, type BigQueryLocation } from './names.ts';

/** Replaces the table placeholders of a sql/ file, asking `resolve` for each table's SQL name. */
export type TableExpander = (sql: string, resolve: (table: string) => string) => string;

/** Expands `{{table}}` placeholders to `` `PROJECT.DATASET.table` ``, refusing names that could escape the quoting. */
export function expandForBigQuery(sql: string, loc: BigQueryLocation, expander: TableExpander = expandTables): string {
  return expander(sql, (table) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new UsageError(`table placeholder "${table}" is not a valid table name`);
    return qualifiedTable(loc, table);
  });
}
