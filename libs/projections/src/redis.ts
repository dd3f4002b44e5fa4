import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  assertCollection,
  assertLimit,
  assertPartition,
  assertRevision,
  decodeCursor,
  encodeCursor,
  encodeOps,
  entriesOf,
  idOfMember,
  type Clock,
  type ProjectionStoreMeta,
} from './docs.ts';
import { CheckpointConflictError, type CheckpointStore } from '@fangyi/eventstore';
import { commitPartition } from './memory.ts';
import {
  ALL_INDEX,
  DEFAULT_PARTITION,
  MAX_PAGE,
  ReadModelLostError,
  type BatchCommit,
  type CommitOutcome,
  type DocVersion,
  type Generation,
  type IndexRange,
  type Op,
  type Page,
  type PageQuery,
  type ProjectionStore,
} from './port.ts';

/** A single Redis or a Redis Cluster: every key one script touches shares a hash tag. */
export type RedisClient = Redis | Cluster;

/**
 * One partition's part of a commit, atomic. P = ARGV[1] is the partition's key prefix
 * (`<ns>:<generation>:{<partition>}:`); KEYS[1] = P .. 'applied' routes the script to its slot,
 * and every other key it touches starts with P, so shares the slot.
 * ARGV: [2] now, [3] events, [4] mode ('single': one stream, 'duplicate' if applied ≥ its
 * revision; 'batch': every stream's applied revision must still be what was read), [5] streams,
 * per stream: id, before ('' for none), after; then reads, per read: document suffix, version;
 * then ops, per op: 'put'|'delete'|'patch', document suffix (`doc:<collection>:<id>`), JSON, index
 * entries (`<index key suffix>\1<member>` joined by \2), and for a 'patch' (a put of a document
 * among the reads, whose entries the writer read at that version) the entries that go and those
 * that come, so the script need not compare the old and new lists, and last the put's list form
 * (JSON, '' for none).
 * A document is a hash: d (JSON; absent once deleted), v (version: commits that wrote it), x (the
 * index entries it is in, to remove them when it changes), r (its list form, what a page reads,
 * when the put gave one).
 * Returns 1 applied, 0 duplicate, -2 conflict. Every key's type is checked before the first write,
 * since Redis does not roll back a script's earlier writes when a later command fails.
 */
const COMMIT_SCRIPT = `
local P = ARGV[1]
local applied = KEYS[1]
local function each(list, fn)
  local pos = 1
  while pos <= #list do
    local e = string.find(list, '\\2', pos, true) or (#list + 1)
    local item = string.sub(list, pos, e - 1)
    local sep = string.find(item, '\\1', 1, true)
    fn(string.sub(item, 1, sep - 1), string.sub(item, sep + 1))
    pos = e + 1
  end
end
local function expect_type(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    return redis.error_reply('WRONGTYPE projection key ' .. key .. ' holds a ' .. t .. ', expected ' .. want)
  end
end
-- A put's list form (what pages read), or none: a stale one never outlives the document it was of.
local function put_row(key, row)
  if row == '' then redis.call('HDEL', key, 'r') else redis.call('HSET', key, 'r', row) end
end
-- Index changes are gathered and sent at the end, one ZREM and one ZADD per index key. A member's
-- last change wins (two ops of one commit may touch one document: what the first adds, the
-- second may take away), and members name their document, so no other change meets it.
local pending, changed = {}, {}
local function change(kind)
  return function(ix, member)
    local k = ix .. '\\1' .. member
    if pending[k] == nil then changed[#changed + 1] = { ix, member, k } end
    pending[k] = kind
  end
end
local zadd, zrem = change('a'), change('r')
local function flush()
  local lists = { a = {}, r = {} }
  local keys = { a = {}, r = {} }
  for _, c in ipairs(changed) do
    local kind = pending[c[3]]
    local list = lists[kind][c[1]]
    if not list then list = {}; lists[kind][c[1]] = list; keys[kind][#keys[kind] + 1] = c[1] end
    if kind == 'a' then list[#list + 1] = 0 end
    list[#list + 1] = c[2]
  end
  for _, kind in ipairs({ 'r', 'a' }) do
    local step = kind == 'a' and 2000 or 1000
    for _, ix in ipairs(keys[kind]) do
      local list = lists[kind][ix]
      for from = 1, #list, step do
        redis.call(kind == 'a' and 'ZADD' or 'ZREM', P .. ix, unpack(list, from, math.min(from + step - 1, #list)))
      end
    end
  end
end
local err = expect_type(applied, 'hash') or expect_type(P .. 'meta', 'hash')
if err then return err end
local i = 6
local ns = tonumber(ARGV[5])
for s = 1, ns do
  local cur = redis.call('HGET', applied, ARGV[i])
  if ARGV[4] == 'single' then
    if cur and tonumber(cur) >= tonumber(ARGV[i + 2]) then return 0 end
  elseif (cur or '') ~= ARGV[i + 1] then
    return -2
  end
  i = i + 3
end
local nr = tonumber(ARGV[i]); i = i + 1
for r = 1, nr do
  local v = redis.call('HGET', P .. ARGV[i], 'v') or '0'
  if v ~= ARGV[i + 1] then return -2 end
  i = i + 2
end
local no = tonumber(ARGV[i]); i = i + 1
local first = i
for o = 1, no do
  err = expect_type(P .. ARGV[i + 1], 'hash')
  if err then return err end
  i = i + 7
end
i = first
for o = 1, no do
  local key = P .. ARGV[i + 1]
  if ARGV[i] == 'patch' then
    -- The writer read the document's entries at the version checked above: only the changes come.
    each(ARGV[i + 4], zrem)
    each(ARGV[i + 5], zadd)
    redis.call('HSET', key, 'd', ARGV[i + 2], 'x', ARGV[i + 3])
    put_row(key, ARGV[i + 6])
  else
  local old = redis.call('HGET', key, 'x') or ''
  local new = ARGV[i] == 'put' and ARGV[i + 3] or ''
  -- Only the entries that change are touched: most events leave a document's entries as they were.
  if old == '' then
    each(new, zadd)
  elseif new == '' then
    each(old, zrem)
  elseif old ~= new then
    local keep = {}
    each(new, function(ix, member) keep[ix .. '\\1' .. member] = true end)
    local had = {}
    each(old, function(ix, member)
      local e = ix .. '\\1' .. member
      had[e] = true
      if not keep[e] then zrem(ix, member) end
    end)
    each(new, function(ix, member)
      if not had[ix .. '\\1' .. member] then zadd(ix, member) end
    end)
  end
  if ARGV[i] == 'put' then
    redis.call('HSET', key, 'd', ARGV[i + 2], 'x', new)
    put_row(key, ARGV[i + 6])
  else
    redis.call('HDEL', key, 'd', 'x', 'r')
  end
  end
  redis.call('HINCRBY', key, 'v', 1)
  i = i + 7
end
flush()
i = 6
for s = 1, ns do
  redis.call('HSET', applied, ARGV[i], ARGV[i + 2])
  i = i + 3
end
redis.call('HINCRBY', P .. 'meta', 'appliedCount', ARGV[3])
redis.call('HSET', P .. 'meta', 'lastAppliedAt', ARGV[2])
return 1
`;

