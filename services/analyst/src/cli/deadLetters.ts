import { pino } from 'pino';
import { listDeadLetters, replayDeadLetters, type DeadLetter } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { table } from './table.ts';

/** One line per letter, for people; --json gives every field. */
function letterTable(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  const clip = (text: string | null, width: number) => {
    const flat = (text ?? '-').replace(/\s+/g, ' ');
    return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
  };
  return table(
    [
      'DEAD-LETTER TOPIC',
      'OFFSET',
      'FAILED AT',
      'GROUP',
      'TRIES',
      'FROM PART/OFFSET',
      'TYPE',
      'KEY',
      'REPLAYED',
      'REASON',
    ],
    letters.map((l) => [
      l.dlqTopic,
      l.offset,
      l.failedAt ?? '-',
      l.group ?? '-',
      l.attempts === null ? 'unreadable' : String(l.attempts),
      l.sourcePartition === null ? '-' : `${l.sourcePartition}/${l.sourceOffset ?? '-'}`,
      clip(l.type, 40),
      clip(l.key, 40),
      l.replayed ? 'yes' : 'no',
      clip(l.reason, 80),
    ]),
  );
}

const forJson = (l: DeadLetter) => {
  const { message, ...rest } = l;
  return { ...rest, value: message.value, headers: message.headers };
};

export interface DeadLetterOptions {
  readonly brokers: readonly string[];
  readonly topic?: string;
  readonly group?: string;
  readonly offset?: bigint;
  readonly json: boolean;
}

/**
 * What consumers set aside on Kafka, and replaying it once the cause is fixed: each letter goes back
 * to its source topic with its key and headers (less the dead-letter ones) and is marked replayed by
 * the replayer's consumer-group offset on the dead-letter topic, so a second replay skips it.
 */
export async function deadLetters(
  command: 'list' | 'replay',
  o: DeadLetterOptions,
  out: (text: string) => void,
): Promise<void> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const bus = new KafkaMessageBus({
    brokers: [...o.brokers],
    clientId: 'fangyi-dead-letters',
    logger,
  });
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(bus, {
        ...(o.topic ? { topic: o.topic } : {}),
        ...(o.group ? { group: o.group } : {}),
      });
      out(o.json ? JSON.stringify(letters.map(forJson), null, 2) : letterTable(letters));
    } else {
      const outcome = await replayDeadLetters(bus, bus, {
        topic: o.topic!,
        ...(o.group ? { group: o.group } : {}),
        ...(o.offset !== undefined ? { offset: o.offset } : {}),
      });
      if (o.json)
        out(
          JSON.stringify(
            {
              dlqTopic: outcome.dlqTopic,
              mark: outcome.mark,
              replayed: outcome.replayed.map(forJson),
            },
            null,
            2,
          ),
        );
      else {
        if (outcome.replayed.length > 0) out(letterTable(outcome.replayed));
        out(
          `replayed ${outcome.replayed.length} dead letter(s) from ${outcome.dlqTopic}; offsets below ${outcome.mark} count as replayed`,
        );
      }
    }
  } finally {
    await bus.close();
  }
}
