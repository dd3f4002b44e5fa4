export type { ConsumeOptions, Consumer, ConsumerStatus, Delivery, IncomingMessage, MessageBus, OutgoingMessage, RetryBackoff } from './port.ts';
export { KafkaMessageBus, DEFAULT_TOPIC_RETENTION_MS, DEFAULT_DEAD_LETTER_RETENTION_MS, type KafkaMessageBusOptions } from './kafka.ts';
export { InProcessMessageBus, type InProcessMessageBusOptions } from './inProcess.ts';
export { startRelay, toMessage, RELAY_HEADERS, type Relay, type RelayOptions } from './relay.ts';
export { consumeEnvelopes, runPolicy, DLQ_HEADERS, DEFAULT_MAX_ATTEMPTS, type ConsumeEnvelopesOptions, type PolicyOptions } from './envelopes.ts';
export {
  listDeadLetters,
  replayDeadLetters,
  replayerGroup,
  republished,
  REPLAYED_FROM_HEADER,
  type DeadLetter,
  type DeadLetterAccess,
  type DeadLetterQuery,
  type ReplayOutcome,
  type ReplayQuery,
} from './deadLetters.ts';