/**
 * One page of an index, read-only, in one round trip. KEYS[1] the index; ARGV: [1] the documents'
 * key prefix (`P .. 'doc:<collection>:'`), [2] min, [3] max (ZRANGE BYLEX bounds), [4] limit,
 * [5] 'r' for list forms (a page), 'd' for the documents themselves (list()).
 * Returns {more (1|0), member, document JSON, member, JSON, …}: each document's list form where
 * its put gave one, else the document.
 */
const PAGE_SCRIPT = `
local limit = tonumber(ARGV[4])
local members = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[3], 'BYLEX', 'LIMIT', 0, limit + 1)
local out = { #members > limit and 1 or 0 }
for j, m in ipairs(members) do
  if j > limit then break end
  local id = string.sub(m, string.find(m, '\\0', 1, true) + 1)
  out[#out + 1] = m
  local key = ARGV[1] .. id
  local doc = ARGV[5] == 'r' and redis.call('HGET', key, 'r') or redis.call('HGET', key, 'd')
  out[#out + 1] = doc or ''
end
return out
`;

/**
 * One partition's part of a batch on a generation nobody else reads or writes yet (Generation.exclusive):
 * what the commit script writes, without its checks. KEYS[1] = P .. 'meta' routes it. ARGV: [1] P,
 * [2] now, [3] events, [4] documents, per document: suffix, 'put'|'delete', JSON, index entries,
 * new version ('' to count up), list form ('' for none); then streams, per stream: id, revision; then up to the end, per
 * index key: 'a' (add) or 'r' (remove), key suffix, count, members.
 */
const LOAD_SCRIPT = `
local P = ARGV[1]
local i = 5
for d = 1, tonumber(ARGV[4]) do
  local key = P .. ARGV[i]
  if ARGV[i + 1] == 'put' then
    if ARGV[i + 4] == '' then
      redis.call('HSET', key, 'd', ARGV[i + 2], 'x', ARGV[i + 3])
      redis.call('HINCRBY', key, 'v', 1)
    else
      redis.call('HSET', key, 'd', ARGV[i + 2], 'x', ARGV[i + 3], 'v', ARGV[i + 4])
    end
    if ARGV[i + 5] == '' then redis.call('HDEL', key, 'r') else redis.call('HSET', key, 'r', ARGV[i + 5]) end
  else
    redis.call('HDEL', key, 'd', 'x', 'r')
    redis.call('HINCRBY', key, 'v', 1)
  end
  i = i + 6
end
local ns = tonumber(ARGV[i]); i = i + 1
for s = 1, ns do
  redis.call('HSET', P .. 'applied', ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  local kind = ARGV[i]
  local key = P .. ARGV[i + 1]
  local n = tonumber(ARGV[i + 2])
  i = i + 3
  local done = 0
  while done < n do
    local m = math.min(n - done, 1000)
    local args = {}
    for k = 1, m do
      if kind == 'a' then
        args[2 * k - 1] = 0
        args[2 * k] = ARGV[i + done + k - 1]
      else
        args[k] = ARGV[i + done + k - 1]
      end
    end
    if kind == 'a' then redis.call('ZADD', key, unpack(args)) else redis.call('ZREM', key, unpack(args)) end
    done = done + m
  end
  i = i + n
end
redis.call('HINCRBY', P .. 'meta', 'appliedCount', ARGV[3])
redis.call('HSET', P .. 'meta', 'lastAppliedAt', ARGV[2])
return 1
`;

