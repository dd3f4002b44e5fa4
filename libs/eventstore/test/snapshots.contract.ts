import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { SnapshotStore, ViewSnapshot } from '../src/index.ts';

const snapshot = (
  view: string,
  recordedUpTo: string,
  occurredUpTo: string | null,
  state = [1, 2, 3],
): ViewSnapshot => ({
  view,
  recordedUpTo,
  occurredUpTo,
  position: `p-${recordedUpTo}`,
  events: state.length,
  state: Uint8Array.from(state),
  takenAt: '2026-12-02T00:00:00.000Z',
});

/** One suite for every snapshot store adapter. */
export function snapshotStoreContract(
  name: string,
  factory: () => Promise<{ store: SnapshotStore; cleanup(): Promise<void> }>,
): void {
  describe(`snapshot store contract: ${name}`, () => {
    let sut: { store: SnapshotStore; cleanup(): Promise<void> };
    let store: SnapshotStore;
    beforeAll(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it('keeps bytes as given and lists metadata in recordedUpTo order', async () => {
      const view = `roster@${Math.random()}`;
      await store.save(
        snapshot(view, '2020-02-02T00:00:00.000Z', '2020-02-01T23:00:00.000Z', [9, 8, 7, 0, 255]),
      );
      await store.save(snapshot(view, '2020-02-01T00:00:00+08:00', null));
      const listed = await store.list(view);
      expect(listed.map((s) => [s.recordedUpTo, s.occurredUpTo, s.bytes])).toEqual([
        ['2020-01-31T16:00:00.000Z', null, 3],
        ['2020-02-02T00:00:00.000Z', '2020-02-01T23:00:00.000Z', 5],
      ]);
      expect(listed[1]).toMatchObject({
        view,
        position: 'p-2020-02-02T00:00:00.000Z',
        events: 5,
        takenAt: '2026-12-02T00:00:00.000Z',
      });
      expect([...(await store.state(view, '2020-02-02T08:00:00+08:00'))!]).toEqual([
        9, 8, 7, 0, 255,
      ]);
      expect(await store.state(view, '2020-02-03T00:00:00.000Z')).toBeNull();
      expect(await store.list(`${view}-other`)).toEqual([]);
    });

    it('answers the latest snapshot within both bounds, inclusive', async () => {
      const view = `report@${Math.random()}`;
      await store.save(snapshot(view, '2020-02-01T00:00:00.000Z', '2020-01-31T12:00:00.000Z'));
      // Something in the second was said to happen later than it was recorded (a future end date).
      await store.save(snapshot(view, '2020-02-02T00:00:00.000Z', '2020-02-05T00:00:00.000Z'));
      await store.save(snapshot(view, '2020-02-03T00:00:00.000Z', '2020-02-05T00:00:00.000Z'));
      const at = async (bounds: Parameters<SnapshotStore['latest']>[1]) =>
        (await store.latest(view, bounds))?.recordedUpTo ?? null;
      expect(await at(undefined)).toBe('2020-02-03T00:00:00.000Z');
      expect(await at({ recordedBy: '2020-02-02T23:59:59.999Z' })).toBe('2020-02-02T00:00:00.000Z');
      expect(await at({ recordedBy: '2020-02-02T00:00:00.000Z' })).toBe('2020-02-02T00:00:00.000Z');
      expect(await at({ recordedBy: '2020-01-31T00:00:00.000Z' })).toBeNull();
      expect(await at({ occurredBy: '2020-02-04T00:00:00.000Z' })).toBe('2020-02-01T00:00:00.000Z');
      expect(
        await at({
          occurredBy: '2020-02-05T08:00:00+08:00',
          recordedBy: '2020-02-02T12:00:00.000Z',
        }),
      ).toBe('2020-02-02T00:00:00.000Z');
      await expect(store.latest(view, { recordedBy: 'yesterday' })).rejects.toThrow(
        /not an instant/,
      );
    });

    it('replaces a snapshot of the same instant and clears one view or all', async () => {
      const a = `a@${Math.random()}`;
      const b = `b@${Math.random()}`;
      await store.save(snapshot(a, '2020-02-01T00:00:00.000Z', null, [1]));
      await store.save(snapshot(a, '2020-02-01T00:00:00.000Z', null, [2, 2]));
      await store.save(snapshot(b, '2020-02-01T00:00:00.000Z', null));
      await store.save(snapshot(`${a}/moujia`, '2020-02-01T00:00:00.000Z', null));
      await store.save(snapshot(`${a}x/moujia`, '2020-02-01T00:00:00.000Z', null));
      expect((await store.list(a)).map((s) => s.bytes)).toEqual([2]);
      // A view's parts go with it; a view whose name only starts alike stays.
      expect(await store.clear(a)).toBe(2);
      expect(await store.list(`${a}x/moujia`)).toHaveLength(1);
      expect(await store.list(a)).toEqual([]);
      expect(await store.list(b)).toHaveLength(1);
      expect(await store.clear()).toBeGreaterThanOrEqual(1);
      expect(await store.list(b)).toEqual([]);
    });
  });
}
