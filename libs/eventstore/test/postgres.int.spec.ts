import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { PostgresEventStore, type PostgresNotifyMode } from '../src/postgres.ts';
import { appendWithin, migratePostgres } from '../src/postgres.ts';
import { WrongExpectedRevisionError, type RecordedEvent } from '../src/index.ts';
import { event, eventStoreContract } from './contract.ts';

const MISSING_DATABASE = [
  'DATABASE_URL is not set, and the PostgreSQL event store tests need a server.',
  'Start PostgreSQL 15+ (e.g. `pg_ctlcluster 15 main start`, or `docker compose up -d postgres`),',
  "create the database (`psql -h 127.0.0.1 -U postgres -c 'create database fangyi_test'`)",
  'and run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangyi_test',
].join(' ');

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error(MISSING_DATABASE);
  return url;
}

const freshSchema = () => `fangyi_t_${randomBytes(6).toString('hex')}`;

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

// Fails (not skips) without a server, so a missing database is never mistaken for a pass.
it('has a PostgreSQL server to test against (DATABASE_URL)', () => {
  expect(process.env.DATABASE_URL, MISSING_DATABASE).toBeTruthy();
});

eventStoreContract('PostgreSQL', async () => {
  const url = databaseUrl();
  const schema = freshSchema();
  const now = new Date('2026-02-01T00:31:00.000Z');
  let at = now;
  const store = await PostgresEventStore.create({ connectionString: url, schema, clock: () => at });
  return {
    store,
    now,
    setClock: (d: Date) => (at = d),
    async holdAppendOpen(streamId, events) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('BEGIN');
      await appendWithin(client, schema, streamId, events, {
        expectedRevision: 'no-stream',
        recordedAt: now.toISOString(),
      });
      return {
        async commit() {
          await client.query('COMMIT');
          await client.end();
        },
      };
    },
    async cleanup() {
      await store.close();
      await dropSchema(url, schema);
    },
  };
});

