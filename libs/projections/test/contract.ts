import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointConflictError } from '@fangyi/eventstore';
import {
  applyBatch,
  applyEvent,
  InvalidCursorError,
  type Op,
  type Projection,
  type ProjectionStore,
} from '../src/index.ts';
import type { Envelope } from '@fangyi/contracts';

export interface ProjectionStoreUnderTest {
  /**
   * A store for the namespace. Opening the same namespace twice must give two handles onto the
   * same data (for Redis: two connections), as two consumers of one projection would have.
   */
  open(namespace: string): ProjectionStore;
  cleanup(): Promise<void>;
}

const put = (collection: string, id: string, doc: unknown): Op => ({
  op: 'put',
  collection,
  id,
  doc,
});
const del = (collection: string, id: string): Op => ({ op: 'delete', collection, id });
const fresh = (label: string) => `${label}-${randomUUID()}`;

/** One suite for every projection store adapter: each must pass all of it. */
export function projectionStoreContract(
  name: string,
  factory: () => Promise<ProjectionStoreUnderTest>,
): void {
  describe(`projection store contract: ${name}`, () => {
    let sut: ProjectionStoreUnderTest;
    /** A store in a namespace of its own: tests never see each other's data. */
    const store = () => sut.open(`fangyi-test:${randomUUID()}`);
    beforeAll(async () => {
      sut = await factory();
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    it('applies every op of a commit and records the revision', async () => {
      const s = store();
      const stream = fresh('case');
      expect(await s.appliedRevision(stream)).toBeNull();
      const outcome = await s.commit(stream, 0, [
        put('cases', 'c1', { name: 'a', n: 1 }),
        put('counts', stream, { events: 1 }),
      ]);
      expect(outcome).toBe('applied');
      expect(await s.get('cases', 'c1')).toEqual({ name: 'a', n: 1 });
      expect(await s.get('counts', stream)).toEqual({ events: 1 });
      expect(await s.appliedRevision(stream)).toBe(0);
      expect(await s.appliedRevision(fresh('other'))).toBeNull();
      expect(await s.get('cases', 'missing')).toBeNull();
    });

    it('changes nothing when the same revision comes again, even with different ops', async () => {
      const s = store();
      const stream = fresh('case');
      await s.commit(stream, 0, [put('cases', 'c1', { v: 'first' })]);
      const again = await s.commit(stream, 0, [
        put('cases', 'c1', { v: 'second' }),
        put('cases', 'c2', { v: 'new' }),
        del('cases', 'c1'),
      ]);
      expect(again).toBe('duplicate');
      expect(await s.list('cases')).toEqual([{ v: 'first' }]);
      expect(await s.appliedRevision(stream)).toBe(0);
    });

    it('treats a lower revision as a duplicate, and accepts a higher one after a gap', async () => {
      const s = store();
      const stream = fresh('case');
      expect(await s.commit(stream, 0, [put('cases', 'c', { rev: 0 })])).toBe('applied');
      expect(await s.commit(stream, 3, [put('cases', 'c', { rev: 3 })])).toBe('applied');
      expect(await s.commit(stream, 2, [put('cases', 'c', { rev: 2 })])).toBe('duplicate');
      expect(await s.commit(stream, 1, [put('cases', 'c', { rev: 1 })])).toBe('duplicate');
      expect(await s.get('cases', 'c')).toEqual({ rev: 3 });
      expect(await s.appliedRevision(stream)).toBe(3);
    });

    it('keeps revisions per stream', async () => {
      const s = store();
      const [a, b] = [fresh('a'), fresh('b')];
      await s.commit(a, 5, []);
      expect(await s.commit(b, 0, [put('cases', 'b', { ok: true })])).toBe('applied');
      expect(await s.appliedRevision(a)).toBe(5);
      expect(await s.appliedRevision(b)).toBe(0);
    });

    it('records the revision of a commit with no ops', async () => {
      const s = store();
      const stream = fresh('case');
      expect(await s.commit(stream, 0, [])).toBe('applied');
      expect(await s.appliedRevision(stream)).toBe(0);
      expect(await s.commit(stream, 0, [])).toBe('duplicate');
    });

    it('deletes documents, from get and from list; deleting a missing one is fine', async () => {
      const s = store();
      const stream = fresh('case');
      await s.commit(stream, 0, [put('cases', 'c1', { n: 1 }), put('cases', 'c2', { n: 2 })]);
      expect(await s.commit(stream, 1, [del('cases', 'c1'), del('cases', 'never-existed')])).toBe(
        'applied',
      );
      expect(await s.get('cases', 'c1')).toBeNull();
      expect(await s.list('cases')).toEqual([{ n: 2 }]);
    });

    it('applies the ops of one commit in order', async () => {
      const s = store();
      const stream = fresh('case');
      await s.commit(stream, 0, [
        put('cases', 'gone', { n: 1 }),
        del('cases', 'gone'),
        del('cases', 'back'),
        put('cases', 'back', { n: 2 }),
      ]);
      expect(await s.get('cases', 'gone')).toBeNull();
      expect(await s.list('cases')).toEqual([{ n: 2 }]);
    });

    it('lists every document of a collection and none of another collection or namespace', async () => {
      const ns = `fangyi-test:${randomUUID()}`;
      const s = sut.open(ns);
      const other = store();
      const stream = fresh('case');
      const ids = Array.from({ length: 25 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
      await s.commit(
        stream,
        0,
        ids.map((id) => put('people', id, { id })),
      );
      await s.commit(stream, 1, [put('cases', 'c1', { id: 'c1' })]);
      await other.commit(stream, 0, [put('people', 'outsider', { id: 'outsider' })]);
      const listed = await s.list<{ id: string }>('people');
      expect(listed.map((d) => d.id)).toEqual(ids);
      expect(await s.list('cases')).toEqual([{ id: 'c1' }]);
      expect(await s.list('nothing-here')).toEqual([]);
      expect(await other.list('people')).toEqual([{ id: 'outsider' }]);
      expect(await other.appliedRevision(stream)).toBe(0);
      expect(await sut.open(ns).list('cases')).toEqual([{ id: 'c1' }]);
    });

    it('reset wipes documents and applied revisions of its namespace only', async () => {
      const s = store();
      const other = store();
      const stream = fresh('case');
      await s.commit(stream, 0, [put('cases', 'c1', { n: 1 }), put('people', 'p1', { n: 1 })]);
      await other.commit(stream, 0, [put('cases', 'c1', { kept: true })]);
      await s.reset();
      expect(await s.get('cases', 'c1')).toBeNull();
      expect(await s.list('cases')).toEqual([]);
      expect(await s.list('people')).toEqual([]);
      expect(await s.appliedRevision(stream)).toBeNull();
      expect(await other.get('cases', 'c1')).toEqual({ kept: true });
      expect(await other.appliedRevision(stream)).toBe(0);
      // A rebuild starts over: revision 0 applies again.
      expect(await s.commit(stream, 0, [put('cases', 'c1', { n: 2 })])).toBe('applied');
      expect(await s.get('cases', 'c1')).toEqual({ n: 2 });
    });

    it('keeps the checkpoints of its feeders: compare-and-set, per namespace, wiped by reset', async () => {
      const s = store();
      const other = store();
      expect(await s.checkpoints.load('feed')).toBeNull();
      await s.checkpoints.store('feed', '7', null);
      // A second feeder that still believes nothing is stored is stale: refused, nothing changes.
      const stale = await s.checkpoints.store('feed', '9', null).catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(CheckpointConflictError);
      expect((stale as CheckpointConflictError).actual).toBe('7');
      await expect(s.checkpoints.store('feed', '9', '8')).rejects.toBeInstanceOf(
        CheckpointConflictError,
      );
      await s.checkpoints.store('feed', '9', '7');
      expect(await s.checkpoints.load('feed')).toBe('9');
      expect(await other.checkpoints.load('feed')).toBeNull();
      await s.reset();
      // A read model that lost its documents has lost its place too: its feeder replays from the start.
      expect(await s.checkpoints.load('feed')).toBeNull();
    });

    it('versions each document by the commits that wrote it, and refuses a commit whose reads have moved', async () => {
      const s = store();
      const a = fresh('case');
      const b = fresh('case');
      expect(await s.getVersioned('people', 'p1')).toEqual({
        doc: null,
        version: 0,
        partition: '_',
      });
      expect(
        await s.commit(
          a,
          0,
          [put('people', 'p1', { cases: 1 })],
          [{ collection: 'people', id: 'p1', version: 0 }],
        ),
      ).toBe('applied');
      expect(await s.getVersioned('people', 'p1')).toEqual({
        doc: { cases: 1 },
        version: 1,
        partition: '_',
      });
      // Stream b read p1 before a's commit: its commit is refused and changes nothing, its revision not recorded.
      expect(
        await s.commit(
          b,
          0,
          [put('people', 'p1', { cases: 1 })],
          [{ collection: 'people', id: 'p1', version: 0 }],
        ),
      ).toBe('conflict');
      expect(await s.get('people', 'p1')).toEqual({ cases: 1 });
      expect(await s.appliedRevision(b)).toBeNull();
      expect(
        await s.commit(
          b,
          0,
          [put('people', 'p1', { cases: 2 })],
          [{ collection: 'people', id: 'p1', version: 1 }],
        ),
      ).toBe('applied');
      expect(await s.getVersioned('people', 'p1')).toEqual({
        doc: { cases: 2 },
        version: 2,
        partition: '_',
      });
      // A duplicate stays a duplicate, whatever it read.
      expect(await s.commit(a, 0, [], [{ collection: 'people', id: 'p1', version: 0 }])).toBe(
        'duplicate',
      );
    });

    it('loses no update when events of two streams, applied at once, change the same document', async () => {
      const s = store();
      const person = fresh('person');
      // Each event is projected once with both reads made before either commit: the race two partitions run.
      let waiting: (() => void)[] = [];
      let firstRounds = 0;
      const perPerson: Projection = {
        name: 'cases-per-person',
        handles: ['quarantine.home-quarantine-started'],
        async project(event, read) {
          const doc = await read.get<{ cases: string[] }>('people', person);
          if (firstRounds++ < 2) {
            await new Promise<void>((resolve) => {
              waiting.push(resolve);
              if (waiting.length === 2) {
                for (const w of waiting) w();
                waiting = [];
              }
            });
          }
          return [put('people', person, { cases: [...(doc?.cases ?? []), event.streamId].sort() })];
        },
      };
      const started = (streamId: string): Envelope => ({
        id: randomUUID(),
        type: 'quarantine.home-quarantine-started',
        schemaVersion: 1,
        streamId,
        streamRevision: 0,
        occurredAt: '2026-02-01T00:00:00.000Z',
        recordedAt: '2026-02-01T00:00:00.000Z',
        actor: { id: 'registrar-1', role: 'registrar' },
        correlationId: randomUUID(),
        causationId: null,
        data: {},
      });
      const [c1, c2] = [fresh('case'), fresh('case')];
      const outcomes = await Promise.all([
        applyEvent(perPerson, s, started(c1)),
        applyEvent(perPerson, s, started(c2)),
      ]);
      expect(outcomes).toEqual(['applied', 'applied']);
      expect(await s.get('people', person)).toEqual({ cases: [c1, c2].sort() });
    });

    it('reads many documents at once, in the order asked, from whatever partition each is in', async () => {
      const s = store();
      const [a, b] = [fresh('case'), fresh('case')];
      await s.commit(a, 0, [
        { op: 'put', collection: 'people', id: 'p1', doc: { n: 1 }, partition: 'moujia' },
        { op: 'put', collection: 'people', id: 'p2', doc: { n: 2 }, partition: 'moujia' },
      ]);
      await s.commit(b, 0, [put('people', 'p3', { n: 3 }), put('cases', 'p4', { n: 4 })]);
      await s.commit(a, 1, [{ op: 'delete', collection: 'people', id: 'p2', partition: 'moujia' }]);
      expect(await s.getMany('people', ['p3', 'missing', 'p1', 'p2', 'p4', 'p1'])).toEqual([
        { n: 3 },
        null,
        { n: 1 },
        null,
        null,
        { n: 1 },
      ]);
      expect(await s.getMany('people', [])).toEqual([]);
    });

    it('round-trips documents: nested JSON, unicode, decimals, nulls, and ids with separators', async () => {
      const s = store();
      const doc = {
        personName: '张三',
        community: '东湖社区·3栋',
        temperatureC: 38.1,
        negative: -0.5,
        big: 2 ** 53 - 1,
        fever: true,
        note: null,
        symptoms: ['cough', 'fatigue'],
        checks: [{ date: '2026-02-01', slot: 'am', nested: { deeper: [1, [2, { x: 'y' }]] } }],
        emoji: '🌡️',
        quotes: 'a "quoted" \\ backslash\nnewline',
      };
      const id = 'quarantine-case:张三:1';
      await s.commit(fresh('case'), 0, [put('cases', id, doc)]);
      expect(await s.get('cases', id)).toEqual(doc);
      expect(await s.list('cases')).toEqual([doc]);
    });

    it('stores documents as JSON: a Date comes back as its ISO string, undefined fields vanish', async () => {
      const s = store();
      await s.commit(fresh('case'), 0, [
        put('cases', 'c', { at: new Date('2026-02-01T00:00:00.000Z'), gone: undefined, kept: 1 }),
      ]);
      expect(await s.get('cases', 'c')).toStrictEqual({ at: '2026-02-01T00:00:00.000Z', kept: 1 });
    });

    it('hands out copies: mutating a document given or returned changes nothing stored', async () => {
      const s = store();
      const doc = { n: 1, list: [1] };
      await s.commit(fresh('case'), 0, [put('cases', 'c', doc)]);
      doc.n = 99;
      doc.list.push(2);
      const got = await s.get<{ n: number; list: number[] }>('cases', 'c');
      got!.n = 42;
      (await s.list<{ n: number; list: number[] }>('cases'))[0]!.list.push(3);
      expect(await s.get('cases', 'c')).toEqual({ n: 1, list: [1] });
    });

    it('refuses a collection name with a key separator and applies nothing of that commit', async () => {
      const s = store();
      const stream = fresh('case');
      await expect(
        s.commit(stream, 0, [put('cases', 'ok', { n: 1 }), put('bad:name', 'x', {})]),
      ).rejects.toThrow(/collection/);
      await expect(
        s.commit(stream, 0, [put('cases', 'ok', { fn: () => 1 }), put('cases', 'x', undefined)]),
      ).rejects.toThrow(/JSON/);
      expect(await s.get('cases', 'ok')).toBeNull();
      expect(await s.appliedRevision(stream)).toBeNull();
    });

    const indexed = (
      id: string,
      partition: string,
      caller: string,
      lastDay: string,
      extra: object = {},
    ): Op => ({
      op: 'put',
      collection: 'cases',
      id,
      doc: { id, caller, lastDay, ...extra },
      partition,
      index: [
        { index: 'caller', value: caller, sort: lastDay },
        { index: 'day', value: '', sort: lastDay },
      ],
    });
    const ids = (page: { items: unknown[] }) => page.items.map((d) => (d as { id: string }).id);

    it('keeps secondary indexes in the same commit: entries move when a document changes and go when it is deleted', async () => {
      const s = store();
      const [a, b] = [fresh('case'), fresh('case')];
      await s.commit(a, 0, [indexed('c1', 'moujia', 'caller-1', '2026-02-14')]);
      await s.commit(b, 0, [indexed('c2', 'moujia', 'caller-2', '2026-02-10')]);
      const byCaller = (caller: string) =>
        s.page({
          collection: 'cases',
          partition: 'moujia',
          index: 'caller',
          value: caller,
          limit: 10,
        });
      expect(ids(await byCaller('caller-1'))).toEqual(['c1']);
      // Reassigned: the entry moves with the document, in the same commit.
      await s.commit(a, 1, [indexed('c1', 'moujia', 'caller-2', '2026-02-14')]);
      expect(ids(await byCaller('caller-1'))).toEqual([]);
      expect(ids(await byCaller('caller-2'))).toEqual(['c2', 'c1']);
      expect(
        await s.count({
          collection: 'cases',
          partition: 'moujia',
          index: 'caller',
          value: 'caller-2',
        }),
      ).toBe(2);
      await s.commit(b, 1, [{ op: 'delete', collection: 'cases', id: 'c2', partition: 'moujia' }]);
      expect(ids(await byCaller('caller-2'))).toEqual(['c1']);
      expect(ids(await s.page({ collection: 'cases', partition: 'moujia', limit: 10 }))).toEqual([
        'c1',
      ]);
      expect(await s.get('cases', 'c2')).toBeNull();
      expect(await s.get('cases', 'c1')).toMatchObject({ caller: 'caller-2' });
    });

    it("keeps only the last op's entries when one commit writes a document twice, or writes it and deletes it", async () => {
      const s = store();
      const [a, b] = [fresh('case'), fresh('case')];
      const byCaller = async (caller: string) =>
        ids(
          await s.page({
            collection: 'cases',
            partition: 'moujia',
            index: 'caller',
            value: caller,
            limit: 10,
          }),
        );
      await s.commit(a, 0, [
        indexed('c1', 'moujia', 'caller-1', '2026-02-14'),
        indexed('c1', 'moujia', 'caller-2', '2026-02-14'),
      ]);
      expect(await byCaller('caller-1')).toEqual([]);
      expect(await byCaller('caller-2')).toEqual(['c1']);
      await s.commit(b, 0, [
        indexed('c2', 'moujia', 'caller-3', '2026-02-10'),
        { op: 'delete', collection: 'cases', id: 'c2', partition: 'moujia' },
      ]);
      expect(await byCaller('caller-3')).toEqual([]);
      // Moved away and back within one commit: the entry stays.
      await s.commit(a, 1, [
        indexed('c1', 'moujia', 'caller-4', '2026-02-14'),
        indexed('c1', 'moujia', 'caller-2', '2026-02-14'),
      ]);
      expect(await byCaller('caller-4')).toEqual([]);
      expect(await byCaller('caller-2')).toEqual(['c1']);
      expect(ids(await s.page({ collection: 'cases', partition: 'moujia', limit: 10 }))).toEqual([
        'c1',
      ]);
    });

    it("pages read a put's list form where it gave one, get the whole document; a later put without one, or a delete, leaves none", async () => {
      const s = store();
      const [a, b] = [fresh('case'), fresh('case')];
      const withRow = (id: string, n: number): Op => ({
        ...(indexed(id, 'moujia', 'caller-1', '2026-02-14', {
          n,
          detail: 'x'.repeat(50),
        }) as Extract<Op, { op: 'put' }>),
        row: { id, n },
      });
      const page = () => s.page({ collection: 'cases', partition: 'moujia', limit: 10 });
      // One stream a commit, then a batch, then the exclusive view of a fresh generation.
      await s.commit(a, 0, [withRow('c1', 1)]);
      expect((await page()).items).toEqual([{ id: 'c1', n: 1 }]);
      expect(await s.get('cases', 'c1')).toMatchObject({ n: 1, detail: 'x'.repeat(50) });
      expect(
        await s.commitBatch({
          streams: [{ streamId: b, partition: 'moujia', before: null, after: 0 }],
          ops: [withRow('c2', 2)],
          reads: [],
          events: 1,
        }),
      ).toBe('applied');
      expect((await page()).items).toEqual([
        { id: 'c1', n: 1 },
        { id: 'c2', n: 2 },
      ]);
      // list() is every whole document, not its list form.
      expect(await s.list('cases')).toMatchObject([
        { id: 'c1', n: 1, detail: 'x'.repeat(50) },
        { id: 'c2', n: 2, detail: 'x'.repeat(50) },
      ]);
      // Put again without a list form: the page reads the document, never the stale form.
      await s.commit(a, 1, [indexed('c1', 'moujia', 'caller-1', '2026-02-14', { n: 3 })]);
      expect((await page()).items[0]).toEqual({
        id: 'c1',
        caller: 'caller-1',
        lastDay: '2026-02-14',
        n: 3,
      });
      await s.commit(b, 1, [{ op: 'delete', collection: 'cases', id: 'c2', partition: 'moujia' }]);
      expect((await page()).items).toHaveLength(1);
      await s.commit(b, 2, [withRow('c2', 4)]);
      expect((await page()).items[1]).toEqual({ id: 'c2', n: 4 });
      if (s.beginGeneration) {
        const next = await s.beginGeneration();
        const target = next.exclusive ?? next.store;
        const c = fresh('case');
        await target.commitBatch({
          streams: [{ streamId: c, partition: 'moujia', before: null, after: 0 }],
          ops: [withRow('c3', 5)],
          reads: [],
          events: 1,
        });
        await next.activate({ graceMs: 0 });
        expect((await page()).items).toEqual([{ id: 'c3', n: 5 }]);
        expect(await s.get('cases', 'c3')).toMatchObject({ n: 5, detail: 'x'.repeat(50) });
      }
    });

    it('pages by cursor and limit: each document once, ordered by sort key then id; refuses a limit over 200 and a forged cursor', async () => {
      const s = store();
      const stream = fresh('case');
      const all = Array.from({ length: 45 }, (_, i) =>
        indexed(
          `c${String(i).padStart(2, '0')}`,
          'moujia',
          'caller-1',
          `2026-02-${String(10 + (i % 5)).padStart(2, '0')}`,
        ),
      );
      await s.commit(stream, 0, all);
      const expected = all
        .map((o) => ({ id: o.id, day: (o as { doc: { lastDay: string } }).doc.lastDay }))
        .sort((x, y) => (x.day + x.id < y.day + y.id ? -1 : 1))
        .map((x) => x.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: unknown[]; next: string | null } = await s.page({
          collection: 'cases',
          partition: 'moujia',
          index: 'caller',
          value: 'caller-1',
          cursor,
          limit: 10,
        });
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...ids(page));
        cursor = page.next;
        pages++;
      } while (cursor);
      expect(seen).toEqual(expected);
      expect(pages).toBe(5);
      await expect(
        s.page({ collection: 'cases', partition: 'moujia', limit: 201 }),
      ).rejects.toBeInstanceOf(RangeError);
      await expect(
        s.page({ collection: 'cases', partition: 'moujia', limit: 0 }),
      ).rejects.toBeInstanceOf(RangeError);
      await expect(
        s.page({ collection: 'cases', partition: 'moujia', limit: 5, cursor: 'not-a-cursor' }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      // A last page says so.
      expect(
        (await s.page({ collection: 'cases', partition: 'moujia', limit: 45 })).next,
      ).toBeNull();
    });

    it('ranges by sort key, from inclusive and to exclusive, and counts a range without reading it', async () => {
      const s = store();
      const stream = fresh('case');
      await s.commit(stream, 0, [
        indexed('a', 'moujia', 'c', '2026-02-01'),
        indexed('b', 'moujia', 'c', '2026-02-05'),
        indexed('c', 'moujia', 'c', '2026-02-09'),
      ]);
      const range = { collection: 'cases', partition: 'moujia', index: 'day', from: '2026-02-05' };
      expect(ids(await s.page({ ...range, limit: 10 }))).toEqual(['b', 'c']);
      expect(ids(await s.page({ ...range, to: '2026-02-09', limit: 10 }))).toEqual(['b']);
      expect(await s.count(range)).toBe(2);
      expect(await s.count({ ...range, to: '2026-02-09' })).toBe(1);
      const first = await s.page({ ...range, limit: 1 });
      expect(ids(await s.page({ ...range, cursor: first.next, limit: 1 }))).toEqual(['c']);
    });

    it('keeps partitions apart, keeps a stream in its partition, and refuses one commit across two', async () => {
      const s = store();
      const [a, b] = [fresh('case'), fresh('case')];
      await s.commit(a, 0, [indexed('m1', 'moujia', 'caller-1', '2026-02-14')]);
      await s.commit(b, 0, [indexed('z1', 'zhangcun', 'caller-1', '2026-02-14')]);
      expect(
        ids(
          await s.page({
            collection: 'cases',
            partition: 'moujia',
            index: 'caller',
            value: 'caller-1',
            limit: 10,
          }),
        ),
      ).toEqual(['m1']);
      expect(
        ids(
          await s.page({
            collection: 'cases',
            partition: 'zhangcun',
            index: 'caller',
            value: 'caller-1',
            limit: 10,
          }),
        ),
      ).toEqual(['z1']);
      expect(await s.partitions()).toEqual(['moujia', 'zhangcun']);
      expect(await s.getVersioned('cases', 'm1')).toMatchObject({
        version: 1,
        partition: 'moujia',
      });
      // An op naming no partition goes where its stream is.
      expect(
        await s.commit(a, 1, [{ op: 'put', collection: 'notes', id: 'n1', doc: { n: 1 } }]),
      ).toBe('applied');
      expect(await s.getVersioned('notes', 'n1')).toMatchObject({ partition: 'moujia' });
      await expect(
        s.commit(a, 2, [indexed('z2', 'zhangcun', 'caller-1', '2026-02-14')]),
      ).rejects.toThrow(/partition/);
      await expect(
        s.commit(fresh('case'), 0, [
          indexed('x', 'moujia', 'c', 'd'),
          indexed('y', 'zhangcun', 'c', 'd'),
        ]),
      ).rejects.toThrow(/partition/);
      expect(await s.appliedRevision(a)).toBe(1);
      expect(await s.get('cases', 'z2')).toBeNull();
    });

    it('commits a folded batch in one step per partition, and refuses it whole where a stream or a read moved', async () => {
      const s = store();
      const [a, b, c] = [fresh('case'), fresh('case'), fresh('case')];
      await s.commit(c, 0, [put('people', 'p', { n: 0 })]);
      const ok = await s.commitBatch({
        streams: [
          { streamId: a, partition: 'moujia', before: null, after: 3 },
          { streamId: b, partition: 'zhangcun', before: null, after: 1 },
        ],
        ops: [
          indexed('m1', 'moujia', 'caller-1', '2026-02-14'),
          indexed('z1', 'zhangcun', 'caller-2', '2026-02-14'),
        ],
        reads: [{ collection: 'people', id: 'p', version: 1, partition: '_' }],
        events: 6,
      });
      expect(ok).toBe('applied');
      expect(await s.appliedRevision(a)).toBe(3);
      expect(await s.appliedRevision(b)).toBe(1);
      expect(
        ids(
          await s.page({
            collection: 'cases',
            partition: 'zhangcun',
            index: 'caller',
            value: 'caller-2',
            limit: 5,
          }),
        ),
      ).toEqual(['z1']);
      // Another consumer applied a's revision 4 meanwhile: the batch read a at 3 and is refused.
      await s.commit(a, 4, []);
      const stale = await s.commitBatch({
        streams: [{ streamId: a, partition: 'moujia', before: 3, after: 5 }],
        ops: [indexed('m1', 'moujia', 'caller-9', '2026-02-14')],
        reads: [],
        events: 2,
      });
      expect(stale).toBe('conflict');
      expect(await s.get('cases', 'm1')).toMatchObject({ caller: 'caller-1' });
      expect(await s.appliedRevision(a)).toBe(4);
      const moved = await s.commitBatch({
        streams: [{ streamId: a, partition: 'moujia', before: 4, after: 5 }],
        ops: [],
        reads: [{ collection: 'cases', id: 'm1', version: 0, partition: 'moujia' }],
        events: 1,
      });
      expect(moved).toBe('conflict');
      expect(await s.appliedRevision(a)).toBe(4);
    });

    const perCase: Projection = {
      name: 'per-case',
      handles: ['quarantine.home-quarantine-started', 'quarantine.symptom-check-logged'],
      prefetch: (e) => [{ collection: 'cases', id: e.streamId }],
      async project(event, read) {
        const doc = await read.get<{ id: string; events: number; community: string }>(
          'cases',
          event.streamId,
        );
        const community = doc?.community ?? (event.data as { community: string }).community;
        const n = (doc?.events ?? 0) + 1;
        // 'at' moves with each event: a document's old entry must go when it is rewritten.
        return [
          {
            op: 'put',
            collection: 'cases',
            id: event.streamId,
            partition: community,
            doc: { id: event.streamId, community, events: n },
            index: [
              { index: 'events', value: '', sort: String(n).padStart(4, '0') },
              { index: 'at', value: String(n) },
            ],
          },
        ];
      },
    };

    const ev = (streamId: string, revision: number, community: string): Envelope => ({
      id: randomUUID(),
      type:
        revision === 0 ? 'quarantine.home-quarantine-started' : 'quarantine.symptom-check-logged',
      schemaVersion: 1,
      streamId,
      streamRevision: revision,
      occurredAt: '2026-02-01T00:00:00.000Z',
      recordedAt: '2026-02-01T00:00:00.000Z',
      actor: { id: 'caller-1', role: 'caller' },
      correlationId: randomUUID(),
      causationId: null,
      data: { community },
    });

    it('applies a batch of events exactly as event by event would, skipping what is already applied', async () => {
      const streams = Array.from({ length: 6 }, () => fresh('case'));
      const events = streams.flatMap((id, i) =>
        [0, 1, 2, 3].map((r) => ev(id, r, i % 2 ? 'moujia' : 'zhangcun')),
      );
      // Interleaved across streams, as the log has them.
      events.sort((x, y) => x.streamRevision - y.streamRevision);
      const [byBatch, oneByOne] = [store(), store()];
      await applyEvent(
        perCase,
        byBatch,
        events.find((e) => e.streamId === streams[0] && e.streamRevision === 0)!,
      );
      const result = await applyBatch(perCase, byBatch, [
        ...events.slice(0, 10),
        ...events.slice(0, 10),
        ...events.slice(10),
      ]);
      expect(result).toMatchObject({ applied: 23, duplicates: 11, oneByOne: 0 });
      for (const e of events) await applyEvent(perCase, oneByOne, e);
      for (const id of streams) {
        expect(await byBatch.getVersioned('cases', id)).toEqual({
          ...(await oneByOne.getVersioned('cases', id)),
          version: expect.any(Number),
        });
        expect(await byBatch.appliedRevision(id)).toBe(3);
      }
      for (const community of ['moujia', 'zhangcun']) {
        const page = { collection: 'cases', partition: community, index: 'events', limit: 10 };
        expect(await byBatch.page(page)).toEqual(await oneByOne.page(page));
      }
      // Again: everything is a duplicate, nothing changes.
      expect(await applyBatch(perCase, byBatch, events)).toMatchObject({
        applied: 0,
        duplicates: 24,
      });
    });

    it('writes a generation through its exclusive view (before the switch) as the checked commits would', async () => {
      const s = store();
      const next = await s.beginGeneration!();
      const target = next.exclusive ?? next.store;
      const streams = Array.from({ length: 6 }, () => fresh('case'));
      const events = streams.flatMap((id, i) =>
        [0, 1, 2, 3, 4].map((r) => ev(id, r, i % 2 ? 'moujia' : 'zhangcun')),
      );
      events.sort((x, y) => x.streamRevision - y.streamRevision);
      const oneByOne = store();
      // In three batches: documents written by one batch are rewritten by the next (their old entries must go).
      for (const part of [events.slice(0, 8), events.slice(8, 20), events.slice(20, 26)])
        expect(await applyBatch(perCase, target, part)).toMatchObject({ oneByOne: 0 });
      await next.activate({ graceMs: 0 });
      // After the switch, writers go through the checked commits, on what the exclusive view wrote.
      expect(await applyBatch(perCase, s, events.slice(26))).toMatchObject({
        applied: 4,
        oneByOne: 0,
      });
      for (const e of events) await applyEvent(perCase, oneByOne, e);
      for (const id of streams) {
        expect(await s.getVersioned('cases', id)).toEqual({
          ...(await oneByOne.getVersioned('cases', id)),
          version: expect.any(Number),
        });
        expect(await s.appliedRevision(id)).toBe(4);
      }
      for (const community of ['moujia', 'zhangcun']) {
        for (const value of ['', ...[1, 2, 3, 4, 5].map(String)]) {
          const page = {
            collection: 'cases',
            partition: community,
            index: value === '' ? 'events' : 'at',
            value,
            limit: 10,
          };
          expect(await s.page(page)).toEqual(await oneByOne.page(page));
        }
      }
      // Each document's old 'at' entries went as it was rewritten: only the last (5 events) is left.
      for (const [k, community] of ['zhangcun', 'moujia'].entries()) {
        const mine = streams.filter((_, i) => i % 2 === k).sort();
        expect(
          ids(
            await s.page({
              collection: 'cases',
              partition: community,
              index: 'at',
              value: '5',
              limit: 10,
            }),
          ),
        ).toEqual(mine);
        for (const value of ['1', '2', '3', '4'])
          expect(
            await s.count({ collection: 'cases', partition: community, index: 'at', value }),
          ).toBe(0);
      }
      expect(await applyBatch(perCase, s, events)).toMatchObject({ applied: 0, duplicates: 30 });
    });

    it('builds a fresh generation unseen while the current serves, then switches readers to it at once', async () => {
      const s = store();
      if (!s.beginGeneration) throw new Error('both stores have generations');
      const stream = fresh('case');
      await s.commit(stream, 0, [indexed('old', 'moujia', 'caller-1', '2026-02-14')]);
      await s.checkpoints.store('feeder', '5', null);
      const next = await s.beginGeneration();
      await next.store.commit(stream, 0, [indexed('new', 'moujia', 'caller-1', '2026-02-14')]);
      expect(ids(await s.page({ collection: 'cases', partition: 'moujia', limit: 5 }))).toEqual([
        'old',
      ]);
      expect(await next.store.get('cases', 'old')).toBeNull();
      await next.activate({ graceMs: 0 });
      expect(ids(await s.page({ collection: 'cases', partition: 'moujia', limit: 5 }))).toEqual([
        'new',
      ]);
      expect(await s.get('cases', 'old')).toBeNull();
      expect(await s.appliedRevision(stream)).toBe(0);
      // The feeding processors keep their place across a switch.
      expect(await s.checkpoints.load('feeder')).toBe('5');
      expect(await s.intact()).toBe(true);
    });

    it('lets exactly one of many concurrent commits of the same revision through, from two handles', async () => {
      const ns = `fangyi-test:${randomUUID()}`;
      const [first, second] = [sut.open(ns), sut.open(ns)];
      const stream = fresh('case');
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? first : second).commit(stream, 0, [put('counts', stream, { by: i })]),
        ),
      );
      expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
      const winner = outcomes.indexOf('applied');
      expect(await second.get('counts', stream)).toEqual({ by: winner });
      expect(await first.appliedRevision(stream)).toBe(0);
    });
  });
}
