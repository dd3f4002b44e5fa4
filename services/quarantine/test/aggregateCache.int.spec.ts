import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { AggregateCache, DomainError, handleCommand, loadAggregate } from '@fangyi/service-kit';
import { homeQuarantineDecider, streamIdOf } from '../src/index.ts';

type Command = Parameters<typeof homeQuarantineDecider.decide>[0];

/**
 * The folded state a process keeps of the streams it decided on lately (the aggregate cache), on
 * the real SQLite store: a command reads only what was appended since, sees what another writer
 * appended in between, and decides on the same state as a fold from scratch.
 */
describe('deciding on a cached fold of a stream (SQLite event store, the home-quarantine decider)', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;
  /** What the command loop asked of the store: each readStream's fromRevision. */
  const reads: number[] = [];
  let counted: EventStore;
  const now = new Date('2020-01-29T01:00:00Z'); // 09:00 in Asia/Shanghai
  const meta = () => ({
    actor: { id: 'caller-1', role: 'caller' as const },
    correlationId: 'test',
    occurredAt: now,
    newId: () => uuidv7(),
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-cache-'));
    path = join(dir, 'events.db');
    store = new SqliteEventStore({ path, clock: () => now });
    counted = Object.create(store, {
      readStream: {
        value: (streamId: string, options?: { fromRevision?: number }) => {
          reads.push(options?.fromRevision ?? 0);
          return store.readStream(streamId, options);
        },
      },
    }) as EventStore;
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (caseId: string): Command => ({
    type: 'StartHomeQuarantine',
    data: {
      caseId,
      personId: `p-${caseId}`,
      personName: '王芳',
      community: 'moujia',
      startDate: '2020-01-28',
      periodDays: 14,
      reason: 'arrival-from-risk-area',
      assignedCaller: 'caller-1',
      facts: {
        person: { community: 'moujia', status: 'living' },
        activeCaseId: null,
        callers: new Map([['moujia', ['caller-1']]]),
      },
    },
  });
  const check = (
    caseId: string,
    date: string,
    slot: 'am' | 'pm',
    temperatureC = 36.6,
  ): Command => ({
    type: 'LogSymptomCheck',
    data: {
      caseId,
      checkId: uuidv7(),
      escalationId: uuidv7(),
      today: '2020-01-29',
      date,
      slot,
      temperatureC,
      symptoms: [],
      reachedVia: 'phone',
      correction: false,
      feverThresholdC: 37.3,
      checkedAtLocal: { date: '2020-01-29', minutes: 9 * 60 },
      window: { opens: 360, earlyMinutes: 30 },
    },
  });

  it('reads only the events appended since its last decision, and decides on the same state as a fold from scratch', async () => {
    const caseId = uuidv7();
    const stream = streamIdOf(caseId);
    reads.length = 0;
    await handleCommand(counted, stream, homeQuarantineDecider, start(caseId), meta());
    await handleCommand(
      counted,
      stream,
      homeQuarantineDecider,
      check(caseId, '2020-01-28', 'am'),
      meta(),
    );
    const last = await handleCommand(
      counted,
      stream,
      homeQuarantineDecider,
      check(caseId, '2020-01-28', 'pm'),
      meta(),
    );
    // The first command folds from revision 0; each later one starts after the revision it left.
    expect(reads).toEqual([0, 1, 2]);
    const fresh = await loadAggregate(store, stream, homeQuarantineDecider);
    expect(last.revision).toBe(fresh.revision);
    expect(last.state).toEqual(fresh.state);
  });

  it('sees what another writer appended in between: the same slot twice is refused, not recorded twice', async () => {
    const caseId = uuidv7();
    const stream = streamIdOf(caseId);
    await handleCommand(counted, stream, homeQuarantineDecider, start(caseId), meta());
    // Another process (its own store object on the same file, so its own cache) logs the morning check.
    const other = new SqliteEventStore({ path, clock: () => now });
    try {
      await handleCommand(
        other,
        stream,
        homeQuarantineDecider,
        check(caseId, '2020-01-29', 'am'),
        meta(),
      );
    } finally {
      await other.close();
    }
    reads.length = 0;
    const refused = await handleCommand(
      counted,
      stream,
      homeQuarantineDecider,
      check(caseId, '2020-01-29', 'am', 38.5),
      meta(),
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe('SLOT_ALREADY_CHECKED');
    expect(reads).toEqual([1]);
    const types = (await store.readStream(stream)).map((e) => e.type);
    expect(types.filter((t) => t === 'quarantine.symptom-check-logged')).toHaveLength(1);
  });

  it('keeps at most its bound of streams, the least recently used leaving first, and never goes back to an older revision', () => {
    const cache = new AggregateCache(2);
    cache.set('a', { state: 'a0', revision: 0 });
    cache.set('b', { state: 'b0', revision: 0 });
    expect(cache.get('a')?.state).toBe('a0'); // a is now the most recently used
    cache.set('c', { state: 'c0', revision: 0 });
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    cache.set('a', { state: 'a3', revision: 3 });
    cache.set('a', { state: 'a2', revision: 2 });
    expect(cache.get('a')).toEqual({ state: 'a3', revision: 3 });
    expect(() => new AggregateCache(-1)).toThrow(RangeError);
  });
});
