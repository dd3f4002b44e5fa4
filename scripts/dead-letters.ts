/**
 * Dead letters on Kafka: what consumers set aside, and replaying it once the cause is fixed.
 *
 *   npm run dead-letters -- list [--topic T] [--group G] [--json]
 *   npm run dead-letters -- replay --topic T [--group G] [--offset N] [--json]
 *
 * --topic takes a source topic (fangyi.quarantine.v1) or its dead-letter topic (….dlq); list
 * without it reads every dead-letter topic. replay republishes each letter to its source topic
 * with its original key and headers (minus the dead-letter ones) and marks it replayed by moving
 * the replayer's consumer-group offset on the dead-letter topic, so a second replay skips it.
 * --offset N starts at dead-letter offset N instead, replaying again what was replayed before.
 * Every consumer group of the source topic reads a replayed message again (handlers are idempotent).
 * Reads KAFKA_BROKERS (host:port,…).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { KafkaMessageBus, listDeadLetters, replayDeadLetters, type DeadLetter } from '@fangyi/messaging';

const USAGE = `usage:
  npm run dead-letters -- list [--topic T] [--group G] [--json]
  npm run dead-letters -- replay --topic T [--group G] [--offset N] [--json]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { topic: { type: 'string' }, group: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [command, ...extra] = positionals;
if (command !== 'list' && command !== 'replay') fail(command ? `unknown command ${command}` : 'missing command');
if (extra.length > 0) fail(`unexpected argument ${extra[0]}`);
if (command === 'list' && values.offset !== undefined) fail('--offset is for replay');
if (command === 'replay' && !values.topic) fail('replay needs --topic');
if (values.offset !== undefined && !/^\d+$/.test(values.offset)) fail(`--offset must be a whole number, got ${values.offset}`);
const brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
if (brokers.length === 0) fail('KAFKA_BROKERS is required (host:port,…)');

const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-dead-letters', logger });

/** One line per letter, for people; --json gives every field. */
function table(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters';
  const clip = (text: string | null, width: number) => {
    const flat = (text ?? '-').replace(/\s+/g, ' ');
    return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
  };
  const rows = letters.map((l) => [
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
  ]);
  const head = ['DEAD-LETTER TOPIC', 'OFFSET', 'FAILED AT', 'GROUP', 'TRIES', 'FROM PART/OFFSET', 'TYPE', 'KEY', 'REPLAYED', 'REASON'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const forJson = (l: DeadLetter) => {
  const { message, ...rest } = l;
  return { ...rest, value: message.value, headers: message.headers };
};

try {
  if (command === 'list') {
    const letters = await listDeadLetters(bus, { ...(values.topic ? { topic: values.topic } : {}), ...(values.group ? { group: values.group } : {}) });
    console.log(values.json ? JSON.stringify(letters.map(forJson), null, 2) : table(letters));
  } else {
    const outcome = await replayDeadLetters(bus, bus, {
      topic: values.topic!,
      ...(values.group ? { group: values.group } : {}),
      ...(values.offset !== undefined ? { offset: BigInt(values.offset) } : {}),
    });
    if (values.json) console.log(JSON.stringify({ dlqTopic: outcome.dlqTopic, mark: outcome.mark, replayed: outcome.replayed.map(forJson) }, null, 2));
    else {
      if (outcome.replayed.length > 0) console.log(table(outcome.replayed));
      console.log(`replayed ${outcome.replayed.length} dead letter(s) from ${outcome.dlqTopic}; offsets below ${outcome.mark} count as replayed`);
    }
  }
} catch (error) {
  console.error(`dead-letters ${command} failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await bus.close();
}
