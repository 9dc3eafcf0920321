import { UsageError } from '../../core/errors.ts';

export interface BigQueryLocation {
  projectId: string;
  datasetId: string;
}

// Project ids: 6-30 chars of lowercase letters, digits and hyphens (domain-scoped ids carry "domain:");
// dataset ids: letters, digits and underscores, at most 1024 chars.
const PROJECT_RE = /^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET_RE = /^[A-Za-z0-9_]{1,1024}$/;

/** Parses `bigquery://PROJECT/DATASET`; anything else is a usage error naming the URI. */
export function parseBigQueryUri(uri: string): BigQueryLocation {
  const m = /^bigquery:\/\/([^/]+)\/([^/?#]+)\/?$/.exec(uri);
  if (!m) throw new UsageError(`warehouse URI "${uri}" is not of the form bigquery://PROJECT/DATASET`);
  const [, projectId, datasetId] = m;
  if (!PROJECT_RE.test(projectId)) {
    throw new UsageError(`warehouse URI "${uri}": "${projectId}" is not a valid GCP project id`);
  }
  if (!DATASET_RE.test(datasetId)) {
    throw new UsageError(`warehouse URI "${uri}": "${datasetId}" is not a valid BigQuery dataset id (letters, digits, _)`);
  }
  return { projectId, datasetId };
}

/** `project.dataset.table` as GoogleSQL wants it, backtick-quoted. */
export function qualifiedTable(loc: BigQueryLocation, table: string): string {
  return `\`${loc.projectId}.${loc.datasetId}.${table}\``;
}

/** The Storage Read API's resource name of a table. */
export function tableResource(projectId: string, datasetId: string, tableId: string): string {
  return `projects/${projectId}/datasets/${datasetId}/tables/${tableId}`;
}
