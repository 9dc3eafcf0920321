/**
 * `promoscore simulate` as a data engineer starts it: a real process, from a directory that is not
 * the repository, with no --spec (the packaged spec is used, as `run` does).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { runCli, withTempDir } from '../support/cli.ts';

describe('promoscore simulate from any directory', () => {
  it('runs a one-day world with the packaged spec and prints the JSON on stdout', async () => {
    await withTempDir('promoscore-simulate-cli-', async (dir) => {
      const r = await runCli(['simulate', '--days', '1', '--scale', '0.01', '--policies', 'none', '--json', '--report', join(dir, 'reports')], { cwd: dir });
      expect(r.stderr).not.toMatch(/cannot read scoring spec/);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { world: { days: number }; policies: Record<string, { incremental_saves: number }> };
      expect(out.world.days).toBe(1);
      expect(Object.keys(out.policies).sort()).toEqual(['none', 'spec']);
      expect(out.policies.none.incremental_saves).toBe(0);
      expect(existsSync(join(dir, 'reports')) && readdirSync(join(dir, 'reports')).some((f) => f.endsWith('.html'))).toBe(true);
    });
  });
});
