import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { assertCollection, assertRevision, encodeOps, type Clock, type ProjectionStoreMeta } from './docs.ts';
import { CheckpointConflictError, type CheckpointStore } from '@fangyi/eventstore';
import { ReadModelLostError, type CommitOutcome, type DocVersion, type Op, type ProjectionStore } from './port.ts';

/**
 * KEYS: [1] applied hash, [2] meta hash, [3] versions hash, then per op i: [2 + 2i] document key,
 * [3 + 2i] index set.
 * ARGV: [1] stream id, [2] revision, [3] now (ISO), [4] '1' when guarded, [5] r, the number of
 * documents read; per read j: [4 + 2j] its versions field, [5 + 2j] the version read; then from
 * base = 5 + 2r, per op i: [base + 4i - 3] 'put'|'delete', [base + 4i - 2] id, [base + 4i - 1]
 * JSON, [base + 4i] its versions field.
 * Returns 1 applied, 0 duplicate, -1 when guarded and the namespace is not marked intact (lost),
 * -2 when a document read has been written since (a conflict: project again on fresh reads).
 *
 * Redis runs a script without interleaving, but does not roll back a script's earlier writes when
 * a later command fails. So every key's type is checked before the first write: the only failures
 * left after that point are ones Redis itself cannot survive.
 */
const COMMIT_SCRIPT = `
if ARGV[4] == '1' and redis.call('HGET', KEYS[2], 'intact') ~= '1' then return -1 end
local applied = redis.call('HGET', KEYS[1], ARGV[1])
local revision = tonumber(ARGV[2])
if applied and tonumber(applied) >= revision then return 0 end
local r = tonumber(ARGV[5])
for j = 1, r do
  local seen = redis.call('HGET', KEYS[3], ARGV[4 + 2 * j]) or '0'
  if seen ~= ARGV[5 + 2 * j] then return -2 end
end
local function expect_type(key, a, b)
  local t = redis.call('TYPE', key)['ok']
  if t ~= a and t ~= b then
    return redis.error_reply('WRONGTYPE projection key ' .. key .. ' holds a ' .. t .. ', expected ' .. b)
  end
end
local err = expect_type(KEYS[2], 'none', 'hash') or expect_type(KEYS[3], 'none', 'hash')
if err then return err end
local n = (#KEYS - 3) / 2
for i = 1, n do
  err = expect_type(KEYS[2 + 2 * i], 'none', 'string') or expect_type(KEYS[3 + 2 * i], 'none', 'set')
  if err then return err end
end
local base = 5 + 2 * r
for i = 1, n do
  local doc, idx = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local kind, id = ARGV[base + 4 * i - 3], ARGV[base + 4 * i - 2]
  if kind == 'put' then
    redis.call('SET', doc, ARGV[base + 4 * i - 1])
    redis.call('SADD', idx, id)
  else
    redis.call('DEL', doc)
    redis.call('SREM', idx, id)
  end
  redis.call('HINCRBY', KEYS[3], ARGV[base + 4 * i], 1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'appliedCount', 1)
redis.call('HSET', KEYS[2], 'lastAppliedAt', ARGV[3])
return 1
`;
const COMMIT_SHA = createHash('sha1').update(COMMIT_SCRIPT).digest('hex');

/** KEYS: [1] checkpoints hash. ARGV: [1] name, [2] new position, [3] expected position ('' for none). Returns the actual one on a conflict. */
const CHECKPOINT_SCRIPT = `
local actual = redis.call('HGET', KEYS[1], ARGV[1])
if (actual or '') ~= ARGV[3] then return {0, actual or ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, ARGV[2]}
`;

/** MGET and UNLINK batch size: large enough to be quick, small enough not to block Redis. */
const CHUNK = 500;

export interface RedisProjectionStoreOptions {
  /** The caller owns the connection: several stores may share it, and close() leaves it open. */
  readonly redis: Redis;
  /** Prefix of every key of this read model, e.g. `fangyi:roster`. */
  readonly namespace: string;
  readonly clock?: Clock;
  /**
   * Refuse every commit (ReadModelLostError) while the namespace is not marked intact: a read
   * model fed from Kafka whose keys vanished (Redis restarted, keys deleted) must be rebuilt from
   * the event store, not patched by the events that happen to come next. Default false.
   */
  readonly guarded?: boolean;
}

/**
 * A read model in Redis. Documents are JSON strings under `ns:doc:<collection>:<id>`, each
 * collection's ids a set under `ns:idx:<collection>`, each stream's applied revision a field of
 * the hash `ns:applied`, and `ns:meta` holds appliedCount and lastAppliedAt. A commit is one Lua
 * script, so the revision check, the ops and the new revision are applied together or not at all.
 */
export class RedisProjectionStore implements ProjectionStore {
  private readonly redis: Redis;
  private readonly ns: string;
  private readonly clock: Clock;
  private readonly guarded: boolean;

  constructor(options: RedisProjectionStoreOptions) {
    if (options.namespace.length === 0) throw new TypeError('a namespace is required');
    this.guarded = options.guarded ?? false;
    this.redis = options.redis;
    this.ns = options.namespace;
    this.clock = options.clock ?? (() => new Date());
  }

  get namespace(): string {
    return this.ns;
  }

