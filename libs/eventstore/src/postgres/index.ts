// `@fangyi/eventstore/postgres`: the PostgreSQL adapters, an entry of their own so that a process on
// another store (the embedded mode's SQLite) never loads the pg client.
export { PostgresEventStore, type PostgresEventStoreOptions } from '../postgres.ts';
export {
  PostgresPersonalKeys,
  type PostgresPersonalKeysOptions,
} from '../personalKeys/postgres.ts';
export { PostgresSnapshots, type PostgresSnapshotsOptions } from '../snapshots/postgres.ts';
