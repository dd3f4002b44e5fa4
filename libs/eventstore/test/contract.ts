import { randomUUID } from 'node:crypto';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { uuidv7, type NewEvent } from '@fangyi/contracts';
import {
  CheckpointConflictError,
  WrongExpectedRevisionError,
  type EventFilter,
  type EventStore,
  type RecordedEvent,
} from '../src/index.ts';

export interface HeldAppend {
  commit(): Promise<void>;
}

export interface EventStoreUnderTest {
  store: EventStore;
  /** The instant the store's clock returns, so recordedAt can be checked. */
  now: Date;
  /** Moves the store's clock (recordedAt of later appends); the suite puts it back to `now`. */
  setClock(at: Date): void;
  /**
   * Starts an append in a transaction that stays open until commit() is called, for adapters
   * whose writers can overlap (PostgreSQL). Adapters that serialise writers leave it out.
   */
  holdAppendOpen?: (streamId: string, events: NewEvent[]) => Promise<HeldAppend>;
  cleanup(): Promise<void>;
}

export function event(type = 'quarantine.test-happened', data: unknown = { n: 1 }): NewEvent {
  return {
    id: uuidv7(),
    type,
    schemaVersion: 1,
    occurredAt: '2026-02-01T08:30:00.000+08:00',
    actor: { id: 'caller-7', role: 'caller' },
    correlationId: randomUUID(),
    causationId: null,
    data,
  };
}

const stream = (label = 'test') => `${label}-${randomUUID()}`;

async function readAllOf(
  store: EventStore,
  streams: Set<string>,
  after: string | null = null,
): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let position = after;
  for (;;) {
    const batch = await store.readAll({ after: position, limit: 500 });
    if (batch.length === 0) return out;
    out.push(...batch.filter((e) => streams.has(e.streamId)));
    position = batch[batch.length - 1]!.position;
  }
}

