import { deadLetterTopic, isDeadLetterTopic, sourceOfDeadLetterTopic } from '@fangyi/contracts';
import { DLQ_HEADERS } from './envelopes.ts';
import type { IncomingMessage, MessageBus, OutgoingMessage } from './port.ts';

/**
 * What the dead-letter tool needs besides publishing; both adapters provide it. Dead-letter
 * topics have a single partition (see ensureTopics), so an offset names a letter alone.
 */
export interface DeadLetterAccess {
  listTopics(): Promise<string[]>;
  /** The messages of partition 0 from `fromOffset` (or the oldest one kept) to the end as of the call. */
  readTopic(topic: string, fromOffset: bigint): Promise<IncomingMessage[]>;
  /** The group's committed offset on partition 0 (the next one to read), or null. */
  committedOffset(groupId: string, topic: string): Promise<bigint | null>;
  /** Commits for a group nobody is consuming with (the replayer's). */
  commitOffset(groupId: string, topic: string, offset: bigint): Promise<void>;
}

/** Marks a republished message with the letter it came from, for whoever traces it later. */
export const REPLAYED_FROM_HEADER = 'fangyi-replayed-from';

/** The replayer's consumer group on a dead-letter topic: one for "every letter", one per source consumer group. */
export function replayerGroup(group?: string): string {
  return group === undefined
    ? 'fangyi.dead-letters.replayer'
    : `fangyi.dead-letters.replayer.${group}`;
}

export interface DeadLetter {
  readonly dlqTopic: string;
  readonly offset: string;
  readonly key: string | null;
  readonly type: string | null;
  readonly sourceTopic: string;
  readonly sourcePartition: string | null;
  readonly sourceOffset: string | null;
  /** The consumer group that set it aside. */
  readonly group: string | null;
  /** Tries of the handler; null when the message could not be read at all. */
  readonly attempts: number | null;
  readonly failedAt: string | null;
  readonly reason: string | null;
  /** Already republished by a replay (of every letter, or of its group's). */
  readonly replayed: boolean;
  readonly message: IncomingMessage;
}

export interface DeadLetterQuery {
  /** A source topic or its dead-letter topic; default every dead-letter topic. */
  readonly topic?: string;
  /** Only letters set aside by this consumer group. */
  readonly group?: string;
}

function toDlq(topic: string): string {
  return isDeadLetterTopic(topic) ? topic : deadLetterTopic(topic);
}

/** Replay marks of one dead-letter topic: a letter is replayed below the "every letter" mark or its group's. */
async function replayMarks(
  access: DeadLetterAccess,
  dlq: string,
  groups: Iterable<string>,
): Promise<(letter: { offset: bigint; group: string | null }) => boolean> {
  const all = (await access.committedOffset(replayerGroup(), dlq)) ?? 0n;
  const byGroup = new Map<string, bigint>();
  for (const g of groups)
    byGroup.set(g, (await access.committedOffset(replayerGroup(g), dlq)) ?? 0n);
  return ({ offset, group }) =>
    offset < all || (group !== null && offset < (byGroup.get(group) ?? 0n));
}

async function readLetters(
  access: DeadLetterAccess,
  dlq: string,
  from: bigint,
): Promise<DeadLetter[]> {
  const messages = await access.readTopic(dlq, from);
  const groups = new Set(
    messages.map((m) => m.headers[DLQ_HEADERS.group]).filter((g): g is string => g !== undefined),
  );
  const replayed = await replayMarks(access, dlq, groups);
  return messages.map((message): DeadLetter => {
    const h = message.headers;
    const attempts = h[DLQ_HEADERS.attempts];
    return {
      dlqTopic: dlq,
      offset: message.offset,
      key: message.key,
      type: h['fangyi-type'] ?? null,
      sourceTopic: h[DLQ_HEADERS.sourceTopic] ?? sourceOfDeadLetterTopic(dlq),
      sourcePartition: h[DLQ_HEADERS.sourcePartition] ?? null,
      sourceOffset: h[DLQ_HEADERS.sourceOffset] ?? null,
      group: h[DLQ_HEADERS.group] ?? null,
      attempts: attempts === undefined ? null : Number(attempts),
      failedAt: h[DLQ_HEADERS.failedAt] ?? null,
      reason: h[DLQ_HEADERS.reason] ?? null,
      replayed: replayed({ offset: BigInt(message.offset), group: h[DLQ_HEADERS.group] ?? null }),
      message,
    };
  });
}

const ofGroup = (group: string | undefined) => (letter: DeadLetter) =>
  group === undefined || letter.group === group;

/** Every dead letter kept, oldest first per topic. */
export async function listDeadLetters(
  access: DeadLetterAccess,
  query: DeadLetterQuery = {},
): Promise<DeadLetter[]> {
  const topics = query.topic
    ? [toDlq(query.topic)]
    : (await access.listTopics()).filter(isDeadLetterTopic).sort();
  const out: DeadLetter[] = [];
  for (const dlq of topics)
    out.push(...(await readLetters(access, dlq, 0n)).filter(ofGroup(query.group)));
  return out;
}

export interface ReplayQuery {
  readonly topic: string;
  readonly group?: string;
  /** Start at this dead-letter offset, replaying again what was replayed before; default: after the last replay. */
  readonly offset?: bigint;
}

export interface ReplayOutcome {
  readonly dlqTopic: string;
  readonly replayed: readonly DeadLetter[];
  /** The replayer's mark after the replay: letters below it count as replayed. */
  readonly mark: string;
}

/** The letter as it was before it was set aside: original key and headers, no dead-letter headers. */
export function republished(letter: DeadLetter): OutgoingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.message.headers))
    if (!name.startsWith('fangyi-dlq-')) headers[name] = value;
  headers[REPLAYED_FROM_HEADER] = `${letter.dlqTopic}@${letter.offset}`;
  return { key: letter.key ?? '', value: letter.message.value, headers };
}

/**
 * Republishes dead letters to their source topic (every consumer group of it reads them again;
 * handlers are idempotent), then moves the replayer's mark past them, so a second replay does not
 * republish them. A crash between the two republishes them once more, which is harmless.
 * Run after the fix is deployed: a letter that fails again is dead-lettered again.
 */
export async function replayDeadLetters(
  bus: Pick<MessageBus, 'publish'>,
  access: DeadLetterAccess,
  query: ReplayQuery,
): Promise<ReplayOutcome> {
  const dlq = toDlq(query.topic);
  const markGroup = replayerGroup(query.group);
  const from = query.offset ?? (await access.committedOffset(markGroup, dlq)) ?? 0n;
  const read = await readLetters(access, dlq, from);
  const letters = read.filter(ofGroup(query.group));
  // An explicit offset replays again; otherwise letters another replay already covered are skipped.
  const todo = query.offset === undefined ? letters.filter((l) => !l.replayed) : letters;
  const bySource = new Map<string, DeadLetter[]>();
  for (const letter of todo)
    bySource.set(letter.sourceTopic, [...(bySource.get(letter.sourceTopic) ?? []), letter]);
  for (const [source, mine] of bySource) await bus.publish(source, mine.map(republished));
  // Past everything read (other groups' letters are no concern of a group's replay); a letter that
  // arrived since is left for the next replay.
  const last = read.at(-1);
  const mark = last === undefined ? from : BigInt(last.offset) + 1n;
  if (last !== undefined) await access.commitOffset(markGroup, dlq, mark);
  return { dlqTopic: dlq, replayed: todo, mark: String(mark) };
}