describe('PostgreSQL event store specifics', () => {
  let url: string;
  const schemas: string[] = [];
  beforeAll(() => {
    url = databaseUrl();
  });
  afterAll(async () => {
    if (url) for (const s of schemas) await dropSchema(url, s);
  });

  it('migrates safely when several processes start at once, and again later', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      await Promise.all(pools.map((p) => migratePostgres(p, schema)));
      await migratePostgres(pools[0]!, schema);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const store = new PostgresEventStore({ connectionString: url, schema });
    try {
      const r = await store.append('migrated-1', [event()], { expectedRevision: 'no-stream' });
      expect(r.nextExpectedRevision).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('gives a table made before recordedAt was a timestamp its indexed timestamp column, filled from the text', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The events table as the migration made it until 2026-12: recorded_at as text only.
      await client.query(`CREATE SCHEMA "${schema}";
        CREATE TABLE "${schema}".events (global_position bigserial NOT NULL, transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
          id uuid NOT NULL, stream_id text NOT NULL, stream_revision bigint NOT NULL, type text NOT NULL, schema_version integer NOT NULL,
          occurred_at text NOT NULL, recorded_at text NOT NULL, actor jsonb NOT NULL, correlation_id text NOT NULL, causation_id text, data jsonb NOT NULL,
          CONSTRAINT events_pkey PRIMARY KEY (transaction_id, global_position), CONSTRAINT events_id_key UNIQUE (id),
          CONSTRAINT events_stream_revision_key UNIQUE (stream_id, stream_revision));
        INSERT INTO "${schema}".events (id, stream_id, stream_revision, type, schema_version, occurred_at, recorded_at, actor, correlation_id, data)
          VALUES (gen_random_uuid(), 'old-1', 0, 'quarantine.old', 1, '2020-01-29T09:00:00+08:00', '2020-01-29T01:00:00.123Z', '{"id":"x","role":"caller"}', 'c', '{}')`);
      await client.query("SET TimeZone = 'America/New_York'");
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await migratePostgres(pool, schema);
        await migratePostgres(pool, schema);
      } finally {
        await pool.end();
      }
      const row = await client.query<{ ms: string; typ: string }>(
        `SELECT (extract(epoch FROM recorded_at_ts) * 1000)::bigint::text AS ms, pg_typeof(recorded_at_ts)::text AS typ FROM "${schema}".events`,
      );
      expect(row.rows).toEqual([
        { ms: String(Date.parse('2020-01-29T01:00:00.123Z')), typ: 'timestamp with time zone' },
      ]);
      const index = await client.query(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'events_recorded_at_ts_idx'`,
        [schema],
      );
      expect(index.rows[0]?.indexdef).toMatch(/recorded_at_ts/);
    } finally {
      await client.end();
    }
    const store = new PostgresEventStore({
      connectionString: url,
      schema,
      clock: () => new Date('2020-01-30T00:00:00.000Z'),
    });
    try {
      await store.append('new-1', [event()], { expectedRevision: 'no-stream' });
      const before30th = await store.readFiltered({
        filter: { recordedBefore: '2020-01-30T00:00:00Z' },
      });
      expect(before30th.map((e) => e.streamId)).toEqual(['old-1']);
      expect(before30th[0]!.recordedAt).toBe('2020-01-29T01:00:00.123Z');
    } finally {
      await store.close();
    }
  });

  for (const mode of ['after-commit', 'in-transaction'] satisfies PostgresNotifyMode[]) {
    it(`wakes a subscriber in another process at once via LISTEN/NOTIFY (${mode})`, async () => {
      const schema = freshSchema();
      schemas.push(schema);
      const writer = await PostgresEventStore.create({
        connectionString: url,
        schema,
        notify: mode,
      });
      const reader = new PostgresEventStore({ connectionString: url, schema });
      const seen: RecordedEvent[] = [];
      // A 60 s poll interval: only a notification can deliver within the test's few seconds.
      const sub = reader.subscribeToAll({
        after: null,
        idleMs: 60_000,
        onEvents: async (b) => void seen.push(...b),
      });
      try {
        await sub.caughtUp();
        await new Promise((r) => setTimeout(r, 300)); // let the reader's LISTEN connection come up
        const started = Date.now();
        await writer.append('woken-1', [event()], { expectedRevision: 'no-stream' });
        await expect.poll(() => seen.length, { timeout: 3000, interval: 10 }).toBe(1);
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await sub.stop();
        await reader.close();
        await writer.close();
      }
    });
  }

  it('gives each combined append its own outcome: winners, stale losers, and a bad append that fails the statement', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    // One statement at a time, so appends made while it runs are combined into the next one.
    const store = await PostgresEventStore.create({
      connectionString: url,
      schema,
      appendConcurrency: 1,
    });
    try {
      await store.append('mix-existing', [event(), event()], { expectedRevision: 'no-stream' });
      const duplicate = event();
      await store.append('mix-dup-source', [duplicate], { expectedRevision: 'no-stream' });
      const blocker = store.append('mix-blocker', [event()], { expectedRevision: 'no-stream' });
      const results = await Promise.allSettled([
        store.append('mix-new', [event(), event(), event()], { expectedRevision: 'no-stream' }),
        store.append('mix-existing', [event()], { expectedRevision: 1 }),
        store.append('mix-existing', [event()], { expectedRevision: 1 }), // same stream: waits for the one before, then loses
        store.append('mix-any', [event()], { expectedRevision: 'any' }),
        store.append('mix-dup-source', [event()], { expectedRevision: 'no-stream' }),
        store.append('mix-missing', [event()], { expectedRevision: 4 }),
      ]);
      await blocker;
      // A duplicate event id fails the combined statement; the others are retried one by one.
      const blocker2 = store.append('mix-blocker-2', [event()], { expectedRevision: 'no-stream' });
      const [dup, fine] = await Promise.allSettled([
        store.append('mix-dup', [duplicate], { expectedRevision: 'no-stream' }),
        store.append('mix-fine', [event()], { expectedRevision: 'no-stream' }),
      ]);
      await blocker2;
      const outcome = results.map((r) =>
        r.status === 'fulfilled' ? r.value.nextExpectedRevision : r.reason,
      );
      expect(outcome[0]).toBe(2);
      expect(outcome[1]).toBe(2);
      expect(outcome[2]).toMatchObject({
        name: 'WrongExpectedRevisionError',
        expected: 1,
        actual: 2,
      });
      expect(outcome[3]).toBe(0);
      expect(outcome[4]).toMatchObject({ name: 'WrongExpectedRevisionError', actual: 0 });
      expect(outcome[5]).toMatchObject({ name: 'WrongExpectedRevisionError', actual: 'no-stream' });
      // The winners were combined: one transaction (the first part of a PostgreSQL position).
      const winners = [results[0], results[1], results[3]].map((r) =>
        r.status === 'fulfilled' ? r.value.position.split(':')[0] : r.reason,
      );
      expect(new Set(winners).size).toBe(1);
      expect(dup.status === 'rejected' && dup.reason).not.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(dup.status === 'rejected' && dup.reason).toMatchObject({ code: '23505' });
      expect(fine.status === 'fulfilled' && fine.value.nextExpectedRevision).toBe(0);
      expect((await store.readStream('mix-new')).map((e) => e.streamRevision)).toEqual([0, 1, 2]);
      expect((await store.readStream('mix-existing')).map((e) => e.streamRevision)).toEqual([
        0, 1, 2,
      ]);
      expect(await store.readStream('mix-dup')).toEqual([]);
      expect(await store.readStream('mix-missing')).toEqual([]);
      // All in commit order in the global log, each stream's events in revision order.
      const log = await store.readAll({ limit: 100 });
      const mixNew = log.filter((e) => e.streamId === 'mix-new');
      expect(mixNew.map((e) => e.streamRevision)).toEqual([0, 1, 2]);
    } finally {
      await store.close();
    }
  });

  it('is not held back by a write transaction left open in another database or on another table, yet never skips its own in-flight append', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const scratch = `fangyi_scratch_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${scratch}`);
    const otherUrl = new URL(url);
    otherUrl.pathname = `/${scratch}`;
    const elsewhere = new pg.Client({ connectionString: otherUrl.toString() });
    const sameDb = new pg.Client({ connectionString: url });
    const ours = new pg.Client({ connectionString: url });
    const store = await PostgresEventStore.create({ connectionString: url, schema });
    const seen: RecordedEvent[] = [];
    const sub = store.subscribeToAll({
      after: null,
      idleMs: 50,
      onEvents: async (b) => void seen.push(...b),
    });
    try {
      await Promise.all([elsewhere.connect(), sameDb.connect(), ours.connect()]);
      // Held open for the rest of the test: a transaction with an id in another database, and one in
      // ours that writes a table other than the event store (a report, a migration of something else).
      await elsewhere.query('BEGIN');
      const { rows } = await elsewhere.query<{ xid: string }>('SELECT txid_current()::text AS xid');
      await sameDb.query('BEGIN');
      await sameDb.query(`CREATE TABLE "${schema}".report_scratch (n int)`);
      await sameDb.query(`INSERT INTO "${schema}".report_scratch VALUES (1)`);
      const before = await store.append('after-long-tx-1', [event()], {
        expectedRevision: 'no-stream',
      });
      // The event was appended by a later transaction than the ones held open...
      expect(BigInt(before.position.split(':')[0]!)).toBeGreaterThan(BigInt(rows[0]!.xid));
      // ...and is readable at once (a view that reads its own write keeps its promise)...
      const read = await store.readAll({ limit: 1000 });
      expect(read.map((e) => e.streamId)).toContain('after-long-tx-1');
      // ...and a subscriber gets it within a few seconds.
      const started = Date.now();
      await expect
        .poll(() => seen.map((e) => e.streamId), { timeout: 3000, interval: 20 })
        .toContain('after-long-tx-1');
      expect(Date.now() - started).toBeLessThan(3000);

      // One of our own appends in flight still holds readers back: nothing after it is read until it commits.
      await ours.query('BEGIN');
      await appendWithin(ours, schema, 'held-own-1', [event()], {
        expectedRevision: 'no-stream',
        recordedAt: new Date().toISOString(),
      });
      await store.append('after-held-own-1', [event()], { expectedRevision: 'no-stream' });
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.map((e) => e.streamId)).not.toContain('after-held-own-1');
      await ours.query('COMMIT');
      await expect
        .poll(() => seen.map((e) => e.streamId).filter((s) => s !== 'after-long-tx-1'), {
          timeout: 3000,
          interval: 20,
        })
        .toEqual(['held-own-1', 'after-held-own-1']);
    } finally {
      await sub.stop();
      await store.close();
      await elsewhere.end().catch(() => {});
      await sameDb.end().catch(() => {});
      await ours.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('leases: one holder per name across stores; the lease is lost when its connection is ended, and another store takes it', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const a = await PostgresEventStore.create({ connectionString: url, schema });
    const b = new PostgresEventStore({ connectionString: url, schema });
    const other = new PostgresEventStore({ connectionString: url, schema: freshSchema() });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const held = await a.leases.tryAcquire('relay-x');
      expect(held).not.toBeNull();
      expect(await b.leases.tryAcquire('relay-x')).toBeNull();
      expect(await b.leases.tryAcquire('relay-y')).not.toBeNull(); // another name
      expect(await other.leases.tryAcquire('relay-x')).not.toBeNull(); // another schema
      const { rows } = await admin.query<{ pid: number }>(
        // A bigint advisory key shows as its high and low 32 bits.
        `SELECT l.pid FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid::text::bigint = (h.k >> 32) & 4294967295 AND l.objid::text::bigint = h.k & 4294967295`,
        [`fangyi:${schema}:relay-x`],
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await expect.poll(() => held!.lost.aborted, { timeout: 3000, interval: 10 }).toBe(true);
      await expect
        .poll(async () => (await b.leases.tryAcquire('relay-x')) !== null, {
          timeout: 3000,
          interval: 100,
        })
        .toBe(true);
      expect(await a.leases.tryAcquire('relay-x')).toBeNull();
    } finally {
      await admin.end();
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('reads a stream by revision and the log by position in numeric order, past 9 and 99', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const store = await PostgresEventStore.create({ connectionString: url, schema });
    try {
      // One append of 120 events: one transaction, global positions 1 to 120, revisions 0 to 119.
      await store.append(
        'many',
        Array.from({ length: 120 }, (_, n) => event('quarantine.test-happened', { n })),
        { expectedRevision: 'no-stream' },
      );
      const numbers = Array.from({ length: 120 }, (_, n) => n);
      expect((await store.readStream('many')).map((e) => e.streamRevision)).toEqual(numbers);
      expect((await store.readStream('many', { fromRevision: 5 }))[0]!.streamRevision).toBe(5);
      expect(
        (await store.readAll({ limit: 1000 })).map((e) => (e.data as { n: number }).n),
      ).toEqual(numbers);
    } finally {
      await store.close();
    }
  });

  it('round-trips timestamps byte for byte and keeps positions in commit order', async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const store = await PostgresEventStore.create({
      connectionString: url,
      schema,
      clock: () => new Date('2026-02-01T00:31:00.123Z'),
    });
    try {
      const e = { ...event(), occurredAt: '2026-02-01T08:30:00.120000+08:00' };
      await store.append('ts-1', [e], { expectedRevision: 'no-stream' });
      const [read] = await store.readStream('ts-1');
      expect(read!.occurredAt).toBe('2026-02-01T08:30:00.120000+08:00');
      expect(read!.recordedAt).toBe('2026-02-01T00:31:00.123Z');
      await expect(store.readAll({ after: 'not-a-position' })).rejects.toThrow(
        /not a PostgreSQL event store position/,
      );
    } finally {
      await store.close();
    }
  });
});
