import { UsageError } from '../../core/errors.ts';

/** A parsed `gs://BUCKET/PREFIX`; `prefix` is '' or ends with '/'. */
export interface GsLocation {
  bucket: string;
  prefix: string;
}

// Bucket names per Cloud Storage's naming rules (dotted names may be longer, up to 222).
const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

export function parseGsUri(uri: string): GsLocation {
  const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw new UsageError(`store URI ${JSON.stringify(uri)} is not gs://BUCKET[/PREFIX]`);
  const bucket = m[1];
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`store URI ${uri}: ${JSON.stringify(bucket)} is not a valid bucket name`);
  }
  let prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix.split('/').some((seg) => seg === '.' || seg === '..') || prefix.includes('//')) {
    throw new UsageError(`store URI ${uri}: the prefix may not contain empty, "." or ".." segments`);
  }
  if (prefix) prefix += '/';
  return { bucket, prefix };
}

/** Rejects store paths that are absolute or escape the root, naming the path. */
export function checkStorePath(path: string): void {
  if (!path || path.startsWith('/') || path.split('/').some((seg) => seg === '..' || seg === '.') || /[\r\n]/.test(path)) {
    throw new UsageError(`invalid store path ${JSON.stringify(path)}: must be relative, without "." or ".." segments`);
  }
}
