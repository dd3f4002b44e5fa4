import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../src/index.ts';
import { event, eventStoreContract } from './contract.ts';

eventStoreContract('SQLite (node:sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-sqlite-'));
  const now = new Date('2026-02-01T00:31:00.000Z');
  let at = now;
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => at });
  return {
    store,
    now,
    setClock: (d: Date) => (at = d),
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite: the tail a store object keeps of what it committed', () => {
  it('reads the same as the file, also when another connection wrote rows in between', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fangyi-sqlite-tail-'));
    const path = join(dir, 'events.db');
    const a = new SqliteEventStore({ path });
    const b = new SqliteEventStore({ path });
    try {
      await a.append('tail-a', [event(), event()], { expectedRevision: 'no-stream' });
      await b.append('tail-b', [event()], { expectedRevision: 'no-stream' });
      await a.append('tail-a', [event()], { expectedRevision: 1 });
      await Promise.all([
        a.append('tail-c', [event()], { expectedRevision: 'no-stream' }),
        a.append('tail-d', [event(), event()], { expectedRevision: 'no-stream' }),
      ]);
      // A third object has no tail: what it reads is the file.
      const fresh = new SqliteEventStore({ path });
      const fromFile = await fresh.readAll();
      await fresh.close();
      expect(fromFile.map((e) => e.streamId)).toEqual([
        'tail-a',
        'tail-a',
        'tail-b',
        'tail-a',
        'tail-c',
        'tail-d',
        'tail-d',
      ]);
      for (const reader of [a, b]) {
        for (let after = 0; after <= fromFile.length; after++) {
          for (const limit of [1, 2, 1000]) {
            const page = await reader.readAll({ after: String(after), limit });
            expect(page, `after ${after}, limit ${limit}`).toEqual(
              fromFile.slice(after, after + limit),
            );
          }
        }
      }
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
