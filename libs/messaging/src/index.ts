// The Kafka adapter is its own entry, `@fangyi/messaging/kafka`: its client costs a process about
// 60 MB when loaded, and the embedded mode never needs it.
export type {
  ConsumeOptions,
  Consumer,
  ConsumerStatus,
  Delivery,
  IncomingMessage,
  MessageBus,
  OutgoingMessage,
  RetryBackoff,
} from './port.ts';
export { InProcessMessageBus, type InProcessMessageBusOptions } from './inProcess.ts';
export {
  startRelay,
  toMessage,
  relayReadiness,
  RELAY_HEADERS,
  type ParkedOn,
  type Relay,
  type RelayOptions,
  type RelayState,
  type RelayStatus,
} from './relay.ts';
export {
  consumeEnvelopes,
  DLQ_HEADERS,
  DEFAULT_MAX_ATTEMPTS,
  type ConsumeEnvelopesOptions,
} from './envelopes.ts';
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
