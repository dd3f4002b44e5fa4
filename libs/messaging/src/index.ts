export type { ConsumeOptions, Consumer, IncomingMessage, MessageBus, OutgoingMessage } from './port.ts';
export { KafkaMessageBus, type KafkaMessageBusOptions } from './kafka.ts';
export { InProcessMessageBus, type InProcessMessageBusOptions } from './inProcess.ts';
export { startRelay, toMessage, relayReadiness, RELAY_HEADERS, type ParkedOn, type Relay, type RelayOptions, type RelayState, type RelayStatus } from './relay.ts';
export { consumeEnvelopes, DLQ_HEADERS, type ConsumeEnvelopesOptions } from './envelopes.ts';
