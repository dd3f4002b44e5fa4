import {
  isSealed,
  parseEnvelope,
  sealedSubject,
  type Actor,
  type Envelope,
} from '@fangyi/contracts';
import type { EventFilter, EventStore, RecordedEvent } from '@fangyi/eventstore';
import { normalisePhone, phoneSubject, type PersonalDataVault } from '@fangyi/service-kit';
import { inCut, type Cut } from '@fangyi/projections';
import { exportEvents } from './export.ts';
import { summaryOf } from './summary.ts';

export interface TimelineEntry {
  readonly eventId: string;
  readonly type: string;
  /** Which part of the district's work: residents, quarantine, checkpoints, complaints. */
  readonly context: string;
  readonly streamId: string;
  readonly streamRevision: number;
  /** When it happened in the world. */
  readonly occurredAt: string;
  /** When the system learned it. */
  readonly recordedAt: string;
  readonly actor: Actor;
  /** One line in Chinese. */
  readonly summary: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** The entry of this timeline that caused this one (its causationId), if it is on the timeline. */
  readonly causedBy: string | null;
  /** Entries of this timeline this one caused. */
  readonly causes: readonly string[];
  /** Why the event is on this person's timeline. */
  readonly relation:
    | 'person'
    | 'case'
    | 'arrival-assessment'
    | 'crossing'
    | 'complaint-about-household'
    | 'complaint-reported';
  readonly data: unknown;
}

export interface Timeline {
  readonly personId: string;
  readonly name: string | null;
  /** The community the person is registered in now (the last move in). */
  readonly community: string;
  readonly entries: readonly TimelineEntry[];
}

async function all(store: EventStore, filter: EventFilter): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of exportEvents(store, filter, 500)) out.push(e);
  return out;
}

/**
 * How the timeline finds the complaints a person reported: the reporter is recorded by name and
 * phone (sealed for the phone number's own subject), never by person id, so the person's phone is
 * opened with the vault and named with the naming key, as the complaints service sealed it.
 */
export interface ReporterLookup {
  readonly vault?: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: names a phone number's subject (phoneSubject). */
  readonly namingKey?: Buffer;
}

/** The person's phone numbers in clear: as recorded, or opened by the vault (none if forgotten). */
async function phonesOf(own: readonly RecordedEvent[], lookup: ReporterLookup): Promise<string[]> {
  const phones: string[] = [];
  for (const e of own) {
    const phone = (e.data as { phone?: unknown }).phone;
    if (e.type !== 'residents.person-registered' || typeof phone !== 'string') continue;
    const clear = isSealed(phone)
      ? ((await lookup.vault?.open(phone).catch(() => null)) ?? null)
      : phone;
    if (clear) phones.push(clear);
  }
  return phones;
}

/**
 * The complaint streams whose reporter gave one of these phones: a sealed phone by its subject
 * (which needs the naming key), one recorded in clear (history not yet migrated) by its digits.
 */
async function reportedComplaints(
  store: EventStore,
  phones: readonly string[],
  lookup: ReporterLookup,
): Promise<string[]> {
  if (phones.length === 0) return [];
  const digits = new Set(phones.map(normalisePhone));
  const subjects = new Set(
    lookup.namingKey ? phones.map((p) => phoneSubject(lookup.namingKey!, p)) : [],
  );
  const streams = new Set<string>();
  for (const e of await all(store, { types: ['complaints.complaint-filed'] })) {
    const phone = (e.data as { reporter?: { phone?: unknown } }).reporter?.phone;
    if (typeof phone !== 'string') continue;
    const subject = sealedSubject(phone);
    if (subject ? subjects.has(subject) : !isSealed(phone) && digits.has(normalisePhone(phone)))
      streams.add(e.streamId);
  }
  return [...streams];
}

/**
 * Every event about one person, across the four contexts, in the order things happened
 * (occurredAt, then recordedAt): their own stream; their home quarantine cases and arrival
 * assessments (every event of those streams); crossings, refusals and breaches at checkpoints
 * that name them; complaints about a household they lived in, and complaints they reported
 * (found by their phone, see ReporterLookup). Null for a person never registered (or not
 * registered yet within the cut). With a cut: only the events inside it, as of what happened by
 * `asOf` and what was recorded by `knownAt` (a person's history is small: cut here).
 */
