import type { AppendResult } from '../port.ts';
import type { PendingAppend } from './append.ts';

/**
 * Write combining: at most `concurrency` append statements run at once; appends that arrive
 * meanwhile wait and go together in the next statement. Alone, an append goes out at once, so
 * latency is that of a single statement; under load, many appends share one round trip and one
 * commit, which is where a small-row insert workload spends its time.
 */
export class AppendBatcher {
  private readonly queue: PendingAppend[] = [];
  private inFlight = 0;
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private readonly runOne: (p: PendingAppend) => Promise<void>;
  private readonly runMany: (batch: PendingAppend[]) => Promise<void>;

  constructor(
    concurrency: number,
    maxBatch: number,
    runOne: (p: PendingAppend) => Promise<void>,
    runMany: (batch: PendingAppend[]) => Promise<void>,
  ) {
    this.concurrency = concurrency;
    this.maxBatch = maxBatch;
    this.runOne = runOne;
    this.runMany = runMany;
  }

  submit(p: Omit<PendingAppend, 'resolve' | 'reject'>): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...p, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest appends, one per stream: a second append to a stream waits for the first's result. */
  private take(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    const streams = new Set<string>();
    const rest: PendingAppend[] = [];
    for (const p of this.queue) {
      if (batch.length < this.maxBatch && !streams.has(p.streamId)) {
        batch.push(p);
        streams.add(p.streamId);
      } else rest.push(p);
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return batch;
  }

  private async run(batch: PendingAppend[]): Promise<void> {
    if (batch.length === 1) return this.runOne(batch[0]!);
    try {
      await this.runMany(batch);
    } catch {
      // One bad append (say, a duplicate event id) or a deadlock between batches fails the whole
      // statement; retrying one by one gives each append its own outcome.
      await Promise.all(batch.map((p) => this.runOne(p)));
    }
  }
}
