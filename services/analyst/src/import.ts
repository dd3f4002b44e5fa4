import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EnvelopeSchema, type Envelope } from '@fangyi/contracts';
import type { Clock, EventStore } from '@fangyi/eventstore';

/**
 * A clock that answers the recordedAt of the event being imported: an event store stamps
 * recordedAt from its clock at append, and an imported history must keep the instants it was
 * recorded at, or every "as of" answer of the copy would differ from the original's.
 */
export function importClock(): { clock: Clock; set(iso: string): void } {
  let current = new Date(0);
  return { clock: () => current, set: (iso) => (current = new Date(iso)) };
}

export class ImportLineError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ImportLineError';
    this.line = line;
  }
}

/**
 * Appends an NDJSON history (as `export` writes it) to a store opened with `importClock`'s clock,
 * in the order of the file: runs of one stream recorded at one instant become one append, with the
 * expected revision the file implies, so a file with a gap or a doubled event is refused at that line.
 * Events keep their ids, revisions, versions and both instants.
 */
export async function importNdjson(
  input: Readable,
  store: EventStore,
  clock: { set(iso: string): void },
): Promise<{ events: number; streams: number }> {
  let run: Envelope[] = [];
  let runLine = 0;
  let events = 0;
  const streams = new Set<string>();
  const flush = async () => {
    const first = run[0];
    if (!first) return;
    clock.set(first.recordedAt);
    try {
      await store.append(
        first.streamId,
        run.map(({ streamId: _s, streamRevision: _r, recordedAt: _t, ...e }) => e),
        { expectedRevision: first.streamRevision === 0 ? 'no-stream' : first.streamRevision - 1 },
      );
    } catch (error) {
      throw new ImportLineError(
        runLine,
        `${first.streamId} revision ${first.streamRevision}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    events += run.length;
    streams.add(first.streamId);
    run = [];
  };
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    let parsed: Envelope;
    try {
      const result = EnvelopeSchema.safeParse(JSON.parse(line));
      if (!result.success)
        throw new Error(
          result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      parsed = result.data;
    } catch (error) {
      throw new ImportLineError(lineNo, error instanceof Error ? error.message : String(error));
    }
    const last = run.at(-1);
    if (
      !last ||
      last.streamId !== parsed.streamId ||
      last.recordedAt !== parsed.recordedAt ||
      last.streamRevision + 1 !== parsed.streamRevision ||
      run.length >= 100
    ) {
      await flush();
      runLine = lineNo;
    }
    run.push(parsed);
  }
  await flush();
  return { events, streams: streams.size };
}