/** One suite for every event store adapter: each must pass all of it. */
export function eventStoreContract(
  name: string,
  factory: () => Promise<EventStoreUnderTest>,
): void {
  describe(`event store contract: ${name}`, () => {
    let sut: EventStoreUnderTest;
    let store: EventStore;
    beforeAll(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it('appends to a new stream and reads it back in revision order with every envelope field', async () => {
      const s = stream();
      const events = [
        event('quarantine.a', { x: 1, nested: { y: [1, 2] } }),
        event('quarantine.b', { text: '发热 38.1' }),
      ];
      events[1] = { ...events[1]!, causationId: events[0]!.id };
      const result = await store.append(s, events, { expectedRevision: 'no-stream' });
      expect(result.nextExpectedRevision).toBe(1);
      const read = await store.readStream(s);
      expect(read.map((e) => e.streamRevision)).toEqual([0, 1]);
      expect(read[0]).toMatchObject({ ...events[0], streamId: s, streamRevision: 0 });
      expect(read[1]).toMatchObject({ ...events[1], streamId: s, streamRevision: 1 });
      expect(new Date(read[0]!.recordedAt).getTime()).toBe(sut.now.getTime());
      expect(read[1]!.position).toBe(result.position);
    });

    it('reads an unknown stream as empty and can read from a revision', async () => {
      expect(await store.readStream(stream('missing'))).toEqual([]);
      const s = stream();
      await store.append(s, [event(), event(), event()], { expectedRevision: 'no-stream' });
      expect((await store.readStream(s, { fromRevision: 1 })).map((e) => e.streamRevision)).toEqual(
        [1, 2],
      );
    });

    it('continues a stream at the expected revision', async () => {
      const s = stream();
      const first = await store.append(s, [event()], { expectedRevision: 'no-stream' });
      const second = await store.append(s, [event(), event()], {
        expectedRevision: first.nextExpectedRevision,
      });
      expect(second.nextExpectedRevision).toBe(2);
      expect((await store.readStream(s)).length).toBe(3);
    });

    it('refuses a stale expected revision with a typed conflict and appends nothing', async () => {
      const s = stream();
      await store.append(s, [event(), event()], { expectedRevision: 'no-stream' });
      const stale = store.append(s, [event(), event()], { expectedRevision: 0 });
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(stale).rejects.toMatchObject({ streamId: s, expected: 0, actual: 1 });
      await expect(
        store.append(s, [event()], { expectedRevision: 'no-stream' }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      await expect(
        store.append(stream(), [event()], { expectedRevision: 3 }),
      ).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(s)).length).toBe(2);
    });

    it("appends with 'any' whatever the stream's revision", async () => {
      const s = stream();
      await store.append(s, [event()], { expectedRevision: 'any' });
      const r = await store.append(s, [event()], { expectedRevision: 'any' });
      expect(r.nextExpectedRevision).toBe(1);
    });

    it('lets exactly one of two concurrent writers on stale state win', async () => {
      const s = stream();
      const base = await store.append(s, [event()], { expectedRevision: 'no-stream' });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          store.append(s, [event()], { expectedRevision: base.nextExpectedRevision }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(losers).toHaveLength(4);
      for (const l of losers) expect(l.reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect((await store.readStream(s)).map((e) => e.streamRevision)).toEqual([0, 1]);
    });

    it('records every append of a burst but the ones refused for their revision, each whole or not at all', async () => {
      const streams = Array.from({ length: 12 }, () => stream('burst'));
      const contested = stream('contested');
      await store.append(contested, [event()], { expectedRevision: 'no-stream' });
      const results = await Promise.allSettled([
        ...streams.map((s) =>
          store.append(s, [event(), event()], { expectedRevision: 'no-stream' }),
        ),
        store.append(contested, [event(), event(), event()], { expectedRevision: 0 }),
        store.append(contested, [event()], { expectedRevision: 0 }),
        store.append(streams[0]!, [event()], { expectedRevision: 5 }),
      ]);
      expect(results.slice(0, 12).every((r) => r.status === 'fulfilled')).toBe(true);
      for (const s of streams)
        expect((await store.readStream(s)).map((e) => e.streamRevision)).toEqual([0, 1]);
      const [three, one, stale] = results.slice(12);
      expect(stale!.status).toBe('rejected');
      expect([three!.status, one!.status].sort()).toEqual(['fulfilled', 'rejected']);
      const contestedLength = (await store.readStream(contested)).length;
      expect(contestedLength).toBe(three!.status === 'fulfilled' ? 4 : 2);
    });

    it('reads the global log in commit order, after a position, in pages', async () => {
      const a = stream('a');
      const b = stream('b');
      const first = await store.append(a, [event()], { expectedRevision: 'no-stream' });
      await store.append(b, [event(), event()], { expectedRevision: 'no-stream' });
      await store.append(a, [event()], { expectedRevision: 0 });
      const mine = await readAllOf(store, new Set([a, b]));
      expect(mine.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.streamRevision}`)).toEqual([
        'a0',
        'b0',
        'b1',
        'a1',
      ]);
      const after = await readAllOf(store, new Set([a, b]), first.position);
      expect(after.map((e) => `${e.streamId === a ? 'a' : 'b'}${e.streamRevision}`)).toEqual([
        'b0',
        'b1',
        'a1',
      ]);
      const page = await store.readAll({ after: first.position, limit: 2 });
      expect(page).toHaveLength(2);
    });

    it('keeps every event of many concurrent writers, in revision order per stream', async () => {
      const streams = Array.from({ length: 8 }, () => stream('w'));
      await Promise.all(
        streams.map(async (s) => {
          let expected: number | 'no-stream' = 'no-stream';
          for (let i = 0; i < 5; i++)
            expected = (await store.append(s, [event()], { expectedRevision: expected }))
              .nextExpectedRevision;
        }),
      );
      const all = await readAllOf(store, new Set(streams));
      expect(all).toHaveLength(40);
      for (const s of streams) {
        expect(all.filter((e) => e.streamId === s).map((e) => e.streamRevision)).toEqual([
          0, 1, 2, 3, 4,
        ]);
      }
    });

    it('follows the log with a catch-up subscription: history first, then new events', async () => {
      const s = stream('sub');
      const start = await store.append(stream('before'), [event()], {
        expectedRevision: 'no-stream',
      });
      await store.append(s, [event(), event()], { expectedRevision: 'no-stream' });
      const seen: RecordedEvent[] = [];
      const sub = store.subscribeToAll({
        after: start.position,
        idleMs: 20,
        onEvents: async (batch) => {
          seen.push(...batch.filter((e) => e.streamId === s));
        },
      });
      await sub.caughtUp();
      expect(seen.map((e) => e.streamRevision)).toEqual([0, 1]);
      await store.append(s, [event()], { expectedRevision: 1 });
      await expect.poll(() => seen.length, { timeout: 5000 }).toBe(3);
      await sub.stop();
      await store.append(s, [event()], { expectedRevision: 2 });
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(3);
    });

    it('stores and loads named checkpoints', async () => {
      const name = `relay-${randomUUID()}`;
      expect(await store.checkpoints.load(name)).toBeNull();
      const r = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      await store.checkpoints.store(name, r.position, null);
      expect(await store.checkpoints.load(name)).toBe(r.position);
      const next = await store.readAll({ after: await store.checkpoints.load(name), limit: 10 });
      expect(next.find((e) => e.position === r.position)).toBeUndefined();
    });

    it('keeps checkpoints out of the log: a reader of the log never sees one', async () => {
      const name = `relay-${randomUUID()}`;
      const r = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      await store.checkpoints.store(name, r.position, null);
      const s = stream('after');
      await store.append(s, [event()], { expectedRevision: 'no-stream' });
      const later: RecordedEvent[] = [];
      for (let after: string | null = r.position; ; ) {
        const batch = await store.readAll({ after, limit: 500 });
        if (batch.length === 0) break;
        later.push(...batch);
        after = batch.at(-1)!.position;
      }
      expect(later.some((e) => e.streamId === s)).toBe(true);
      expect(later.filter((e) => e.streamId.includes(name))).toEqual([]);
    });

    it('moves a checkpoint only from the position its writer saw: a stale writer is refused', async () => {
      const name = `policy-${randomUUID()}`;
      const first = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      const second = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      const third = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      await store.checkpoints.store(name, first.position, null);
      // A second writer that also believes none is stored yet loses.
      await expect(store.checkpoints.store(name, second.position, null)).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      await store.checkpoints.store(name, second.position, first.position);
      // A writer still at `first` is stale: refused, and the checkpoint stays where the live one put it.
      const stale = await store.checkpoints
        .store(name, third.position, first.position)
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(CheckpointConflictError);
      expect((stale as CheckpointConflictError).actual).toBe(second.position);
      expect(await store.checkpoints.load(name)).toBe(second.position);
    });

    it('never moves a checkpoint backwards or in place', async () => {
      const name = `policy-${randomUUID()}`;
      const first = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      const second = await store.append(stream(), [event()], { expectedRevision: 'no-stream' });
      await store.checkpoints.store(name, second.position, null);
      await expect(
        store.checkpoints.store(name, first.position, second.position),
      ).rejects.toBeInstanceOf(RangeError);
      await expect(
        store.checkpoints.store(name, second.position, second.position),
      ).rejects.toBeInstanceOf(RangeError);
      expect(await store.checkpoints.load(name)).toBe(second.position);
    });

    describe('filtered reads', () => {
      const tag = () => randomUUID().replace(/-/g, '').slice(0, 12);
      /** Every page of a filtered read, `limit` at a time, as an export reads it. */
      const readAllFiltered = async (filter: EventFilter, limit = 2): Promise<RecordedEvent[]> => {
        const out: RecordedEvent[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await store.readFiltered({ filter, after, limit });
          out.push(...page);
          if (page.length < limit) return out;
          after = page[page.length - 1]!.position;
        }
      };

      it('reads by type and by stream, in log order, page by page', async () => {
        const t = tag();
        const [a, b] = [`filterA${t}-1`, `filterB${t}-1`];
        await store.append(a, [event(`quarantine.f${t}-one`), event(`quarantine.f${t}-two`)], {
          expectedRevision: 'no-stream',
        });
        await store.append(b, [event(`quarantine.f${t}-one`)], { expectedRevision: 'no-stream' });
        await store.append(a, [event(`quarantine.f${t}-one`)], { expectedRevision: 1 });
        const ones = await readAllFiltered({ types: [`quarantine.f${t}-one`] });
        expect(ones.map((e) => [e.streamId, e.streamRevision])).toEqual([
          [a, 0],
          [b, 0],
          [a, 2],
        ]);
        expect((await readAllFiltered({ streamIds: [a] })).map((e) => e.streamRevision)).toEqual([
          0, 1, 2,
        ]);
        expect(
          (await readAllFiltered({ streamPrefixes: [`filterB${t}`] })).map((e) => e.streamId),
        ).toEqual([b]);
        expect(
          await readAllFiltered({ streamIds: [a], types: [`quarantine.f${t}-two`] }, 10),
        ).toHaveLength(1);
        expect(await readAllFiltered({ types: [] })).toEqual([]);
        // The events themselves, envelope and position, are those of the unfiltered log.
        const all = await readAllOf(store, new Set([a, b]));
        expect(ones).toEqual(all.filter((e) => e.type === `quarantine.f${t}-one`));
      });

      it('reads every event of the streams that hold a data value, later events without it included', async () => {
        const t = tag();
        const mine = `filterCase${t}-1`;
        const theirs = `filterCase${t}-2`;
        await store.append(
          mine,
          [event('quarantine.started', { caseId: 'c1', community: `moujia${t}` })],
          { expectedRevision: 'no-stream' },
        );
        await store.append(
          theirs,
          [event('quarantine.started', { caseId: 'c2', community: `kutao${t}` })],
          { expectedRevision: 'no-stream' },
        );
        await store.append(mine, [event('quarantine.checked', { caseId: 'c1' })], {
          expectedRevision: 0,
        });
        await store.append(theirs, [event('quarantine.checked', { caseId: 'c2' })], {
          expectedRevision: 0,
        });
        const moujia = await readAllFiltered({
          streamData: { field: 'community', value: `moujia${t}` },
        });
        expect(moujia.map((e) => [e.streamId, e.type])).toEqual([
          [mine, 'quarantine.started'],
          [mine, 'quarantine.checked'],
        ]);
        // By the event's own data: only the events that name the value themselves.
        const c1 = await readAllFiltered({
          streamPrefixes: [`filterCase${t}`],
          data: { field: 'caseId', value: 'c1' },
        });
        expect(c1.map((e) => e.type)).toEqual(['quarantine.started', 'quarantine.checked']);
        expect(
          await readAllFiltered({
            streamPrefixes: [`filterCase${t}`],
            data: { field: 'community', value: `moujia${t}` },
          }),
        ).toHaveLength(1);
        await expect(
          store.readFiltered({
            filter: { streamData: { field: "community') OR 1=1 --", value: 'x' } },
          }),
        ).rejects.toThrow(/letters and digits/);
      });

      it('cuts by recordedAt: from (inclusive) and before (exclusive), in SQL where the store has it', async () => {
        const t = tag();
        const s = `filterTime${t}-1`;
        const at = (iso: string) => new Date(iso);
        try {
          let revision: number | 'no-stream' = 'no-stream';
          for (const iso of [
            '2026-02-01T00:00:00.000Z',
            '2026-02-01T08:00:00.000Z',
            '2026-02-02T00:00:00.000Z',
          ]) {
            sut.setClock(at(iso));
            revision = (await store.append(s, [event()], { expectedRevision: revision }))
              .nextExpectedRevision;
          }
        } finally {
          sut.setClock(sut.now);
        }
        const cut = (filter: EventFilter) =>
          readAllFiltered({ streamIds: [s], ...filter }).then((es) => es.map((e) => e.recordedAt));
        expect(await cut({ recordedFrom: '2026-02-01T08:00:00.000Z' })).toEqual([
          '2026-02-01T08:00:00.000Z',
          '2026-02-02T00:00:00.000Z',
        ]);
        expect(await cut({ recordedBefore: '2026-02-01T08:00:00.000Z' })).toEqual([
          '2026-02-01T00:00:00.000Z',
        ]);
        // Any offset names the same instant.
        expect(
          await cut({
            recordedFrom: '2026-02-01T08:00:00+08:00',
            recordedBefore: '2026-02-01T16:00:00.001+08:00',
          }),
        ).toEqual(['2026-02-01T00:00:00.000Z', '2026-02-01T08:00:00.000Z']);
        await expect(store.readFiltered({ filter: { recordedFrom: 'yesterday' } })).rejects.toThrow(
          /not an instant/,
        );
      });

      it('cuts by occurredAt as instants, whatever offset each event was written with, with recordedAt, and the events recorded late', async () => {
        const t = tag();
        const s = `filterOccurred${t}-1`;
        const happened = (occurredAt: string) => ({ ...event(), occurredAt });
        try {
          sut.setClock(new Date('2026-02-03T00:00:00.000Z'));
          // Written with different offsets and out of order: a check logged late comes after later ones.
          await store.append(
            s,
            [
              happened('2026-02-01T09:00:00.000+08:00'),
              happened('2026-02-02T01:00:00.000Z'),
              happened('2026-02-01T12:00:00.000+08:00'),
            ],
            { expectedRevision: 'no-stream' },
          );
          sut.setClock(new Date('2026-02-04T00:00:00.000Z'));
          // Logged a day late, for the morning of the 1st.
          await store.append(s, [happened('2026-02-01T08:00:00.000+08:00')], {
            expectedRevision: 2,
          });
        } finally {
          sut.setClock(sut.now);
        }
        const cut = (filter: EventFilter) =>
          readAllFiltered({ streamIds: [s], ...filter }).then((es) =>
            es.map((e) => e.streamRevision),
          );
        // 2026-02-01T04:00Z = 12:00 in Shanghai: the 08:00 and 09:00 ones had happened, not the noon one.
        expect(await cut({ occurredBefore: '2026-02-01T04:00:00.000Z' })).toEqual([0, 3]);
        expect(await cut({ occurredBefore: '2026-02-01T12:00:00.001+08:00' })).toEqual([0, 2, 3]);
        expect(await cut({ occurredFrom: '2026-02-01T12:00:00+08:00' })).toEqual([1, 2]);
        // What had happened by noon as known on the 3rd: the late one is not known yet.
        expect(
          await cut({
            occurredBefore: '2026-02-01T04:00:00.000Z',
            recordedBefore: '2026-02-03T00:00:00.001Z',
          }),
        ).toEqual([0]);
        // Recorded more than an hour after it happened: every one here; the late one alone after the 3rd.
        expect(
          await cut({
            recordedLate: true,
            recordedFrom: '2026-02-03T12:00:00.000Z',
            occurredBefore: '2026-02-02T00:00:00.000Z',
          }),
        ).toEqual([3]);
        await expect(store.readFiltered({ filter: { occurredBefore: 'soon' } })).rejects.toThrow(
          /not an instant/,
        );
      });
    });
    it('never lets a reader skip past a transaction still in flight (held-open writer)', async (ctx) => {
      if (!sut.holdAppendOpen) {
        ctx.skip(
          'not applicable: this adapter serialises writers, so no transaction can be in flight while another commits',
        );
        return;
      }
      const held = stream('held');
      const others = [stream('o1'), stream('o2'), stream('o3')];
      const watched = new Set([held, ...others]);
      const base = await store.append(stream('base'), [event()], { expectedRevision: 'no-stream' });

      // A reader that remembers its position, as the relay does.
      let position: string | null = base.position;
      const seen: RecordedEvent[] = [];
      const readOn = async () => {
        for (;;) {
          const batch = await store.readAll({ after: position, limit: 100 });
          if (batch.length === 0) return;
          seen.push(...batch.filter((e) => watched.has(e.streamId)));
          position = batch[batch.length - 1]!.position;
        }
      };

      const open = await sut.holdAppendOpen(held, [event('quarantine.held')]);
      for (const o of others) await store.append(o, [event()], { expectedRevision: 'no-stream' });
      await readOn();
      await open.commit();
      for (const o of others) await store.append(o, [event()], { expectedRevision: 0 });
      await readOn();

      expect(seen.filter((e) => e.streamId === held)).toHaveLength(1);
      expect(seen).toHaveLength(7);
      expect(new Set(seen.map((e) => e.id)).size).toBe(7);
    });
  });
}
