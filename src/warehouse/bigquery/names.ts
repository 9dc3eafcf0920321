/** Where a BigQuery warehouse's tables live (config/uri.ts parses it from bigquery://PROJECT/DATASET). */
export interface BigQueryLocation {
  projectId: string;
  datasetId: string;
}

/** `project.dataset.table` as GoogleSQL wants it, backtick-quoted. */
export function qualifiedTable(loc: BigQueryLocation, table: string): string {
  return `\`${loc.projectId}.${loc.datasetId}.${table}\``;
}

/** The Storage Read API's resource name of a table. */
export function tableResource(projectId: string, datasetId: string, tableId: string): string {
  return `projects/${projectId}/datasets/${datasetId}/tables/${tableId}`;
}
