import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { defaultSpec, loadSpec, parseSpec, rhoOf, specHash } from '../../src/scoring/spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'promoscore-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scoring spec', () => {
  it('ships specs/default.yaml equal to the built-in defaults', () => {
    const file = loadSpec(new URL('../../specs/default.yaml', import.meta.url).pathname);
    expect(file).toEqual(defaultSpec());
    expect(specHash(file)).toBe(specHash(defaultSpec()));
    expect(file.eligibility.min_track_age_days).toBe(30);
    expect(file.eligibility.min_streams_28d).toBe(20);
    expect(file.allocation.tolerance).toBe(1e-4);
  });

  it('reads YAML and JSON, filling defaults', () => {
    const y = join(dir, 'a.yaml');
    writeFileSync(y, 'spec_version: "2"\nallocation:\n  max_boost: 3\n');
    const j = join(dir, 'a.json');
    writeFileSync(j, JSON.stringify({ spec_version: '2', allocation: { max_boost: 3 } }));
    expect(loadSpec(y)).toEqual(loadSpec(j));
    expect(loadSpec(y).allocation.max_boost).toBe(3);
    expect(loadSpec(y).guardrail.confidence).toBe(0.95);
  });

  it('names the field and the file in errors', () => {
    const y = join(dir, 'bad.yaml');
    writeFileSync(y, 'guardrail:\n  hard_skip_limit: 1.5\nvalue:\n  save_wieght: 1\n');
    expect(() => loadSpec(y)).toThrow(UsageError);
    expect(() => loadSpec(y)).toThrow(new RegExp(`invalid scoring spec ${y.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect(() => loadSpec(y)).toThrow(/guardrail\.hard_skip_limit/);
    expect(() => loadSpec(y)).toThrow(/value.*save_wieght/);
    expect(() => loadSpec(join(dir, 'missing.yaml'))).toThrow(/cannot read scoring spec .*missing\.yaml/);
    expect(() => parseSpec({ allocation: { rho_overrides: [{ market: 'SE', surface: 'radio', rho: 0.1 }, { market: 'SE', surface: 'radio', rho: 0.2 }] } }, 'x')).toThrow(
      /allocation\.rho_overrides\.1: duplicate override for SE\/radio/,
    );
  });

  it('hashes canonically: key order does not matter, constants do', () => {
    const a = parseSpec({ value: { save_weight: 2, commission_weight: 0.1 } }, 'a');
    const b = parseSpec({ value: { commission_weight: 0.1, save_weight: 2 } }, 'b');
    expect(specHash(a)).toBe(specHash(b));
    expect(specHash(a)).not.toBe(specHash(defaultSpec()));
    expect(specHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resolves rho: override, then default, then the table', () => {
    const s = parseSpec({ allocation: { rho_overrides: [{ market: 'SE', surface: 'radio', rho: 0.2 }] } }, 'x');
    expect(rhoOf(s, 'SE', 'radio', 0.05)).toBe(0.2);
    expect(rhoOf(s, 'SE', 'mix', 0.05)).toBe(0.05);
    expect(rhoOf(parseSpec({ allocation: { rho_default: 0.1 } }, 'x'), 'SE', 'mix', 0.05)).toBe(0.1);
  });
});
