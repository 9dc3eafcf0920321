import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openNotifier } from '../../src/notify/open.ts';
import { OutboxNotifier } from '../../src/notify/outbox/notifier.ts';
import { readOutbox } from '../support/outbox.ts';
import { notifierContract } from '../contracts/notifier.contract.ts';

notifierContract('local outbox', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'promoscore-outbox-'));
  const file = join(dir, 'sub', 'outbox.ndjson');
  return {
    notifier: new OutboxNotifier(file),
    readBack: async () =>
      (await readOutbox(file)).map((m) => ({ id: m.id, attributes: { ...m.attributes }, orderingKey: m.ordering_key })),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('local outbox specifics', () => {
  it('writes one JSON object per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promoscore-outbox-'));
    try {
      const n = await openNotifier(`file://${dir}/o.ndjson`);
      await n.publish({ dataset: 'd', version: 'v', manifest_uri: 'u', as_of: '2026-01-01', rows: '0', event: 'published' });
      const text = await readFile(join(dir, 'o.ndjson'), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l).attributes.version)).toEqual(['v']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses URIs that are not an ndjson file or of an unknown scheme', async () => {
    await expect(openNotifier('file://./outbox.json')).rejects.toThrow(/--notify: a local outbox must be a .ndjson file/);
    await expect(openNotifier('kafka://x')).rejects.toThrow(/unsupported notifier URI/);
  });
});
