import { describe, expect, it } from 'vitest';
import { defaultJob } from '../../src/config/job.ts';
import { parseSetting, withSettings } from '../../src/config/overrides.ts';
import { QualityConfigSchema } from '../../src/quality/config.ts';
import { UsageError } from '../../src/core/errors.ts';

const opts = { qualitySchema: QualityConfigSchema };
const quality = (j: ReturnType<typeof defaultJob>) => QualityConfigSchema.parse(j.quality);

describe('--set key=value', () => {
  it('parses YAML scalars', () => {
    expect(parseSetting('quality.output.max_row_change=3')).toEqual({ key: 'quality.output.max_row_change', path: ['quality', 'output', 'max_row_change'], value: 3 });
    expect(parseSetting('quality.input.null_keys=warn').value).toBe('warn');
    expect(parseSetting('buckets = 8').value).toBe(8);
  });

  it('overrides a job setting, later settings winning, and leaves the job it was given alone', () => {
    const base = withSettings(defaultJob(), [], opts);
    const job = withSettings(base, ['quality.output.max_row_change=3', 'buckets=8', 'buckets=4'], opts);
    expect(quality(job).output.max_row_change).toBe(3);
    expect(quality(job).output.max_score_psi).toBe(0.25);
    expect(job.buckets).toBe(4);
    expect(base.buckets).toBe(16);
  });

  it('refuses unknown keys, wrong types and malformed settings at exit 2, naming them', () => {
    const err = (s: string) => {
      try {
        withSettings(defaultJob(), [s], opts);
      } catch (e) {
        return e as UsageError;
      }
      throw new Error(`accepted ${s}`);
    };
    for (const [s, says] of [
      ['quality.output.max_rows_change=3', 'max_rows_change'],
      ['quality.output.max_row_change=lots', 'quality.output.max_row_change'],
      ['buckets', 'key=value'],
      ['=3', 'key=value'],
      ['name.first=x', 'name is not a section'],
    ] as const) {
      const e = err(s);
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toContain(says);
    }
  });
});