/** KEYS: [1] checkpoints hash. ARGV: [1] name, [2] new position, [3] expected position ('' for none). Returns the actual one on a conflict. */
const CHECKPOINT_SCRIPT = `
local actual = redis.call('HGET', KEYS[1], ARGV[1])
if (actual or '') ~= ARGV[3] then return {0, actual or ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, ARGV[2]}
`;

const sha = (script: string) => createHash('sha1').update(script).digest('hex');
const SCRIPTS = {
  commit: { text: COMMIT_SCRIPT, sha: sha(COMMIT_SCRIPT) },
  page: { text: PAGE_SCRIPT, sha: sha(PAGE_SCRIPT) },
  load: { text: LOAD_SCRIPT, sha: sha(LOAD_SCRIPT) },
};

/** SCAN, UNLINK and list() batch size: large enough to be quick, small enough not to block Redis. */
const CHUNK = 500;

export interface RedisProjectionStoreOptions {
  /** The caller owns the connection: several stores may share it, and close() leaves it open. */
  readonly redis: RedisClient;
  /** Prefix of every key of this read model, e.g. `fangyi:roster`. */
  readonly namespace: string;
  readonly clock?: Clock;
  /**
   * Refuse every commit (ReadModelLostError) while the namespace has no current generation: a read
   * model fed from Kafka whose keys vanished (Redis restarted, keys deleted) must be rebuilt from
   * the event store, not patched by the events that happen to come next. Default false: a first
   * commit creates the first generation.
   */
  readonly guarded?: boolean;
  /** Fixes the store on one generation (a rebuild's target); default: the current one, per call. */
  readonly generation?: string;
  /**
   * With `generation`: the generation starts empty and the caller is its only reader and writer (a
   * rebuild before it is switched in), so what this store did not write is absent without asking
   * Redis, and commitBatch writes with one load script per partition instead of the checking
   * script. See Generation.exclusive.
   */
  readonly exclusive?: boolean;
  /**
   * For a store that only reads (a query API; never a writer's): pin() reuses the current
   * generation it last read for this long instead of asking Redis on every query (default 0: it
   * asks each time). Keep it well below the grace a replaced generation is kept for (5 s by
   * default): a query pinned on the one just replaced still reads it whole.
   */
  readonly pinCacheMs?: number;
}

interface StreamAdvance {
  readonly streamId: string;
  readonly before: string;
  readonly after: number;
}

/**
 * A read model in Redis, in generations: `<ns>:current` names the generation readers and writers
 * use, so a rebuild fills a fresh one while the current serves and then switches every reader with
 * one SET. Within a generation G, a partition p (the community) holds, under the hash tag `{p}`:
 * documents `<ns>:G:{p}:doc:<collection>:<id>` (hash: d JSON, v version, x index entries), index
 * sorted sets `<ns>:G:{p}:ix:<collection>:<index>:<value>` (members `<sort>\0<id>`, score 0, read
 * by ZRANGE BYLEX), the applied revision of each of its streams `<ns>:G:{p}:applied` and its
 * counters `<ns>:G:{p}:meta`. A commit is one Lua script per partition, so revision checks, ops,
 * indexes and new revisions are applied together or not at all, on one Redis or a Redis Cluster.
 * Outside partitions: `<ns>:G:dir` (which partition a stream or a non-default document is in;
 * written before the commit, never changed), `<ns>:G:partitions`, `<ns>:G:meta` (intact); beside the generations
 * `<ns>:checkpoints` (log positions of the processors feeding it) and `<ns>:rebuild-lock`.
 */
export class RedisProjectionStore implements ProjectionStore {
  private readonly redis: RedisClient;
  private readonly ns: string;
  private readonly clock: Clock;
  private readonly guarded: boolean;
  private readonly fixed: string | undefined;
  private readonly exclusive: boolean;
  private readonly pinCacheMs: number;
  /**
   * What an exclusive view has written (documents as collection NUL id, streams): its generation
   * started empty and nobody else writes it, so anything else is absent without asking Redis.
   */
  private readonly wroteDocs = new Set<string>();
  private readonly wroteStreams = new Set<string>();
  private pinned: { readonly generation: string; readonly until: number } | null = null;
  /**
   * A pinned store's documents as read (full key → version and index entries), for the commit
   * that follows: a put of a document read at the version its commit checks sends only the
   * entries that change. Cleared by each commit.
   */
  private readonly seen = new Map<string, { version: number; entries: string }>();
  /** Partitions known to be in the partitions set, per generation. */
  private readonly knownPartitions = new Map<string, Set<string>>();

  constructor(options: RedisProjectionStoreOptions) {
    if (options.namespace.length === 0) throw new TypeError('a namespace is required');
    if (/[{}]/.test(options.namespace))
      throw new TypeError("a namespace holds no braces (they are the partitions' hash tags)");
    this.guarded = options.guarded ?? false;
    this.redis = options.redis;
    this.ns = options.namespace;
    this.clock = options.clock ?? (() => new Date());
    this.fixed = options.generation;
    this.exclusive = (options.exclusive ?? false) && options.generation !== undefined;
    this.pinCacheMs = options.pinCacheMs ?? 0;
  }