export async function personTimeline(
  store: EventStore,
  personId: string,
  options: ReporterLookup & { readonly cut?: Cut } = {},
): Promise<Timeline | null> {
  const { cut, ...lookup } = options;
  const inside = (e: RecordedEvent) => !cut || inCut(cut, e);
  const own = (await store.readStream(`person-${personId}`)).filter(inside);
  if (own.length === 0) return null;
  const households = new Set<string>();
  let community = '';
  let name: string | null = null;
  for (const e of own) {
    const d = e.data as { householdId?: string; community?: string; name?: string };
    if (d.householdId) households.add(d.householdId);
    if (d.community) community = d.community;
    if (e.type === 'residents.person-registered' && d.name) name = d.name;
  }
  const reported = await reportedComplaints(store, await phonesOf(own, lookup), lookup);
  const reportedStreams = new Set(reported);
  const [quarantine, checkpoints, complaints, reportedEvents] = await Promise.all([
    all(store, {
      streamPrefixes: ['homeQuarantine-', 'arrivalAssessment-'],
      streamData: { field: 'personId', value: personId },
    }),
    all(store, {
      types: [
        'checkpoints.entry-recorded',
        'checkpoints.exit-recorded',
        'checkpoints.refusal-recorded',
        'checkpoints.quarantine-breach-recorded',
      ],
      data: { field: 'personId', value: personId },
    }),
    households.size === 0
      ? Promise.resolve([])
      : Promise.all(
          [...households].map((h) =>
            all(store, {
              streamPrefixes: ['complaint-'],
              streamData: { field: 'subjectHouseholdId', value: h },
            }),
          ),
        ).then((x) => x.flat()),
    reported.length === 0 ? Promise.resolve([]) : all(store, { streamIds: reported }),
  ]);
  const relationOf = (e: RecordedEvent): TimelineEntry['relation'] =>
    e.streamId.startsWith('person-')
      ? 'person'
      : e.streamId.startsWith('homeQuarantine-')
        ? 'case'
        : e.streamId.startsWith('arrivalAssessment-')
          ? 'arrival-assessment'
          : e.streamId.startsWith('complaint-')
            ? reportedStreams.has(e.streamId)
              ? 'complaint-reported'
              : 'complaint-about-household'
            : 'crossing';
  const seen = new Set<string>();
  const events: { e: Envelope; relation: TimelineEntry['relation'] }[] = [];
  for (const recorded of [
    ...own,
    ...quarantine,
    ...checkpoints,
    ...complaints,
    ...reportedEvents,
  ]) {
    if (seen.has(recorded.id) || !inside(recorded)) continue;
    seen.add(recorded.id);
    const { position: _p, ...raw } = recorded;
    // Read as today's shapes (old versions upcast), the way every view reads them.
    let e: Envelope;
    try {
      e = parseEnvelope(raw);
    } catch {
      e = raw;
    }
    events.push({ e, relation: relationOf(recorded) });
  }
  // occurredAt carries the writer's offset (+08:00 or Z): order by the instant, text only breaks ties.
  events.sort(
    (a, b) =>
      Date.parse(a.e.occurredAt) - Date.parse(b.e.occurredAt) ||
      Date.parse(a.e.recordedAt) - Date.parse(b.e.recordedAt) ||
      (a.e.streamId === b.e.streamId ? a.e.streamRevision - b.e.streamRevision : 0),
  );
  const ids = new Set(events.map((x) => x.e.id));
  const causes = new Map<string, string[]>();
  for (const { e } of events) {
    if (e.causationId && ids.has(e.causationId))
      causes.set(e.causationId, [...(causes.get(e.causationId) ?? []), e.id]);
  }
  const entries = events.map(
    ({ e, relation }): TimelineEntry => ({
      eventId: e.id,
      type: e.type,
      context: e.type.slice(0, e.type.indexOf('.')),
      streamId: e.streamId,
      streamRevision: e.streamRevision,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      actor: e.actor,
      // The filed complaint from the reporter's side: they complained, they were not complained about.
      summary:
        relation === 'complaint-reported' && e.type === 'complaints.complaint-filed'
          ? `提出投诉${summaryOf(e).replace(/^被投诉/, '')}`
          : summaryOf(e),
      correlationId: e.correlationId,
      causationId: e.causationId,
      causedBy: e.causationId && ids.has(e.causationId) ? e.causationId : null,
      causes: causes.get(e.id) ?? [],
      relation,
      data: e.data,
    }),
  );
  return { personId, name, community, entries };
}
