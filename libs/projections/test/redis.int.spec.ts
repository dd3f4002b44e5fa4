import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadModelLostError, RedisProjectionStore } from '../src/index.ts';
import { projectionStoreContract } from './contract.ts';

const MISSING_REDIS =
  'REDIS_URL is not set: these tests need a Redis 7. Start one with ' +
  '`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no` ' +
  'and run with REDIS_URL=redis://127.0.0.1:6379';

/** A connection that fails fast instead of queueing commands while Redis is unreachable. */
async function connect(): Promise<Redis> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error(MISSING_REDIS);
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `cannot reach Redis at ${url} (${(error as Error).message}); ${MISSING_REDIS.slice(MISSING_REDIS.indexOf('Start'))}`,
    );
  }
  return redis;
}

projectionStoreContract('Redis', async () => {
  // Each handle gets its own connection, so "two handles" really are two clients racing.
  const opened: { redis: Redis; store: RedisProjectionStore }[] = [];
  const redisFor = await Promise.all([connect(), connect()]);
  return {
    open(namespace) {
      const store = new RedisProjectionStore({ redis: redisFor[opened.length % 2]!, namespace });
      opened.push({ redis: redisFor[opened.length % 2]!, store });
      return store;
    },
    async cleanup() {
      for (const { store } of opened) await store.reset();
      for (const redis of redisFor) await redis.quit();
    },
  };
});

