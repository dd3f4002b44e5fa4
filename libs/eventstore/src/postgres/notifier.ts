import pg from 'pg';
import type { LocalWaker } from '../wakers.ts';

/**
 * How other processes learn of an append (subscribers poll anyway; this only wakes them sooner).
 * - `'after-commit'` (default): one coalesced NOTIFY on a side connection after the append commits.
 * - `'in-transaction'`: NOTIFY inside the append statement. PostgreSQL then takes a database-wide
 *   lock from the NOTIFY until after the commit's WAL flush, so notifying writers commit one at a
 *   time and lose group commit (see scripts/bench-append.ts for the figures).
 * - `'off'`: only subscribers in this process are woken.
 */
export type PostgresNotifyMode = 'after-commit' | 'in-transaction' | 'off';

/**
 * A side connection that LISTENs for appends (ringing the local waker) and sends the coalesced
 * post-commit NOTIFY. Losing it only costs latency: subscribers fall back to polling.
 */
export class Notifier {
  private readonly config: pg.ClientConfig;
  private readonly channel: string;
  private readonly waker: LocalWaker;
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private wantListen = false;
  private sending = false;
  private pending = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(config: pg.ClientConfig, channel: string, waker: LocalWaker) {
    this.config = config;
    this.channel = channel;
    this.waker = waker;
  }

  listen(): void {
    if (this.wantListen || this.closed) return;
    this.wantListen = true;
    this.connect().catch(() => this.scheduleReconnect());
  }

  /** At most one NOTIFY in flight; appends meanwhile are covered by the next one. */
  poke(): void {
    if (this.closed) return;
    if (this.sending) {
      this.pending = true;
      return;
    }
    this.sending = true;
    void (async () => {
      try {
        do {
          this.pending = false;
          const client = await this.connect();
          await client.query({
            name: 'fangyi-notify',
            text: 'SELECT pg_notify($1, $2)',
            values: [this.channel, ''],
          });
        } while (this.pending && !this.closed);
      } catch {
        // A lost wake-up: subscribers elsewhere see the events at their next poll.
      } finally {
        this.sending = false;
      }
    })();
  }

  private connect(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('event store closed'));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client(this.config);
      client.on('error', () => this.drop(client));
      client.on('end', () => this.drop(client));
      client.on('notification', () => this.waker.ring());
      try {
        await client.connect();
        if (this.wantListen) await client.query(`LISTEN "${this.channel}"`);
      } catch (error) {
        client.end().catch(() => {});
        throw error;
      }
      if (this.closed) {
        await client.end().catch(() => {});
        throw new Error('event store closed');
      }
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    if (this.wantListen) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.client) this.connect().catch(() => this.scheduleReconnect());
    }, 1000);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
