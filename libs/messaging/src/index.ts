export type { ConsumeOptions, Consumer, ConsumerStatus, Delivery, IncomingMessage, MessageBus, OutgoingMessage, RetryBackoff } from './port.ts';
export { KafkaMessageBus, DEFAULT_TOPIC_RETENTION_MS, DEFAULT_DEAD_LETTER_RETENTION_MS, type KafkaMessageBusOptions } from './kafka.ts';
export { InProcessMessageBus, type InProcessMessageBusOptions } from './inProcess.ts';
export { startRelay, toMessage, relayReadiness, RELAY_HEADERS, type ParkedOn, type Relay, type RelayOptions, type RelayState, type RelayStatus } from './relay.ts';
export { consumeEnvelopes, DLQ_HEADERS, DEFAULT_MAX_ATTEMPTS, type ConsumeEnvelopesOptions } from './envelopes.ts';
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
