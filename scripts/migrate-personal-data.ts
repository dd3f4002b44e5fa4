/**
 * One-off: seals the ID and phone numbers of people registered before events sealed them, and
 * renames their ID-number reservation streams from the plain SHA-256 name to the HMAC one, sealing
 * the person id they hold.
 *
 *   node scripts/migrate-personal-data.ts [--dry-run] [--no-compact]
 *
 * Run it in a maintenance window, with every service that writes to the event store stopped (an
 * older build still running would keep appending clear numbers; a second run seals those too).
 * It rewrites rows in place: ids, positions and revisions stay, so no processor reads anything again
 * (see libs/eventstore's README for why in place rather than copy-and-transform). Afterwards it
 * rewrites the events table (SQLite VACUUM, PostgreSQL VACUUM FULL) so no old row version keeps a
 * clear value. What it cannot reach: messages already on Kafka (they age out with the topic's
 * retention, or delete them with kafka-delete-records.sh), exports and backups taken before the run.
 *
 * Reads EVENT_STORE_URL (or DATABASE_URL; postgres://… or sqlite:path), FANGYI_SCHEMA,
 * FANGYI_MASTER_KEY, FANGYI_RESERVATION_KEY and FANGYI_KEYS_URL like the residents service. For the
 * embedded mode, FANGYI_DATA_DIR (default .data) supplies sqlite:.data/fangyi.db and the keys in it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isKurrentDbUrl, openPersonalKeys } from '@fangyi/eventstore';
import { createVault, parseKey } from '@fangyi/service-kit';
import { migratePersonalData, postgresEventRows, sqliteEventRows } from './personalData/migrate.ts';

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    'no-compact': { type: 'boolean', default: false },
  },
});
const dataDir = process.env.FANGYI_DATA_DIR ?? '.data';
const fromDataDir = (file: string) =>
  existsSync(join(dataDir, file)) ? readFileSync(join(dataDir, file), 'utf8').trim() : undefined;
const url =
  process.env.EVENT_STORE_URL ?? process.env.DATABASE_URL ?? `sqlite:${join(dataDir, 'fangyi.db')}`;
const schema = process.env.FANGYI_SCHEMA ?? 'fangyi';
const masterKey = process.env.FANGYI_MASTER_KEY ?? fromDataDir('master-key');
const reservationKey = process.env.FANGYI_RESERVATION_KEY ?? fromDataDir('reservation-key');
if (!masterKey || !reservationKey) {
  console.error(
    "FANGYI_MASTER_KEY and FANGYI_RESERVATION_KEY are needed (or the embedded mode's files in FANGYI_DATA_DIR): the same keys the residents service runs with",
  );
  process.exit(2);
}

if (isKurrentDbUrl(url)) {
  // Not read as a PostgreSQL URL by mistake: KurrentDB has no way to rewrite an event.
  console.error(
    'KurrentDB cannot rewrite an event in place: this migration runs on PostgreSQL and SQLite stores only (see libs/eventstore/README.md)',
  );
  process.exit(2);
}
const rows = url.startsWith('sqlite:')
  ? sqliteEventRows(url.slice('sqlite:'.length))
  : postgresEventRows(url, schema);
const keys = await openPersonalKeys(process.env.FANGYI_KEYS_URL ?? url, { schema });
try {
  const report = await migratePersonalData({
    rows,
    vault: createVault({ keys, masterKey: parseKey(masterKey, 'FANGYI_MASTER_KEY') }),
    reservationKey: parseKey(reservationKey, 'FANGYI_RESERVATION_KEY'),
    dryRun: values['dry-run'],
    compact: !values['no-compact'],
    log: (m) => console.log(m),
  });
  console.log(JSON.stringify(report));
} finally {
  await rows.close();
  await keys.close();
}
