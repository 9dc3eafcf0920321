import { UsageError } from '../../core/errors.ts';

/** Rejects store paths that are absolute or escape the root, naming the path. */
export function checkStorePath(path: string): void {
  if (!path || path.startsWith('/') || path.split('/').some((seg) => seg === '..' || seg === '.') || /[\r\n]/.test(path)) {
    throw new UsageError(`invalid store path ${JSON.stringify(path)}: must be relative, without "." or ".." segments`);
  }
}
