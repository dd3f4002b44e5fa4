// placeholder replaced by the PostgreSQL adapter
export class PostgresEventStore {}
export type PostgresEventStoreOptions = Record<string, never>;