  get namespace(): string {
    return this.ns;
  }

  private get pointerKey(): string {
    return `${this.ns}:current`;
  }

  /** The generation current now, or null when none was ever built (or its pointer was lost). */
  async currentGeneration(): Promise<string | null> {
    return this.fixed ?? (await this.redis.get(this.pointerKey));
  }

  /** The generation to write to: a guarded store refuses without one; an unguarded one starts the first. */
  private async writeGeneration(): Promise<string> {
    const current = await this.currentGeneration();
    if (current) return current;
    if (this.guarded) throw new ReadModelLostError(this.ns);
    const fresh = await this.newGenerationId();
    await this.redis.set(this.pointerKey, fresh, 'NX');
    return (await this.redis.get(this.pointerKey))!;
  }

  /** Never reused, even where the counter was lost with the keys: a late writer's stray keys stay out of a new generation. */
  private async newGenerationId(): Promise<string> {
    return `g${await this.redis.incr(`${this.ns}:generations`)}${randomBytes(3).toString('hex')}`;
  }

  private bound(generation: string, exclusive = false): RedisProjectionStore {
    return new RedisProjectionStore({
      redis: this.redis,
      namespace: this.ns,
      clock: this.clock,
      generation,
      exclusive,
    });
  }

  /**
   * Never creates a generation: a reader pinning an unbuilt namespace must not make an empty one
   * current (a guarded writer would then take it for whole). Unguarded and unbuilt, the store
   * itself is returned, and its first write starts the first generation.
   */
  async pin(): Promise<RedisProjectionStore> {
    if (this.fixed) return this;
    const now = performance.now();
    if (this.pinned && now < this.pinned.until) return this.bound(this.pinned.generation);
    const current = await this.currentGeneration();
    if (current && this.pinCacheMs > 0)
      this.pinned = { generation: current, until: now + this.pinCacheMs };
    if (!current) {
      if (this.guarded) throw new ReadModelLostError(this.ns);
      return this;
    }
    return this.bound(current);
  }

  private prefix(generation: string, partition: string): string {
    return `${this.ns}:${generation}:{${partition}}:`;
  }
  private dirKey(generation: string): string {
    return `${this.ns}:${generation}:dir`;
  }

  readonly checkpoints: CheckpointStore = {
    load: async (name) => this.redis.hget(`${this.ns}:checkpoints`, name),
    store: async (name, position, expected) => {
      const key = `${this.ns}:checkpoints`;
      const [ok, actual] = (await this.redis.eval(
        CHECKPOINT_SCRIPT,
        1,
        key,
        name,
        position,
        expected ?? '',
      )) as [number, string];
      if (ok !== 1)
        throw new CheckpointConflictError(name, expected, actual === '' ? null : actual);
    },
  };

  /** Which partition each stream and document is in (null: not recorded, i.e. never written or default). */
  private async lookup(generation: string, fields: readonly string[]): Promise<(string | null)[]> {
    if (fields.length === 0) return [];
    return this.redis.hmget(this.dirKey(generation), ...fields);
  }

  /** Records new streams' and documents' partitions and the partitions themselves, before the commit that writes them. */
  private async record(generation: string, entries: Map<string, string>): Promise<void> {
    const dir: string[] = [];
    const parts = new Set<string>();
    for (const [field, partition] of entries) {
      parts.add(partition);
      if (partition !== DEFAULT_PARTITION) dir.push(field, partition);
    }
    let known = this.knownPartitions.get(generation);
    if (!known) this.knownPartitions.set(generation, (known = new Set()));
    const fresh = [...parts].filter((p) => !known.has(p));
    await Promise.all([
      dir.length > 0 ? this.redis.hset(this.dirKey(generation), ...dir) : null,
      fresh.length > 0 ? this.redis.sadd(`${this.ns}:${generation}:partitions`, ...fresh) : null,
    ]);
    for (const p of fresh) known.add(p);
  }

  async commit(
    streamId: string,
    revision: number,
    ops: readonly Op[],
    reads: readonly DocVersion[] = [],
  ): Promise<CommitOutcome> {
    assertRevision(revision);
    const encoded = encodeOps(ops);
    const entries = ops.map((o) => (o.op === 'put' ? entriesOf(o, ALL_INDEX) : []));
    const g = await this.writeGeneration();
    const unnamed = ops.filter((o) => o.partition === undefined);
    const [streamPartition, ...docPartitions] = await this.lookup(g, [
      `s:${streamId}`,
      ...unnamed.map((o) => `d:${o.collection}:${o.id}`),
    ]);
    const ofDoc = new Map(
      unnamed.map((o, i) => [`${o.collection}:${o.id}`, docPartitions[i] ?? null]),
    );
    const partition = commitPartition(
      streamId,
      streamPartition ?? null,
      ops,
      (c, id) => ofDoc.get(`${c}:${id}`) ?? null,
    );
    for (const r of reads) {
      if ((r.partition ?? partition) !== partition)
        throw new TypeError(
          `${streamId} read ${r.collection}/${r.id} of partition ${r.partition}, outside its own (${partition})`,
        );
    }
    const record = new Map<string, string>([[`s:${streamId}`, partition]]);
    for (const o of ops) if (o.op === 'put') record.set(`d:${o.collection}:${o.id}`, partition);
    await this.record(g, record);
    const pending = this.runCommit(
      g,
      partition,
      'single',
      [{ streamId, before: '', after: revision }],
      reads,
      encoded.map((o, i) => ({ ...o, entries: entries[i]! })),
      1,
    );
    this.seen.clear();
    const result = await pending;
    if (this.exclusive && result === 1) {
      for (const o of ops) this.wroteDocs.add(`${o.collection}\u0000${o.id}`);
      this.wroteStreams.add(streamId);
    }
    return result === 1 ? 'applied' : result === -2 ? 'conflict' : 'duplicate';
  }

