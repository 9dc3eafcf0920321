import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.ts';
import { readVersionTable } from '../../src/snapshot/snapshot-reader.ts';
import { AS_OF, useFaultSuite } from './helpers/dataset.ts';
import { HOSTILE_CASES } from './helpers/corpus.ts';
import { runCase } from './helpers/run-case.ts';
import { DATASET, storeUri } from './helpers/store-state.ts';

/**
 * The hostile-input corpus through the job: every case ends in its documented outcome — exit 3
 * with a message naming the problem, or a published snapshot whose manifest counts what was
 * dropped or warned — never an unforeseen error, never a published or damaged snapshot after a
 * failure.
 */
let root: string;
let base: string;
let spec: string;
useFaultSuite('hostile', (dirs) => ({ root, base, spec } = dirs), 0.01);

describe.concurrent('hostile inputs that must stop the run (exit 3, nothing published)', () => {
  for (const c of HOSTILE_CASES.filter((x) => x.expect.exit === 3)) {
    it(c.name, async () => {
      const r = await runCase(c, base, root, AS_OF, spec);
      expect(r.error?.message).toMatch(c.expect.exit === 3 ? c.expect.message : /never/);
      expect(r.code).toBe(3);
      expect(r.foreseen).toBe(true);
      expect(r.state.latest).toBeNull();
      expect(r.state.versions).toEqual([]);
      expect(r.state.announced).toEqual([]);
    }, 30_000);
  }
});

describe.concurrent('hostile inputs that are dropped or warned (exit 0, counted in the manifest)', () => {
  for (const c of HOSTILE_CASES.filter((x) => x.expect.exit === 0)) {
    it(c.name, async () => {
      const r = await runCase(c, base, root, AS_OF, spec);
      expect(r.error?.message).toBeUndefined();
      expect(r.code).toBe(0);
      const e = c.expect.exit === 0 ? c.expect : null!;
      const results = r.result!.quality!.input.filter(
        (q) => q.check === e.check && (e.table === undefined || q.table === e.table) && (e.column === undefined || q.column === e.column),
      );
      expect(results.map((q) => q.status)).toContain(e.status);
      if (e.status !== 'pass') {
        const hit = results.find((q) => q.status === e.status)!;
        expect(hit.offending).toBeGreaterThan(0);
        if (e.droppedRows) expect(hit.detail).toMatch(/^[1-9]\d* candidate rows dropped/);
      }
      expect(r.state.latest).toBe(r.result!.version);
      expect(r.state.latestSound).toBe(true);
      expect(r.state.announced).toEqual([r.result!.version]);
      if (c.name.startsWith('SQL in an id')) {
        const store = await openStore(storeUri(r.storeDir));
        const { table } = await readVersionTable(store, DATASET, r.result!.version);
        const ids = new Set(table.getChild('campaign_id')!.toArray() as string[]);
        expect(ids.has(`x'; DROP TABLE campaigns; --`)).toBe(true);
      }
    });
  }
});

it('the corpus has at least 30 cases', () => {
  expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(30);
});
