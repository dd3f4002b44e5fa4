import type { PersonalKeyStore } from './port.ts';
import { SqlitePersonalKeys } from './sqlite.ts';

/**
 * Opens the key table on the database a URL names, as openEventStore does for the events: the same
 * PostgreSQL schema or SQLite file. KurrentDB has no tables, so there the keys need a PostgreSQL
 * or SQLite URL of their own.
 */
export async function openPersonalKeys(
  url: string,
  options: { schema?: string } = {},
): Promise<PersonalKeyStore> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { PostgresPersonalKeys } = await import('./postgres.ts');
    return PostgresPersonalKeys.create({
      connectionString: url,
      ...(options.schema ? { schema: options.schema } : {}),
    });
  }
  if (url.startsWith('sqlite:'))
    return new SqlitePersonalKeys({ path: url.slice('sqlite:'.length) });
  throw new Error(
    'the personal key table needs a postgres:// or sqlite: URL (KurrentDB keeps no tables): set FANGYI_KEYS_URL',
  );
}
