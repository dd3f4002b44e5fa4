import { describe, expect, it } from 'vitest';
import { AppendBatcher } from './batcher.ts';
import type { PendingAppend } from './append.ts';

const append = (streamId: string) => ({
  streamId,
  events: [],
  expectedRevision: 'any' as const,
  recordedAt: '2026-02-01T00:00:00.000Z',
});
const ok = (p: PendingAppend, tx: string) =>
  p.resolve({ nextExpectedRevision: 0, position: `${tx}:1` });

describe('append write combining', () => {
  it('sends a lone append at once, combines those that wait, one per stream and at most maxBatch', async () => {
    const statements: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const batcher = new AppendBatcher(
      1,
      2,
      async (p) => {
        statements.push([p.streamId]);
        if (statements.length === 1) await first;
        ok(p, String(statements.length));
      },
      async (batch) => {
        statements.push(batch.map((p) => p.streamId));
        for (const p of batch) ok(p, String(statements.length));
      },
    );
    const results = [
      batcher.submit(append('a')),
      batcher.submit(append('b')),
      batcher.submit(append('b')),
      batcher.submit(append('c')),
    ];
    expect(statements).toEqual([['a']]); // alone, at once; the rest wait for the one statement in flight
    release();
    await Promise.all(results);
    // b and c share a statement; the second append to b waits for the first's outcome.
    expect(statements).toEqual([['a'], ['b', 'c'], ['b']]);
  });

  it('retries a failed combined statement one append at a time, so each gets its own outcome', async () => {
    const singles: string[] = [];
    let hold!: () => void;
    const held = new Promise<void>((r) => (hold = r));
    const batcher = new AppendBatcher(
      1,
      8,
      async (p) => {
        singles.push(p.streamId);
        if (p.streamId === 'first') await held;
        if (p.streamId === 'bad') p.reject(new Error('duplicate event id'));
        else ok(p, '7');
      },
      async () => {
        throw new Error('statement failed');
      },
    );
    const first = batcher.submit(append('first'));
    const outcomes = Promise.allSettled([
      batcher.submit(append('good')),
      batcher.submit(append('bad')),
    ]);
    hold();
    await first;
    const [good, bad] = await outcomes;
    expect(good.status).toBe('fulfilled');
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'duplicate event id' } });
    expect(singles.sort()).toEqual(['bad', 'first', 'good']);
  });
});
