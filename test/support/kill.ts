import type { ChildRun, CliResult } from './cli.ts';

/**
 * SIGKILLs a started child `delayMs` after the first whole line of `stream` that contains `marker`
 * (a line cut between chunks waits for its end); resolves with how the child ended, killed or not.
 */
export function killAfterLine(run: ChildRun, stream: 'stdout' | 'stderr', marker: string, delayMs: number): Promise<CliResult> {
  let armed = false;
  let pending = '';
  run.child[stream]!.on('data', (chunk: Buffer) => {
    if (armed) return;
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    if (lines.some((line) => line.includes(marker))) {
      armed = true;
      setTimeout(() => run.child.kill('SIGKILL'), delayMs);
    }
  });
  return run.done;
}