  async commitBatch(batch: BatchCommit): Promise<'applied' | 'conflict'> {
    const g = await this.writeGeneration();
    const encoded = encodeOps(batch.ops);
    const byPartition = new Map<
      string,
      {
        streams: StreamAdvance[];
        reads: DocVersion[];
        ops: (ReturnType<typeof encodeOps>[number] & { entries: ReturnType<typeof entriesOf> })[];
        events: number;
      }
    >();
    const part = (p: string) => {
      assertPartition(p);
      let entry = byPartition.get(p);
      if (!entry) byPartition.set(p, (entry = { streams: [], reads: [], ops: [], events: 0 }));
      return entry;
    };
    const record = new Map<string, string>();
    for (const s of batch.streams) {
      assertRevision(s.after);
      part(s.partition).streams.push({
        streamId: s.streamId,
        before: s.before === null ? '' : String(s.before),
        after: s.after,
      });
      if (s.before === null) record.set(`s:${s.streamId}`, s.partition);
    }
    for (const r of batch.reads) part(r.partition ?? DEFAULT_PARTITION).reads.push(r);
    // Documents the batch read as existing are in the directory already (a document never moves).
    const existing = new Set(
      batch.reads.filter((r) => r.version > 0).map((r) => `${r.collection}:${r.id}`),
    );
    batch.ops.forEach((o, i) => {
      const p = o.partition ?? DEFAULT_PARTITION;
      part(p).ops.push({ ...encoded[i]!, entries: o.op === 'put' ? entriesOf(o, ALL_INDEX) : [] });
      if (o.op === 'put' && !existing.has(`${o.collection}:${o.id}`))
        record.set(`d:${o.collection}:${o.id}`, p);
    });
    // Events are counted in the partition of their streams; spread evenly is enough for meta.
    const parts = [...byPartition.values()];
    parts.forEach((p, i) => (p.events = i === 0 ? batch.events : 0));
    await this.record(g, record);
    if (this.exclusive) {
      const seen = new Map(this.seen);
      this.seen.clear();
      await Promise.all(
        [...byPartition].map(([p, c]) =>
          this.writeExclusive(g, p, c.streams, c.reads, c.ops, c.events, seen),
        ),
      );
      for (const o of batch.ops) this.wroteDocs.add(`${o.collection}\u0000${o.id}`);
      for (const st of batch.streams) this.wroteStreams.add(st.streamId);
      return 'applied';
    }
    // Each partition's arguments are built before its first await: the documents read go with them.
    const pending = [...byPartition].map(([p, c]) =>
      this.runCommit(g, p, 'batch', c.streams, c.reads, c.ops, c.events),
    );
    this.seen.clear();
    const results = await Promise.all(pending);
    return results.every((r) => r === 1) ? 'applied' : 'conflict';
  }

