export { BigQueryWarehouse, openBigQueryWarehouse, type BigQueryWarehouseOptions } from './warehouse.ts';
export { readTableArrow, type StorageReadOptions, type StorageReadResult, type TableRef } from './storage-read.ts';
export { estimateCost, formatBytes, ON_DEMAND_USD_PER_TIB, type CostEstimate } from './cost.ts';
export { parseBigQueryUri, qualifiedTable, tableResource, type BigQueryLocation } from './uri.ts';
export { sanitizeLabels } from './labels.ts';
export { toClientParams } from './params.ts';
export { mapBigQueryError, isRetryableGrpc } from './errors.ts';
export { FEATURE_QUERY_ORDER, isOrdered, orderTable } from './order.ts';
