import { Command } from 'commander';
import { exitCodeOf, PromoscoreError } from '../core/errors.ts';
import { createLogger, useLogFormat } from '../observability/log.ts';
import { parseLogFormat } from './options.ts';

/**
 * Wraps a command's action: a foreseen failure prints its message (no stack) and exits with its
 * contract code; anything else is an infrastructure failure (exit 5, safe to retry) with a trace.
 * The command's `--log-format`, when it has one, is applied first so every line follows it.
 */
let pipeGuarded = false;

/** `promoscore snapshots head | head -3`: a reader that closes stdout early ends the command quietly, not with a stack. */
function quietOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(Number(process.exitCode ?? 0));
    throw err;
  });
}

export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    quietOnClosedPipe();
    try {
      const cmd = args[args.length - 1];
      if (cmd instanceof Command) useLogFormat(parseLogFormat(cmd.opts().logFormat as string | undefined));
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      const log = createLogger();
      const code = exitCodeOf(err);
      if (err instanceof PromoscoreError) {
        log.error(err.message, { exit_code: code });
      } else {
        const e = err as Error;
        log.error(`unexpected failure: ${e?.message ?? String(err)}`, { exit_code: code, stack: e?.stack });
      }
      process.exitCode = code;
    }
  };
}
