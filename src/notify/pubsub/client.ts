import { PubSub } from '@google-cloud/pubsub';

export interface PubSubClientOptions {
  /** host:port of a local double or emulator; the client then speaks insecure gRPC without credentials */
  apiEndpoint?: string;
  projectId?: string;
}

/**
 * A PubSub client for a project. With `apiEndpoint` (or PUBSUB_EMULATOR_HOST) it speaks insecure
 * gRPC without credentials; otherwise it uses Application Default Credentials. For local endpoints
 * the universe domain is stated, or the client would probe the GCE metadata server for it.
 */
export function makePubSub(project: string, opts: PubSubClientOptions = {}): PubSub {
  const endpoint = opts.apiEndpoint ?? process.env.PUBSUB_EMULATOR_HOST;
  if (endpoint) {
    return new PubSub({ projectId: opts.projectId ?? project, apiEndpoint: endpoint, emulatorMode: true, universeDomain: 'googleapis.com' });
  }
  return new PubSub({ projectId: opts.projectId ?? project });
}

const RETRYABLE_CODES = new Set([1, 2, 4, 8, 10, 13, 14]); // CANCELLED UNKNOWN DEADLINE_EXCEEDED RESOURCE_EXHAUSTED ABORTED INTERNAL UNAVAILABLE

export function grpcCodeOf(err: unknown): number | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

export function isRetryableGrpc(err: unknown): boolean {
  const c = grpcCodeOf(err);
  return c !== undefined && RETRYABLE_CODES.has(c);
}