  private docKey(collection: string, id: string): string {
    return `${this.ns}:doc:${collection}:${id}`;
  }
  private idxKey(collection: string): string {
    return `${this.ns}:idx:${collection}`;
  }
  private get appliedKey(): string {
    return `${this.ns}:applied`;
  }
  private get metaKey(): string {
    return `${this.ns}:meta`;
  }
  private get versionsKey(): string {
    return `${this.ns}:versions`;
  }
  private get checkpointsKey(): string {
    return `${this.ns}:checkpoints`;
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => this.redis.hget(this.checkpointsKey, name),
    store: async (name, position, expected) => {
      const [ok, actual] = (await this.redis.eval(CHECKPOINT_SCRIPT, 1, this.checkpointsKey, name, position, expected ?? '')) as [number, string];
      if (ok !== 1) throw new CheckpointConflictError(name, expected, actual === '' ? null : actual);
    },
  };

  async commit(streamId: string, revision: number, ops: readonly Op[], reads: readonly DocVersion[] = []): Promise<CommitOutcome> {
    assertRevision(revision);
    const encoded = encodeOps(ops);
    const keys = [this.appliedKey, this.metaKey, this.versionsKey];
    const args: string[] = [streamId, String(revision), this.clock().toISOString(), this.guarded ? '1' : '0', String(reads.length)];
    for (const r of reads) args.push(versionField(r.collection, r.id), String(r.version));
    for (const o of encoded) {
      keys.push(this.docKey(o.collection, o.id), this.idxKey(o.collection));
      args.push(o.op, o.id, o.json, versionField(o.collection, o.id));
    }
    const result = await this.runCommit(keys, args);
    if (result === -1) throw new ReadModelLostError(this.ns);
    return result === 1 ? 'applied' : result === -2 ? 'conflict' : 'duplicate';
  }

  /** EVALSHA, loading the script with EVAL once per server (after a restart or SCRIPT FLUSH). */
  private async runCommit(keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(COMMIT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.redis.eval(COMMIT_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  unguarded(): RedisProjectionStore {
    return this.guarded ? new RedisProjectionStore({ redis: this.redis, namespace: this.ns, clock: this.clock }) : this;
  }

  async intact(): Promise<boolean> {
    return (await this.redis.hget(this.metaKey, 'intact')) === '1';
  }

  async markIntact(): Promise<void> {
    await this.redis.hset(this.metaKey, 'intact', '1');
  }

  /**
   * Takes the namespace's rebuild lock; null when another holds it. Resolves with the release.
   * The lock lives `ttlMs` and its holder renews it every third of that while it rebuilds, so a
   * rebuilder that dies (SIGKILL, a crash) frees it within `ttlMs`, however long a live rebuild takes.
   */
  async lockRebuild(ttlMs = 10_000): Promise<(() => Promise<void>) | null> {
    const key = `${this.ns}:rebuild-lock`;
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    const renew = setInterval(() => {
      this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0", 1, key, token, String(ttlMs)).catch(() => {});
    }, Math.max(1, Math.floor(ttlMs / 3)));
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, token);
    };
  }

  async appliedRevision(streamId: string): Promise<number | null> {
    const value = await this.redis.hget(this.appliedKey, streamId);
    return value === null ? null : Number(value);
  }

  async get<T = unknown>(collection: string, id: string): Promise<T | null> {
    assertCollection(collection);
    const json = await this.redis.get(this.docKey(collection, id));
    return json === null ? null : (JSON.parse(json) as T);
  }

  async getVersioned<T = unknown>(collection: string, id: string): Promise<{ doc: T | null; version: number }> {
    assertCollection(collection);
    // One transaction: the document and its version as of the same instant.
    const replies = await this.redis.multi().get(this.docKey(collection, id)).hget(this.versionsKey, versionField(collection, id)).exec();
    const [docReply, versionReply] = replies ?? [];
    if (docReply?.[0]) throw docReply[0];
    if (versionReply?.[0]) throw versionReply[0];
    const json = docReply?.[1] as string | null;
    const version = versionReply?.[1] as string | null;
    return { doc: json === null || json === undefined ? null : (JSON.parse(json) as T), version: version ? Number(version) : 0 };
  }

  async list<T = unknown>(collection: string): Promise<T[]> {
    assertCollection(collection);
    const ids = (await this.redis.smembers(this.idxKey(collection))).sort();
    const docs: T[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const keys = ids.slice(i, i + CHUNK).map((id) => this.docKey(collection, id));
      for (const json of await this.redis.mget(keys)) {
        // A document deleted between SMEMBERS and MGET is simply gone.
        if (json !== null) docs.push(JSON.parse(json) as T);
      }
    }
    return docs;
  }

  /**
   * Deletes this namespace's keys. Not atomic with concurrent commits: stop the consumers first
   * (or rebuild into a fresh namespace and switch readers over).
   */
  async reset(): Promise<void> {
    // Exact sub-patterns rather than `ns:*`, so resetting `fangyi` cannot touch `fangyi:roster`.
    const prefix = escapeGlob(this.ns);
    for (const pattern of [`${prefix}:doc:*`, `${prefix}:idx:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', CHUNK);
        cursor = next;
        if (keys.length > 0) await this.redis.unlink(...keys);
      } while (cursor !== '0');
    }
    await this.redis.unlink(this.appliedKey, this.metaKey, this.versionsKey, this.checkpointsKey);
  }

  /** How many commits were applied and when the last one was (for readiness and lag checks). */
  async meta(): Promise<ProjectionStoreMeta> {
    const [count, at] = await this.redis.hmget(this.metaKey, 'appliedCount', 'lastAppliedAt');
    return { appliedCount: count === null || count === undefined ? 0 : Number(count), lastAppliedAt: at ?? null };
  }

  /** Leaves the connection open: it belongs to whoever created it. */
  async close(): Promise<void> {}
}

/** The versions hash's field of a document: collection names hold no ':', so the pair is unambiguous. */
function versionField(collection: string, id: string): string {
  return `${collection}:${id}`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