describe('RedisProjectionStore specifics', () => {
  let redis: Redis;
  const namespaces: RedisProjectionStore[] = [];
  const open = (clock?: () => Date) => {
    const store = new RedisProjectionStore({
      redis,
      namespace: `fangyi-test:${randomUUID()}`,
      ...(clock ? { clock } : {}),
    });
    namespaces.push(store);
    return store;
  };
  const keysUnder = async (ns: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${ns}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found.sort();
  };

  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(async () => {
    for (const store of namespaces) await store.reset();
    await redis?.quit();
  });

  it('lays keys out as documented: a generation pointer; per partition (hash tag) documents, indexes, applied revisions and meta', async () => {
    const at = new Date('2026-02-01T00:31:00.000Z');
    const store = open(() => at);
    const ns = store.namespace;
    await store.commit('case-1', 0, [
      {
        op: 'put',
        collection: 'cases',
        id: 'c1',
        doc: { name: '张三' },
        partition: 'moujia',
        index: [{ index: 'caller', value: 'caller-1', sort: '2026-02-14' }],
      },
    ]);
    await store.commit('case-1', 1, [
      { op: 'put', collection: 'cases', id: 'c2', doc: { name: '李四' } },
    ]);
    await store.commit('case-1', 1, []);
    await store.commit('other', 0, [{ op: 'put', collection: 'people', id: 'p1', doc: { n: 1 } }]);
    const g = await redis.get(`${ns}:current`);
    expect(g).toMatch(/^g\d+[0-9a-f]{6}$/);
    const p = `${ns}:${g}:{moujia}:`;
    const d = `${ns}:${g}:{_}:`;
    expect(await keysUnder(ns)).toEqual(
      [
        `${ns}:current`,
        `${ns}:generations`,
        `${ns}:${g}:dir`,
        `${ns}:${g}:partitions`,
        `${p}applied`,
        `${p}doc:cases:c1`,
        `${p}doc:cases:c2`,
        `${p}ix:cases:all:`,
        `${p}ix:cases:caller:caller-1`,
        `${p}meta`,
        `${d}applied`,
        `${d}doc:people:p1`,
        `${d}ix:people:all:`,
        `${d}meta`,
      ].sort(),
    );
    expect(await redis.hgetall(`${p}doc:cases:c1`)).toEqual({
      d: JSON.stringify({ name: '张三' }),
      v: '1',
      x: `ix:cases:all:\u0001\u0000c1\u0002ix:cases:caller:caller-1\u0001${'2026-02-14'}\u0000c1`,
    });
    expect(await redis.zrange(`${p}ix:cases:caller:caller-1`, 0, -1)).toEqual([
      '2026-02-14\u0000c1',
    ]);
    // The stream's second commit named no partition: it stays in its stream's.
    expect(await redis.hget(`${p}doc:cases:c2`, 'd')).toBe(JSON.stringify({ name: '李四' }));
    expect(await redis.hget(`${p}applied`, 'case-1')).toBe('1');
    expect(await redis.hgetall(`${ns}:${g}:dir`)).toEqual({
      's:case-1': 'moujia',
      'd:cases:c1': 'moujia',
      'd:cases:c2': 'moujia',
    });
    expect(await store.meta()).toEqual({ appliedCount: 3, lastAppliedAt: at.toISOString() });
    expect(await store.partitions()).toEqual(['_', 'moujia']);
  });

  it('a reading store with pinCacheMs pins the generation it last read for that long, and the replaced one stays whole meanwhile', async () => {
    const writer = open();
    const reader = new RedisProjectionStore({
      redis,
      namespace: writer.namespace,
      pinCacheMs: 300,
    });
    await writer.commit('s', 0, [
      { op: 'put', collection: 'cases', id: 'old', doc: { n: 1 }, partition: 'moujia' },
    ]);
    const ids = async () =>
      (
        await (
          await reader.pin()
        ).page<{ n: number }>({ collection: 'cases', partition: 'moujia', limit: 5 })
      ).items.map((d) => d.n);
    expect(await ids()).toEqual([1]);
    const next = await writer.beginGeneration();
    await next.store.commit('s', 0, [
      { op: 'put', collection: 'cases', id: 'new', doc: { n: 2 }, partition: 'moujia' },
    ]);
    await next.activate({ graceMs: 2_000 });
    // Within the cache's time: still the replaced generation, whole.
    expect(await ids()).toEqual([1]);
    await new Promise((r) => setTimeout(r, 350));
    expect(await ids()).toEqual([2]);
  });

  it('applies nothing of a commit when an op fails half-way (a key of the wrong type)', async () => {
    const store = open();
    await store.commit('case-0', 0, [{ op: 'put', collection: 'people', id: 'p0', doc: { n: 0 } }]);
    const prefix = `${store.namespace}:${await redis.get(`${store.namespace}:current`)}:{_}:`;
    // Something outside the projection broke a document's key: HSET on it would fail with WRONGTYPE.
    await redis.set(`${prefix}doc:cases:c1`, 'not a hash');
    const commit = store.commit('case-1', 0, [
      { op: 'put', collection: 'people', id: 'p1', doc: { n: 1 } },
      { op: 'delete', collection: 'people', id: 'p0' },
      { op: 'put', collection: 'cases', id: 'c1', doc: { n: 1 } },
    ]);
    await expect(commit).rejects.toThrow(/WRONGTYPE/);
    expect(await store.get('people', 'p1')).toBeNull();
    expect(await store.get('people', 'p0')).toEqual({ n: 0 });
    expect(await store.count({ collection: 'people', partition: '_' })).toBe(1);
    expect(await store.appliedRevision('case-1')).toBeNull();
    expect((await store.meta()).appliedCount).toBe(1);
    // Once repaired, the same event applies in full.
    await redis.del(`${prefix}doc:cases:c1`);
    expect(
      await store.commit('case-1', 0, [
        { op: 'put', collection: 'cases', id: 'c1', doc: { n: 1 } },
      ]),
    ).toBe('applied');
  });

  it('loads the commit script with EVAL when the server does not have it (after a restart)', async () => {
    // Simulated rather than SCRIPT FLUSH: the Redis is shared with other test runs.
    let evalshaCalls = 0;
    const forgetful = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'evalsha' && evalshaCalls++ === 0)
          return async () =>
            Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const store = new RedisProjectionStore({
      redis: forgetful,
      namespace: `fangyi-test:${randomUUID()}`,
    });
    namespaces.push(store);
    expect(
      await store.commit('s', 0, [{ op: 'put', collection: 'cases', id: 'c', doc: { ok: true } }]),
    ).toBe('applied');
    expect(await store.commit('s', 0, [])).toBe('duplicate');
    expect(evalshaCalls).toBe(2);
    expect(await store.get('cases', 'c')).toEqual({ ok: true });
  });

  it('lists and resets thousands of documents in chunks, leaving no key of the namespace behind', async () => {
    const store = open();
    const other = open();
    const ids = Array.from({ length: 2400 }, (_, i) => `p-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < ids.length; i += 400) {
      await store.commit(
        'bulk',
        i / 400,
        ids
          .slice(i, i + 400)
          .map((id) => ({ op: 'put' as const, collection: 'people', id, doc: { id } })),
      );
    }
    await other.commit('bulk', 0, [{ op: 'put', collection: 'people', id: 'x', doc: { id: 'x' } }]);
    const listed = await store.list<{ id: string }>('people');
    expect(listed.map((d) => d.id)).toEqual(ids);
    await store.reset();
    expect(await keysUnder(store.namespace)).toEqual([]);
    expect(await store.meta()).toEqual({ appliedCount: 0, lastAppliedAt: null });
    expect(await other.list('people')).toEqual([{ id: 'x' }]);
  });

  it('guarded, refuses every commit until the namespace is marked intact, and again once its keys are gone', async () => {
    const namespace = `fangyi-test:${randomUUID()}`;
    const store = new RedisProjectionStore({ redis, namespace, guarded: true });
    namespaces.push(store);
    const put = (id: string) => [{ op: 'put' as const, collection: 'cases', id, doc: { id } }];
    expect(await store.intact()).toBe(false);
    await expect(store.commit('s', 0, put('a'))).rejects.toBeInstanceOf(ReadModelLostError);
    expect(await store.get('cases', 'a')).toBeNull();
    // The rebuild writes through the unguarded view, then marks the namespace whole.
    expect(await store.unguarded().commit('s', 0, put('a'))).toBe('applied');
    await store.markIntact();
    expect(await store.commit('s', 1, put('b'))).toBe('applied');
    // What a Redis restart does: every key gone. The next commit must not patch the empty model.
    const keys = await keysUnder(namespace);
    await redis.del(...keys);
    await expect(store.commit('s', 2, put('c'))).rejects.toBeInstanceOf(ReadModelLostError);
    expect(await keysUnder(namespace)).toEqual([]);
  });

  it('never makes a generation current by reading: a guarded writer still finds its keys lost', async () => {
    const namespace = `fangyi-test:${randomUUID()}`;
    const reader = new RedisProjectionStore({ redis, namespace });
    const writer = new RedisProjectionStore({ redis, namespace, guarded: true });
    namespaces.push(reader);
    const pinned = await reader.pin();
    expect(await pinned.page({ collection: 'cases', partition: 'moujia', limit: 10 })).toEqual({
      items: [],
      next: null,
    });
    expect(await reader.get('cases', 'c1')).toBeNull();
    expect(await redis.get(`${namespace}:current`)).toBeNull();
    await expect(
      writer.commit('s', 0, [{ op: 'put', collection: 'cases', id: 'c1', doc: {} }]),
    ).rejects.toBeInstanceOf(ReadModelLostError);
    await expect(writer.pin()).rejects.toBeInstanceOf(ReadModelLostError);
  });

  it('lets one process at a time hold the rebuild lock, and frees it on release', async () => {
    const store = open();
    const release = await store.lockRebuild(10_000);
    expect(release).not.toBeNull();
    expect(await store.lockRebuild(10_000)).toBeNull();
    await release!();
    const again = await store.lockRebuild(10_000);
    expect(again).not.toBeNull();
    await again!();
  });

  it('keeps the rebuild lock while its holder lives, and frees it within its TTL once the holder is gone', async () => {
    const store = open();
    const release = await store.lockRebuild(300);
    expect(release).not.toBeNull();
    // A live rebuild outlasts the TTL: its holder renews the lock.
    await new Promise((r) => setTimeout(r, 900));
    expect(await store.lockRebuild(300)).toBeNull();
    await release!();
    // What a rebuilder killed mid-rebuild leaves behind: a lock nobody renews.
    await redis.set(`${store.namespace}:rebuild-lock`, 'a-dead-process', 'PX', 300);
    expect(await store.lockRebuild(300)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    const next = await store.lockRebuild(300);
    expect(next).not.toBeNull();
    await next!();
  });

  it('does not close the connection it was given: it belongs to the caller', async () => {
    const store = open();
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });
});
