/**
 * The schemes that name a KurrentDB (formerly EventStoreDB) server: `kurrentdb://` and its short
 * form `kurrent://`, and `esdb://` as deployments made for EventStoreDB still write it; each with
 * `+discover` for a cluster found through gossip.
 */
const KURRENTDB_URL = /^(kurrentdb|kurrent|esdb)(\+discover)?:\/\//;

export function isKurrentDbUrl(url: string): boolean {
  return KURRENTDB_URL.test(url);
}

/**
 * The connection string handed to the client: `esdb://` becomes `kurrentdb://` (the client still
 * reads it but prints a deprecation warning on stdout, outside the log, at every connect); the
 * rest of the string (hosts, `tls`, credentials) is the client's to read.
 */
export function clientConnectionString(url: string): string {
  const m = KURRENTDB_URL.exec(url);
  if (!m) throw new Error('not a KurrentDB URL: use kurrentdb://, kurrent:// or esdb://');
  return m[1] === 'esdb' ? `kurrentdb${m[2] ?? ''}://${url.slice(m[0].length)}` : url;
}
