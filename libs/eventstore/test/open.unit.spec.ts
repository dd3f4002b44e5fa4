import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEventStore, SqliteEventStore } from '../src/index.ts';

describe('openEventStore', () => {
  it('opens the embedded store from a sqlite: URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fangyi-open-'));
    const store = await openEventStore(`sqlite:${join(dir, 'e.db')}`);
    expect(store).toBeInstanceOf(SqliteEventStore);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the schemes it knows when given another, without echoing a password', async () => {
    const attempt = openEventStore('mysql://user:secret@db/fangyi');
    await expect(attempt).rejects.toThrow(
      /use postgres:\/\/, kurrentdb:\/\/ \(kurrent:\/\/, esdb:\/\/\) or sqlite:/,
    );
    await expect(attempt).rejects.not.toThrow(/secret/);
  });
});
