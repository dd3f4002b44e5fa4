import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A schema name no other test run uses: isolation by fresh names, not by wiping shared ones. */
export const freshSchemaName = (prefix = 'fangyi_t'): string =>
  `${prefix}_${randomBytes(6).toString('hex')}`;

/** Drops a test's schema and everything in it once the test is done with it. */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
