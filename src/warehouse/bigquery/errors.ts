import { ExitCode, InfraError, InputDataError, PromoscoreError, UsageError } from '../../core/errors.ts';

/** gRPC status codes the Storage Read path distinguishes (numeric values of grpc.status). */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface ApiErrorLike {
  code?: number | string;
  message?: string;
  details?: string;
  errors?: Array<{ reason?: string; message?: string }>;
}

type ReasonClass = typeof ExitCode.usage | typeof ExitCode.input | typeof ExitCode.infra;

/**
 * BigQuery's documented error reasons (`ErrorProto.reason`, in `errors[]` of a failed call and in a
 * job's `status.errorResult`) and the exit class each one gets. The reason decides, not the HTTP
 * status: a failed job carries no status at all, and BigQuery answers several transient reasons
 * (`jobBackendError`, `jobRateLimitExceeded`, `tableUnavailable`, `timeout`) with HTTP 400.
 * docs/bigquery.md shows this table; a test keeps the two equal.
 */
export const REASON_EXIT: Readonly<Record<string, ReasonClass>> = {
  accessDenied: ExitCode.usage,
  attributeError: ExitCode.usage,
  backendError: ExitCode.infra,
  badRequest: ExitCode.usage,
  billingNotEnabled: ExitCode.usage,
  billingTierLimitExceeded: ExitCode.usage,
  blocked: ExitCode.usage,
  bytesBilledLimitExceeded: ExitCode.usage,
  duplicate: ExitCode.infra,
  internalError: ExitCode.infra,
  invalid: ExitCode.usage,
  invalidQuery: ExitCode.usage,
  invalidUser: ExitCode.usage,
  jobBackendError: ExitCode.infra,
  jobInternalError: ExitCode.infra,
  jobRateLimitExceeded: ExitCode.infra,
  notFound: ExitCode.input,
  notImplemented: ExitCode.usage,
  proxyAuthenticationRequired: ExitCode.usage,
  quotaExceeded: ExitCode.infra,
  rateLimitExceeded: ExitCode.infra,
  resourceInUse: ExitCode.infra,
  resourcesExceeded: ExitCode.usage,
  responseTooLarge: ExitCode.usage,
  stopped: ExitCode.infra,
  tableUnavailable: ExitCode.infra,
  timeout: ExitCode.infra,
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A Storage Read error worth resuming the stream for: the server dropped or reset it. */
export function isRetryableGrpc(err: unknown): boolean {
  const e = err as ApiErrorLike;
  if (e?.code === GrpcCode.UNAVAILABLE || e?.code === GrpcCode.DEADLINE_EXCEEDED) return true;
  // An HTTP/2 stream reset surfaces as INTERNAL with "RST_STREAM" in the details.
  if (e?.code === GrpcCode.INTERNAL && /RST_STREAM|stream reset|Received RST/i.test(`${e.details ?? ''} ${e.message ?? ''}`)) return true;
  return false;
}

/** The first error reason BigQuery's REST API reported (`errors[0].reason`). */
function reasonOf(e: ApiErrorLike): string | undefined {
  return e.errors?.find((x) => x.reason)?.reason;
}

/**
 * Maps a client error to the exit-code classes: a missing table or column is the input's fault
 * (exit 3), a refused configuration or query is a usage error (exit 2), everything a retry may fix
 * is exit 5. The documented reason decides (REASON_EXIT); the HTTP or gRPC status only when there
 * is no reason.
 */
export function mapBigQueryError(err: unknown, context: string): PromoscoreError {
  if (err instanceof PromoscoreError) return err;
  const e = (err ?? {}) as ApiErrorLike;
  const msg = (e.errors?.[0]?.message || e.details || e.message || String(err)).trim();
  const reason = reasonOf(e);
  const opts = { cause: err };

  const table = /Not found: Table ([^\s]+?)(?: was not found|$|\s)/.exec(msg);
  if (table) return new InputDataError(`${context}: table ${table[1].replace(':', '.')} not found in BigQuery (${msg})`, opts);
  const dataset = /Not found: Dataset ([^\s]+?)(?: was not found|$|\s)/.exec(msg);
  if (dataset) return new InputDataError(`${context}: dataset ${dataset[1].replace(':', '.')} not found in BigQuery (${msg})`, opts);
  const column = /Unrecognized name: ([A-Za-z0-9_.]+)/.exec(msg) ?? /Name ([A-Za-z0-9_]+) not found inside ([A-Za-z0-9_]+)/.exec(msg);
  if (column) {
    const where = column[2] ? ` in ${column[2]}` : '';
    return new InputDataError(`${context}: column ${column[1]}${where} not found (${msg})`, opts);
  }
  if (reason === 'bytesBilledLimitExceeded' || /exceeded limit for bytes billed/i.test(msg)) {
    return new UsageError(`${context}: the query would bill more than maximumBytesBilled allows; raise it in the job config if intended (${msg})`, opts);
  }
  if (/^Not found: Job /.test(msg)) return new InfraError(`${context}: BigQuery lost track of the job (${msg})`, opts);
  const byReason = reason !== undefined ? REASON_EXIT[reason] : undefined;
  if (byReason !== undefined) {
    const what = `${reason}: ${msg}`;
    if (byReason === ExitCode.infra) return new InfraError(`${context}: BigQuery failed, a retry may succeed (${what})`, opts);
    if (byReason === ExitCode.input) return new InputDataError(`${context}: not found in BigQuery (${what})`, opts);
    if (reason === 'accessDenied' || reason === 'billingNotEnabled' || reason === 'invalidUser' || reason === 'proxyAuthenticationRequired') {
      return new UsageError(`${context}: BigQuery refused the credentials, IAM role or project (${what})`, opts);
    }
    return new UsageError(`${context}: BigQuery rejected the query or its configuration (${what})`, opts);
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return new InfraError(`${context}: cannot reach BigQuery (${e.code}: ${msg})`, opts);
  }
  if (typeof e.code === 'number') {
    // REST statuses are >= 100; smaller numbers are gRPC codes from the Storage Read API.
    if (e.code >= 100) {
      if (e.code === 401 || e.code === 403) {
        return new UsageError(`${context}: BigQuery refused the credentials or IAM role (${e.code}${reason ? ' ' + reason : ''}: ${msg})`, opts);
      }
      if (e.code === 404) return new InputDataError(`${context}: not found in BigQuery (${msg})`, opts);
      if (e.code === 400) return new UsageError(`${context}: BigQuery rejected the request (${reason ? reason + ': ' : ''}${msg})`, opts);
      return new InfraError(`${context}: BigQuery failed (${e.code}${reason ? ' ' + reason : ''}: ${msg})`, opts);
    }
    switch (e.code) {
      case GrpcCode.NOT_FOUND:
        return new InputDataError(`${context}: not found by the Storage Read API (${msg})`, opts);
      case GrpcCode.PERMISSION_DENIED:
      case GrpcCode.UNAUTHENTICATED:
        return new UsageError(`${context}: the Storage Read API refused the credentials or IAM role (${msg})`, opts);
      default:
        return new InfraError(`${context}: Storage Read API failed (gRPC ${e.code}: ${msg})`, opts);
    }
  }
  // a reason BigQuery has not documented, or none at all, without a status: a retry may help
  return new InfraError(`${context}: BigQuery failed (${reason ? reason + ': ' : ''}${msg})`, opts);
}
