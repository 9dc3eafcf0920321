import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NotificationAttributes, Notifier } from '../../src/notify/port.ts';

export interface ReceivedMessage {
  id: string;
  attributes: Record<string, string>;
  orderingKey?: string;
}

export interface NotifierFixture {
  notifier: Notifier;
  /** every message the notifier delivered so far, in delivery order */
  readBack(): Promise<ReceivedMessage[]>;
  cleanup(): Promise<void>;
}

function attrs(version: string, event: NotificationAttributes['event'] = 'published'): NotificationAttributes {
  return {
    dataset: 'promo_scores',
    version,
    manifest_uri: `file:///store/promo_scores/versions/${version}/manifest.json`,
    as_of: '2026-11-25',
    rows: '1234',
    event,
  };
}

/** The Notifier contract, adapter-neutral: run it against the local outbox and Pub/Sub. */
export function notifierContract(name: string, make: () => Promise<NotifierFixture>): void {
  describe(`Notifier contract: ${name}`, () => {
    let fx: NotifierFixture;
    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      await fx.notifier.close();
      await fx.cleanup();
    });

    it('delivers the attributes exactly, with the dataset as ordering key', async () => {
      const id = await fx.notifier.publish(attrs('20261125-aaaaaaaaaaaa'));
      expect(typeof id).toBe('string');
      expect(id.length).toBeGreaterThan(0);
      const got = await fx.readBack();
      expect(got).toHaveLength(1);
      expect(got[0].id).toBe(id);
      expect(got[0].attributes).toEqual({ ...attrs('20261125-aaaaaaaaaaaa') });
      if (got[0].orderingKey !== undefined) expect(got[0].orderingKey).toBe('promo_scores');
    });

    it('keeps the order of sequential messages and both event kinds', async () => {
      await fx.notifier.publish(attrs('v1'));
      await fx.notifier.publish(attrs('v2'));
      await fx.notifier.publish(attrs('v1', 'rolled_back'));
      const got = await fx.readBack();
      expect(got.map((m) => `${m.attributes.version}:${m.attributes.event}`)).toEqual([
        'v1:published',
        'v2:published',
        'v1:rolled_back',
      ]);
    });

    it('loses and duplicates nothing under concurrent publishes', async () => {
      const n = 40;
      const ids = await Promise.all(Array.from({ length: n }, (_, i) => fx.notifier.publish(attrs(`v${i}`))));
      expect(new Set(ids).size).toBe(n);
      const got = await fx.readBack();
      expect(got).toHaveLength(n);
      expect(new Set(got.map((m) => m.attributes.version))).toEqual(new Set(ids.map((_, i) => `v${i}`)));
      expect(new Set(got.map((m) => m.id))).toEqual(new Set(ids));
    });
  });
}
