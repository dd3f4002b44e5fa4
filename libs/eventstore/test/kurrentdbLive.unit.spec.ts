import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../src/index.ts';
import { liveSubscription, type LiveSource } from '../src/kurrentdb/live.ts';
import { comparePositions } from '../src/kurrentdb/positions.ts';

interface Raw {
  readonly position: string;
  readonly type: string;
}

/**
 * A server in memory: a log, and subscriptions that replay it from their start (inclusive, as
 * KurrentDB's reads are) and then receive each append. Only the loop around the client's stream is
 * under test here; the contract suite runs the adapter on a real server.
 */
function fakeServer() {
  const log: Raw[] = [];
  const live = new Set<PassThrough>();
  const opened: (string | null)[] = [];
  const source: LiveSource<Raw> = {
    open(after) {
      opened.push(after);
      const events = new PassThrough({ objectMode: true });
      for (const raw of log)
        if (after === null || comparePositions(raw.position, after) >= 0) events.write(raw);
      live.add(events);
      return {
        events,
        close: async () => {
          live.delete(events);
          events.end();
        },
      };
    },
    convert: (raw) =>
      raw.type.startsWith('$')
        ? null
        : ({ position: raw.position, type: raw.type } as unknown as RecordedEvent),
    lastPosition: async () => log.filter((r) => !r.type.startsWith('$')).at(-1)?.position ?? null,
    compare: comparePositions,
  };
  return {
    source,
    opened,
    append(type = 'quarantine.test-happened') {
      const raw = { position: `${log.length + 1}:${log.length + 1}`, type };
      log.push(raw);
      for (const s of live) s.write(raw);
      return raw.position;
    },
    fail(error: Error) {
      for (const s of live) s.destroy(error);
    },
  };
}

const tick = (ms = 10) => new Promise((r) => setTimeout(r, ms));

describe('the KurrentDB live subscription loop', () => {
  it("hands over history after `after`, then each new event, in order, passing over the server's own", async () => {
    const server = fakeServer();
    const first = server.append();
    server.append();
    server.append('$metadata');
    server.append();
    const seen: string[] = [];
    const sub = liveSubscription(server.source, {
      after: first,
      onEvents: async (batch) => void seen.push(...batch.map((e) => e.position)),
    });
    expect(await sub.caughtUp()).toBe('4:4');
    expect(seen).toEqual(['2:2', '4:4']);
    const next = server.append();
    await expect.poll(() => seen.at(-1)).toBe(next);
    await sub.stop();
    server.append();
    await tick();
    expect(seen).toEqual(['2:2', '4:4', '5:5']);
  });

  it('puts the events that came while the handler was busy into one batch of at most batchSize', async () => {
    const server = fakeServer();
    const batches: number[] = [];
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const sub = liveSubscription(server.source, {
      after: null,
      batchSize: 3,
      onEvents: async (batch) => {
        batches.push(batch.length);
        await gate;
      },
    });
    server.append();
    await expect.poll(() => batches.length).toBe(1);
    for (let i = 0; i < 5; i++) server.append();
    await tick();
    gate = Promise.resolve();
    release();
    await sub.caughtUp();
    expect(batches).toEqual([1, 3, 2]);
    await sub.stop();
  });

  it('resolves caughtUp() only once everything the server held at the call has been handled', async () => {
    const server = fakeServer();
    for (let i = 0; i < 4; i++) server.append();
    const handled: string[] = [];
    const sub = liveSubscription(server.source, {
      after: null,
      batchSize: 1,
      onEvents: async (batch) => {
        await tick(5);
        handled.push(...batch.map((e) => e.position));
      },
    });
    const at = await sub.caughtUp();
    expect(at).toBe('4:4');
    expect(handled).toEqual(['1:1', '2:2', '3:3', '4:4']);
    await sub.stop();
  });

  it('answers caughtUp() at once on an empty log', async () => {
    const server = fakeServer();
    const sub = liveSubscription(server.source, { after: null, onEvents: async () => {} });
    expect(await sub.caughtUp()).toBeNull();
    await sub.stop();
  });

  it('after a dropped subscription, tells onError and subscribes again after the last handled event: nothing twice, nothing lost', async () => {
    const server = fakeServer();
    server.append();
    server.append();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const sub = liveSubscription(server.source, {
      after: null,
      idleMs: 0,
      onEvents: async (batch) => void seen.push(...batch.map((e) => e.position)),
      onError: (e) => errors.push(e),
    });
    await sub.caughtUp();
    server.fail(new Error('connection reset'));
    server.append();
    await expect.poll(() => server.opened.length, { timeout: 3000 }).toBe(2);
    await sub.caughtUp();
    expect(errors.map((e) => (e as Error).message)).toEqual(['connection reset']);
    expect(server.opened).toEqual([null, '2:2']);
    expect(seen).toEqual(['1:1', '2:2', '3:3']);
    await sub.stop();
  });

  it('gives a batch whose handler failed again, from the same place, and then goes on', async () => {
    const server = fakeServer();
    server.append();
    server.append();
    const calls: string[][] = [];
    const errors: unknown[] = [];
    let failures = 1;
    const sub = liveSubscription(server.source, {
      after: null,
      idleMs: 0,
      onEvents: async (batch) => {
        calls.push(batch.map((e) => e.position));
        if (failures-- > 0) throw new Error('read model down');
      },
      onError: (e) => errors.push(e),
    });
    await expect.poll(() => calls.length, { timeout: 3000 }).toBe(2);
    server.append();
    expect(await sub.caughtUp()).toBe('3:3');
    expect(calls).toEqual([['1:1', '2:2'], ['1:1', '2:2'], ['3:3']]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['read model down']);
    expect(server.opened).toEqual([null, null]);
    await sub.stop();
  });

  it('stop() waits for the batch in hand, hands nothing more and ends a waiting caughtUp()', async () => {
    const server = fakeServer();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const sub = liveSubscription(server.source, {
      after: null,
      onEvents: async (batch) => {
        await gate;
        seen.push(...batch.map((e) => e.position));
      },
    });
    server.append();
    await tick();
    const waiting = sub.caughtUp();
    let stopped = false;
    const stopping = sub.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    server.append();
    release();
    await stopping;
    expect(seen).toEqual(['1:1']);
    expect(await waiting).toBe('1:1');
  });
});