  /**
   * One partition's part of a batch on a generation nobody else reads or writes yet: what the
   * commit script does, without its checks (no other writer can have moved anything), in one
   * script call (LOAD_SCRIPT) with each index key's changes together. The old index entries of a
   * document the batch read as existing are those read with it, else read first (one round trip).
   */
  private async writeExclusive(
    generation: string,
    partition: string,
    streams: readonly StreamAdvance[],
    reads: readonly DocVersion[],
    ops: readonly (ReturnType<typeof encodeOps>[number] & {
      entries: ReturnType<typeof entriesOf>;
    })[],
    events: number,
    seen: ReadonlyMap<string, { version: number; entries: string }>,
  ): Promise<void> {
    const P = this.prefix(generation, partition);
    // Versions as read: nobody else writes this generation, so they are still the stored ones.
    const versions = new Map(reads.map((r) => [`doc:${r.collection}:${r.id}`, r.version]));
    const keys = ops.map((o) => {
      assertId(o.id);
      return `doc:${o.collection}:${o.id}`;
    });
    const old = new Map<string, string>();
    const unknown: string[] = [];
    for (const k of keys) {
      const version = versions.get(k);
      if (version === 0) continue;
      const read = seen.get(P + k);
      if (read && read.version === version) {
        if (read.entries !== '') old.set(k, read.entries);
      } else unknown.push(k);
    }
    if (unknown.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const k of unknown) pipeline.hget(P + k, 'x');
      const replies = (await pipeline.exec()) ?? [];
      unknown.forEach((k, i) => {
        const [error, x] = replies[i] ?? [null, null];
        if (error) throw error;
        if (typeof x === 'string' && x !== '') old.set(k, x);
      });
    }
    const changes = new Map<string, string[]>();
    const change = (kind: 'a' | 'r', entry: string) => {
      const cut = entry.indexOf('\u0001');
      const key = `${kind}${entry.slice(0, cut)}`;
      const list = changes.get(key);
      if (list) list.push(entry.slice(cut + 1));
      else changes.set(key, [entry.slice(cut + 1)]);
    };
    const args: string[] = [P, this.clock().toISOString(), String(events), String(ops.length)];
    ops.forEach((o, i) => {
      const entries =
        o.op === 'put'
          ? o.entries.map((e) => `ix:${o.collection}:${e.index}:${e.value}\u0001${e.member}`)
          : [];
      const before = old.get(keys[i]!);
      if (before === undefined) for (const e of entries) change('a', e);
      else {
        const had = new Set(before.split('\u0002'));
        const keep = new Set(entries);
        for (const e of had) if (!keep.has(e)) change('r', e);
        for (const e of entries) if (!had.has(e)) change('a', e);
      }
      const version = versions.get(keys[i]!);
      args.push(
        keys[i]!,
        o.op,
        o.json,
        entries.join('\u0002'),
        o.op === 'put' && version !== undefined ? String(version + 1) : '',
        o.row,
      );
    });
    args.push(String(streams.length));
    for (const st of streams) args.push(st.streamId, String(st.after));
    // Removals first: a member is in one list only (one final op per document), so the order is free.
    for (const [key, members] of changes)
      if (key[0] === 'r') args.push('r', key.slice(1), String(members.length), ...members);
    for (const [key, members] of changes)
      if (key[0] === 'a') args.push('a', key.slice(1), String(members.length), ...members);
    await this.script('load', [`${P}meta`], args);
  }

  private async runCommit(
    generation: string,
    partition: string,
    mode: 'single' | 'batch',
    streams: readonly StreamAdvance[],
    reads: readonly DocVersion[],
    ops: readonly (ReturnType<typeof encodeOps>[number] & {
      entries: ReturnType<typeof entriesOf>;
    })[],
    events: number,
  ): Promise<number> {
    const P = this.prefix(generation, partition);
    const args: string[] = [
      P,
      this.clock().toISOString(),
      String(events),
      mode,
      String(streams.length),
    ];
    for (const s of streams) args.push(s.streamId, s.before, String(s.after));
    args.push(String(reads.length));
    const checked = new Map<string, number>();
    for (const r of reads) {
      args.push(`doc:${r.collection}:${r.id}`, String(r.version));
      checked.set(`doc:${r.collection}:${r.id}`, r.version);
    }
    args.push(String(ops.length));
    for (const o of ops) {
      assertId(o.id);
      const suffix = `doc:${o.collection}:${o.id}`;
      const list = o.entries.map(
        (e) => `ix:${o.collection}:${e.index}:${e.value}\u0001${e.member}`,
      );
      const entries = list.join('\u0002');
      const read = o.op === 'put' ? this.seen.get(P + suffix) : undefined;
      if (read && checked.get(suffix) === read.version && read.entries !== '') {
        const had = new Set(read.entries.split('\u0002'));
        const keep = new Set(list);
        args.push(
          'patch',
          suffix,
          o.json,
          entries,
          [...had].filter((e) => !keep.has(e)).join('\u0002'),
          list.filter((e) => !had.has(e)).join('\u0002'),
          o.row,
        );
      } else args.push(o.op, suffix, o.json, entries, '', '', o.row);
    }
    return (await this.script('commit', [`${P}applied`], args)) as number;
  }

  /** EVALSHA, loading the script with EVAL once per server (after a restart or SCRIPT FLUSH). */
  private async script(
    name: keyof typeof SCRIPTS,
    keys: string[],
    args: string[],
  ): Promise<unknown> {
    const { text, sha: digest } = SCRIPTS[name];
    try {
      return await this.redis.evalsha(digest, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await this.redis.eval(text, keys.length, ...keys, ...args);
    }
  }

  unguarded(): RedisProjectionStore {
    return this.guarded
      ? new RedisProjectionStore({
          redis: this.redis,
          namespace: this.ns,
          clock: this.clock,
          ...(this.fixed ? { generation: this.fixed } : {}),
        })
      : this;
  }

  async intact(): Promise<boolean> {
    const g = await this.currentGeneration();
    return g !== null && (await this.redis.hget(`${this.ns}:${g}:meta`, 'intact')) === '1';
  }

  async markIntact(): Promise<void> {
    const g = await this.writeGeneration();
    await this.redis.hset(`${this.ns}:${g}:meta`, 'intact', '1');
  }

  async beginGeneration(): Promise<Generation> {
    const id = await this.newGenerationId();
    const store = this.bound(id);
    return {
      id,
      store,
      exclusive: this.bound(id, true),
      activate: async ({ graceMs = 5_000 } = {}) => {
        await this.redis.hset(`${this.ns}:${id}:meta`, 'intact', '1');
        const previous = (await this.redis.set(this.pointerKey, id, 'GET')) as string | null;
        if (previous && previous !== id) {
          // Queries begun on the previous generation finish on it; then it goes.
          const drop = setTimeout(
            () => void this.dropGeneration(previous).catch(() => {}),
            graceMs,
          );
          drop.unref();
        }
      },
      abandon: () => this.dropGeneration(id),
    };
  }

  /** Deletes one generation's keys (SCAN on every master; UNLINK key by key, as a cluster needs). */
  async dropGeneration(generation: string): Promise<void> {
    await this.unlinkMatching(`${escapeGlob(`${this.ns}:${generation}`)}:*`);
  }

  private async unlinkMatching(pattern: string): Promise<void> {
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', CHUNK);
        cursor = next;
        if (keys.length > 0) {
          const pipeline = node.pipeline();
          for (const k of keys) pipeline.unlink(k);
          await pipeline.exec();
        }
      } while (cursor !== '0');
    }
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
    const renew = setInterval(
      () => {
        this.redis
          .eval(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
            1,
            key,
            token,
            String(ttlMs),
          )
          .catch(() => {});
      },
      Math.max(1, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        key,
        token,
      );
    };
  }

  async appliedRevision(streamId: string): Promise<number | null> {
    return (await this.streamStates([streamId])).get(streamId)!.revision;
  }

  async streamStates(
    streamIds: readonly string[],
  ): Promise<Map<string, { revision: number | null; partition: string | null }>> {
    const out = new Map<string, { revision: number | null; partition: string | null }>();
    const g = await this.currentGeneration();
    if (!g) {
      for (const id of streamIds) out.set(id, { revision: null, partition: null });
      return out;
    }
    if (this.exclusive) {
      for (const id of streamIds)
        if (!this.wroteStreams.has(id)) out.set(id, { revision: null, partition: null });
      streamIds = streamIds.filter((id) => this.wroteStreams.has(id));
      if (streamIds.length === 0) return out;
    }
    const partitions = (
      await this.lookup(
        g,
        streamIds.map((s) => `s:${s}`),
      )
    ).map((p) => p ?? DEFAULT_PARTITION);
    const byPartition = new Map<string, string[]>();
    streamIds.forEach((s, i) => {
      const list = byPartition.get(partitions[i]!) ?? [];
      list.push(s);
      byPartition.set(partitions[i]!, list);
    });
    await Promise.all(
      [...byPartition].map(async ([p, ids]) => {
        const revisions = await this.redis.hmget(`${this.prefix(g, p)}applied`, ...ids);
        ids.forEach((id, i) =>
          out.set(
            id,
            revisions[i] == null
              ? { revision: null, partition: null }
              : { revision: Number(revisions[i]), partition: p },
          ),
        );
      }),
    );
    return out;
  }

  async get<T = unknown>(collection: string, id: string): Promise<T | null> {
    return (await this.getVersioned<T>(collection, id)).doc;
  }

  async getMany<T = unknown>(collection: string, ids: readonly string[]): Promise<(T | null)[]> {
    assertCollection(collection);
    const g = ids.length > 0 ? await this.currentGeneration() : null;
    if (!g) return ids.map(() => null);
    // Where each one is (one HMGET of the directory), then the documents of each partition in one
    // pipeline (one slot, so one write to one node): under load every write to the socket costs.
    const partitions = await this.lookup(
      g,
      ids.map((id) => `d:${collection}:${id}`),
    );
    const byPartition = new Map<string, number[]>();
    ids.forEach((_, i) => {
      const p = partitions[i] ?? DEFAULT_PARTITION;
      const list = byPartition.get(p);
      if (list) list.push(i);
      else byPartition.set(p, [i]);
    });
    const out: (T | null)[] = ids.map(() => null);
    await Promise.all(
      [...byPartition].map(async ([p, at]) => {
        const pipeline = this.redis.pipeline();
        for (const i of at) pipeline.hget(`${this.prefix(g, p)}doc:${collection}:${ids[i]}`, 'd');
        const replies = (await pipeline.exec()) ?? [];
        at.forEach((i, k) => {
          const [error, json] = replies[k] ?? [null, null];
          if (error) throw error;
          out[i] = typeof json === 'string' && json !== '' ? (JSON.parse(json) as T) : null;
        });
      }),
    );
    return out;
  }

  async getVersioned<T = unknown>(
    collection: string,
    id: string,
  ): Promise<{ doc: T | null; version: number; partition: string }> {
    assertCollection(collection);
    if (this.exclusive && !this.wroteDocs.has(`${collection}\u0000${id}`))
      return { doc: null, version: 0, partition: DEFAULT_PARTITION };
    const g = await this.currentGeneration();
    if (!g) return { doc: null, version: 0, partition: DEFAULT_PARTITION };
    // The default partition's document is asked for at once, beside the directory: one round trip for both.
    const [[found], guess] = await Promise.all([
      this.lookup(g, [`d:${collection}:${id}`]),
      this.redis.hmget(
        `${this.prefix(g, DEFAULT_PARTITION)}doc:${collection}:${id}`,
        'd',
        'v',
        'x',
      ),
    ]);
    const partition = found ?? DEFAULT_PARTITION;
    // One HMGET: the document, its version and its index entries as of the same instant.
    const key = `${this.prefix(g, partition)}doc:${collection}:${id}`;
    const [json, version, entries] =
      partition === DEFAULT_PARTITION ? guess : await this.redis.hmget(key, 'd', 'v', 'x');
    const v = version ? Number(version) : 0;
    if (this.fixed && v > 0) {
      if (this.seen.size >= 50_000) this.seen.clear();
      this.seen.set(key, { version: v, entries: entries ?? '' });
    }
    return { doc: json ? (JSON.parse(json) as T) : null, version: v, partition };
  }

  private bounds(
    range: IndexRange,
    cursor: string | null | undefined,
  ): { key: string; docs: string; min: string; max: string } {
    assertCollection(range.collection);
    assertPartition(range.partition);
    return {
      key: `ix:${range.collection}:${range.index ?? ALL_INDEX}:${range.value ?? ''}`,
      docs: `doc:${range.collection}:`,
      min: cursor ? `(${decodeCursor(cursor)}` : range.from !== undefined ? `[${range.from}` : '-',
      max: range.to !== undefined ? `(${range.to}` : '+',
    };
  }

  async page<T = unknown>(query: PageQuery): Promise<Page<T>> {
    assertLimit(query.limit, MAX_PAGE);
    const { items, next } = await this.pageOf<T>(query, query.limit, 'r');
    return { items, next };
  }

  private async pageOf<T>(
    query: PageQuery,
    limit: number,
    read: 'r' | 'd',
  ): Promise<Page<T> & { ids: string[] }> {
    const b = this.bounds(query, query.cursor);
    const g = await this.currentGeneration();
    if (!g) return { items: [], ids: [], next: null };
    const P = this.prefix(g, query.partition);
    const reply = (await this.script(
      'page',
      [`${P}${b.key}`],
      [`${P}${b.docs}`, b.min, b.max, String(limit), read],
    )) as (string | number)[];
    const items: T[] = [];
    const ids: string[] = [];
    let last: string | null = null;
    for (let i = 1; i < reply.length; i += 2) {
      last = reply[i] as string;
      const json = reply[i + 1] as string;
      // An index entry always has its document (one script writes both); '' would mean a foreign write.
      if (json === '') continue;
      items.push(JSON.parse(json) as T);
      ids.push(idOfMember(last));
    }
    return { items, ids, next: reply[0] === 1 && last !== null ? encodeCursor(last) : null };
  }

  async count(range: IndexRange): Promise<number> {
    const b = this.bounds(range, null);
    const g = await this.currentGeneration();
    if (!g) return 0;
    return this.redis.zlexcount(`${this.prefix(g, range.partition)}${b.key}`, b.min, b.max);
  }

  async partitions(): Promise<string[]> {
    const g = await this.currentGeneration();
    return g ? (await this.redis.smembers(`${this.ns}:${g}:partitions`)).sort() : [];
  }

  async list<T = unknown>(collection: string): Promise<T[]> {
    assertCollection(collection);
    const pinned = this.fixed ? this : this.bound((await this.currentGeneration()) ?? '');
    if (!pinned.fixed) return [];
    const out: { id: string; doc: T }[] = [];
    for (const partition of await pinned.partitions()) {
      let cursor: string | null = null;
      do {
        const page: Page<T> & { ids: string[] } = await pinned.pageOf<T>(
          { collection, partition, cursor, limit: CHUNK },
          CHUNK,
          'd',
        );
        cursor = page.next;
        page.items.forEach((doc, i) => out.push({ id: page.ids[i]!, doc }));
      } while (cursor);
    }
    // Sorted by id across partitions, as the in-memory store lists them.
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((o) => o.doc);
  }

  /**
   * Deletes this namespace's generations and pointer. Not atomic with concurrent commits: stop the
   * consumers first, or rebuild into a fresh generation (beginGeneration) and switch readers over.
   */
  async reset(): Promise<void> {
    if (this.fixed) {
      await this.dropGeneration(this.fixed);
      return;
    }
    await this.redis.unlink(this.pointerKey);
    await this.redis.unlink(`${this.ns}:checkpoints`);
    await this.redis.unlink(`${this.ns}:generations`);
    // Exact sub-patterns rather than `ns:*`, so resetting `fangyi` cannot touch `fangyi:roster`.
    await this.unlinkMatching(`${escapeGlob(this.ns)}:g[0-9]*:*`);
    this.knownPartitions.clear();
  }

  /** How many commits were applied and when the last one was (for readiness and lag checks). */
  async meta(): Promise<ProjectionStoreMeta> {
    const g = await this.currentGeneration();
    if (!g) return { appliedCount: 0, lastAppliedAt: null };
    let appliedCount = 0;
    let lastAppliedAt: string | null = null;
    for (const p of await this.partitions()) {
      const [count, at] = await this.redis.hmget(
        `${this.prefix(g, p)}meta`,
        'appliedCount',
        'lastAppliedAt',
      );
      appliedCount += count ? Number(count) : 0;
      if (at && (lastAppliedAt === null || at > lastAppliedAt)) lastAppliedAt = at;
    }
    return { appliedCount, lastAppliedAt };
  }

  /** Leaves the connection open: it belongs to whoever created it. */
  async close(): Promise<void> {}
}

function assertId(id: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the separators of the key layout are these control characters, so an id must not hold them
  if (/[\u0000-\u0002]/.test(id))
    throw new TypeError('a document id holds no control characters U+0000 to U+0002');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
