// `@fangyi/eventstore/kurrentdb`: the KurrentDB adapter, an entry of its own so that a process on
// another store never loads its gRPC client (about 30 MB of memory once loaded).
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from '../kurrentdb.ts';
