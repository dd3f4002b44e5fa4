import pg from 'pg';
import type { Lease, Leases } from '../port.ts';

export interface PostgresLeasesOptions {
  /** How often the holder checks that its lock connection is alive (default 1000 ms). */
  readonly heartbeatMs?: number;
}

/**
 * Leases as session-level advisory locks (`pg_try_advisory_lock`), each on a dedicated connection
 * held for the holder's life. When the holder's process or connection dies, PostgreSQL ends the
 * session and releases the lock, so a standby's next try succeeds. The holder learns of a lost
 * connection from the client's 'error'/'end' events (pg_terminate_backend, a server restart) or
 * from a heartbeat that fails or takes longer than three beats (a silent network), and aborts
 * `lost` at once. The key is a 64-bit hash of the schema and the name, so leases of two schemas on
 * one database never meet.
 */
export class PostgresLeases implements Leases {
  private readonly config: pg.ClientConfig;
  private readonly schema: string;
  private readonly heartbeatMs: number;
  /** A standby's connection, kept between tries so that polling does not open one each time. */
  private readonly waiting = new Map<string, pg.Client>();
  private readonly held = new Set<Lease>();
  private closed = false;

  constructor(config: pg.ClientConfig, schema: string, options: PostgresLeasesOptions = {}) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    // A heartbeat that hangs counts as a lost connection.
    this.config = { ...config, keepAlive: true, query_timeout: this.heartbeatMs * 3 };
    this.schema = schema;
  }

  async tryAcquire(name: string): Promise<Lease | null> {
    if (this.closed) throw new Error('event store closed');
    const client = this.waiting.get(name) ?? (await this.connect(name));
    this.waiting.delete(name);
    let got: boolean;
    try {
      const { rows } = await client.query<{ got: boolean }>({
        text: 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got',
        values: [`fangyi:${this.schema}:${name}`],
      });
      got = rows[0]?.got === true;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (!got) {
      if (this.closed) await client.end().catch(() => {});
      else this.waiting.set(name, client);
      return null;
    }
    return this.hold(name, client);
  }

  private async connect(name: string): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    // A standby's idle connection that dies is simply opened again at the next try.
    const forget = () => {
      if (this.waiting.get(name) === client) this.waiting.delete(name);
    };
    client.on('error', forget);
    client.on('end', forget);
    await client.connect();
    return client;
  }

  private hold(name: string, client: pg.Client): Lease {
    const controller = new AbortController();
    let beating = false;
    const heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      client
        .query('SELECT 1')
        .catch((error: unknown) => lose(error))
        .finally(() => {
          beating = false;
        });
    }, this.heartbeatMs);
    heartbeat.unref();
    const lose = (reason: unknown) => {
      clearInterval(heartbeat);
      this.held.delete(lease);
      if (!controller.signal.aborted)
        controller.abort(reason instanceof Error ? reason : new Error(`lease ${name} lost`));
      // Ending the session releases the lock if it still stands, so a standby can take over.
      client.end().catch(() => {});
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error(`lease ${name}: connection ended`)));
    const lease: Lease = {
      name,
      lost: controller.signal,
      release: async () => {
        if (controller.signal.aborted) return;
        clearInterval(heartbeat);
        controller.abort(new Error(`lease ${name} released`));
        this.held.delete(lease);
        await client.end().catch(() => {});
      },
    };
    this.held.add(lease);
    return lease;
  }

  async close(): Promise<void> {
    this.closed = true;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    await Promise.all([
      ...[...this.held].map((l) => l.release()),
      ...waiting.map((c) => c.end().catch(() => {})),
    ]);
  }
}
