export * from './port.ts';
export { catchUpSubscription, timerWaker, type Waker } from './catchUp.ts';
export { LocalWaker } from './wakers.ts';
export { LocalLeases } from './leases.ts';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.ts';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.ts';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb.ts';
export { openEventStore } from './open.ts';
