import {
  QUARANTINE_EVENT_TYPES,
  isSealed,
  type CheckAttemptFailure,
  type Envelope,
  type QuarantineEvent,
  type QuarantineOutcome,
  type Slot,
  type SymptomCheckCorrected,
  type HouseholdEvent,
  type PersonEvent,
  type SymptomCheckLogged,
} from '@fangyi/contracts';
import type { IndexEntry, Op, Projection, DocReader } from '@fangyi/projections';
import { addDays } from '@fangyi/service-kit';

export const ROSTER_COLLECTION = 'cases';

export interface RosterCheck {
  readonly checkId: string;
  readonly temperatureC: number;
  readonly abnormal: boolean;
  readonly symptoms: readonly string[];
  readonly reachedVia: string;
  /** When the check happened; a late entry still belongs to its slot. */
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly by: string;
  readonly corrected: boolean;
}

/** The scheduler's exact record that the slot's window closed with no check. */
export interface RosterMissed {
  readonly recordedAt: string;
}

/** Failed attempts to reach the person for one slot (they do not count as a check). */
export interface RosterAttempts {
  readonly count: number;
  readonly lastReason: CheckAttemptFailure;
  readonly lastAt: string;
  readonly lastBy: string;
}

/** An escalation that is not yet referred to hospital or resolved. */
export interface RosterEscalation {
  readonly escalationId: string;
  readonly date: string;
  readonly slot: Slot;
  readonly reason: string;
  readonly temperatureC: number;
  readonly status: 'open' | 'acknowledged';
  readonly raisedAt: string;
  readonly acknowledgedBy: string | null;
  /** Recorded as not acknowledged in time (absent on documents written before the escalation timer). */
  readonly overdue?: boolean;
}

type PerSlot<T> = Readonly<Record<string, Partial<Record<Slot, T>>>>;

/** One person under home quarantine, as the roster keeps them. */
export interface RosterCase {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly periodDays: number;
  readonly assignedCaller: string;
  /** checks[date][slot] */
  readonly checks: PerSlot<RosterCheck>;
  readonly lastCheck: {
    readonly date: string;
    readonly slot: Slot;
    readonly temperatureC: number;
    readonly occurredAt: string;
  } | null;
  /** Escalations raised over the whole case. */
  readonly escalations: number;
  // The fields below came with the follow-up lifecycle; documents written before it lack them
  // and are read through `withDefaults`.
  readonly status: 'active' | 'ended';
  readonly endedOn: string | null;
  readonly outcome: QuarantineOutcome | null;
  /** missed[date][slot] */
  readonly missed: PerSlot<RosterMissed>;
  /** attempts[date][slot] */
  readonly attempts: PerSlot<RosterAttempts>;
  readonly openEscalations: readonly RosterEscalation[];
  readonly breaches: number;
  /**
   * When the case was registered (the recordedAt of its start); null on documents written before
   * it was kept. Slots that closed before it show as "before registration", never as overdue.
   */
  readonly registeredAt: string | null;
}

/** A check as roster and worklist pages read it: what a list shows of it. */
export type RosterRowCheck = Pick<
  RosterCheck,
  'temperatureC' | 'abnormal' | 'symptoms' | 'occurredAt' | 'by'
>;

/**
 * A case as roster and worklist pages read it (the put's list form, `Op.row`): the document
 * without what only the case record shows (check and attempt ids, channels, who tried when), so a
 * page of a hundred people reads about half the bytes. A whole document is one too: a page of
 * documents written before rows were kept reads the documents.
 */
export type RosterRow = Omit<RosterCase, 'checks' | 'attempts'> & {
  readonly checks: PerSlot<RosterRowCheck>;
  readonly attempts: PerSlot<Pick<RosterAttempts, 'count' | 'lastReason'>>;
};

function perSlot<T, U>(map: PerSlot<T>, pick: (value: T) => U): PerSlot<U> {
  const out: Record<string, Partial<Record<Slot, U>>> = {};
  for (const date of Object.keys(map)) {
    const day = map[date]!;
    const slots: Partial<Record<Slot, U>> = {};
    if (day.am) slots.am = pick(day.am);
    if (day.pm) slots.pm = pick(day.pm);
    out[date] = slots;
  }
  return out;
}

/** A case's list form (see RosterRow). */
export function rosterRow(doc: RosterCase): RosterRow {
  return {
    ...doc,
    checks: perSlot(doc.checks, (c) => ({
      temperatureC: c.temperatureC,
      abnormal: c.abnormal,
      symptoms: c.symptoms,
      occurredAt: c.occurredAt,
      by: c.by,
    })),
    attempts: perSlot(doc.attempts, (a) => ({ count: a.count, lastReason: a.lastReason })),
  };
}

/** A stored document (or its list form) with every field, whatever version of the projection wrote it. */
export function withDefaults<T extends RosterRow>(doc: T): T {
  return {
    ...doc,
    status: doc.status ?? 'active',
    endedOn: doc.endedOn ?? null,
    outcome: doc.outcome ?? null,
    missed: doc.missed ?? {},
    attempts: doc.attempts ?? {},
    openEscalations: doc.openEscalations ?? [],
    breaches: doc.breaches ?? 0,
    registeredAt: doc.registeredAt ?? null,
  };
}

function setSlot<T>(map: PerSlot<T>, date: string, slot: Slot, value: T): PerSlot<T> {
  return { ...map, [date]: { ...map[date], [slot]: value } };
}

function withCheck(
  doc: RosterCase,
  e: Envelope<SymptomCheckLogged | SymptomCheckCorrected>,
  corrected: boolean,
): RosterCase {
  const d = e.data;
  const check: RosterCheck = {
    checkId: d.checkId,
    temperatureC: d.temperatureC,
    abnormal: d.abnormal,
    symptoms: d.symptoms,
    // Version 2 of a logged check renamed reachedVia; corrections keep the old name.
    reachedVia: 'contactChannel' in d ? d.contactChannel : d.reachedVia,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    by: e.actor.id,
    corrected,
  };
  const isLatest =
    !doc.lastCheck || `${d.date}/${d.slot}` >= `${doc.lastCheck.date}/${doc.lastCheck.slot}`;
  return {
    ...doc,
    checks: setSlot(doc.checks, d.date, d.slot, check),
    lastCheck: isLatest
      ? { date: d.date, slot: d.slot, temperatureC: d.temperatureC, occurredAt: e.occurredAt }
      : doc.lastCheck,
  };
}

/**
 * Whether the case is on the roster of `date`: within its period, and for a case that ended
 * early (hospital, moved away, lost), only before the day it ended. A completed case ran its full
 * period, so it keeps every day of it.
 */
export function onRosterOf(c: RosterRow, date: string): boolean {
  if (date < c.startDate || date > c.endDate) return false;
  return (
    c.status !== 'ended' || c.outcome === 'completed' || c.endedOn === null || date < c.endedOn
  );
}

/** The last date the case is on the roster (see onRosterOf). */
export function lastRosterDay(c: RosterRow): string {
  const ended =
    c.status === 'ended' && c.outcome !== 'completed' && c.endedOn !== null
      ? addDays(c.endedOn, -1)
      : c.endDate;
  return ended < c.endDate ? ended : c.endDate;
}

/** The roster's indexes, by which a page is read without listing the collection (all within the case's community). */
export const ROSTER_INDEX = {
  /** Every case of the community, by its last roster day: a date's roster is the range from that date. */
  day: 'day',
  /** A caller's cases, by last roster day. */
  caller: 'caller',
  /** Value `<date>:<state>` for each recorded slot state of a date (done-normal, done-abnormal, missed). */
  slot: 'slot',
  /** Cases with an escalation not yet closed, oldest first. */
  escalation: 'escalation',
  /**
   * The caller's worklist of the community, value `<date>`: each case with something to do on that
   * date (an escalation not closed, or a slot with no check), most urgent first (see worklistSort).
   */
  worklist: 'worklist',
  /** The same for one caller, value `<caller>:<date>`. */
  worklistCaller: 'worklist-caller',
} as const;

/** Where the caller finds a person: the sealed phone (opened through the vault when read) and the household. */
export const CONTACTS_COLLECTION = 'contacts';
export const HOUSEHOLDS_COLLECTION = 'households';

export interface RosterContact {
  readonly personId: string;
  /** Sealed as residents recorded it (enc:v1:…), never opened in the read model; null when it was recorded in clear (not kept). */
  readonly phone: string | null;
  readonly householdId: string;
}

export interface RosterHousehold {
  readonly householdId: string;
  readonly address: string;
}

/** The residents' events the roster keeps contacts from. */
const CONTACT_EVENT_TYPES = [
  'residents.person-registered',
  'residents.person-moved-in',
  'residents.person-forgotten',
  'residents.household-registered',
] as const;

/**
 * The worklist's order within a date: `0<raisedAt>` with an escalation not closed (oldest first),
 * `1` with the morning slot not checked (its window closes first: overdue or due before the
 * afternoon's), `2` with only the afternoon's left; null when nothing is left to do that day.
 */
export function worklistSort(c: RosterRow, date: string): string | null {
  const oldest = c.openEscalations.reduce<string | null>(
    (min, e) => (min === null || e.raisedAt < min ? e.raisedAt : min),
    null,
  );
  if (oldest !== null) return `0${oldest}`;
  const day = c.checks[date] ?? {};
  if (!day.am) return '1am';
  if (!day.pm) return '2pm';
  return null;
}

/**
 * The dates from `first` to `last`, kept: every put of a case lists the days of its period, and
 * cases share a few periods (a date computed each time was a fifth of a rebuild's CPU).
 */
const periods = new Map<string, readonly string[]>();
function datesFrom(first: string, last: string): readonly string[] {
  const key = `${first}/${last}`;
  let dates = periods.get(key);
  if (!dates) {
    const list: string[] = [];
    for (let date = first; date <= last; date = addDays(date, 1)) list.push(date);
    if (periods.size >= 10_000) periods.clear();
    periods.set(key, (dates = list));
  }
  return dates;
}

function worklistEntries(c: RosterCase): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const date of datesFrom(c.startDate, lastRosterDay(c))) {
    const sort = worklistSort(c, date);
    if (sort === null) continue;
    entries.push(
      { index: ROSTER_INDEX.worklist, value: date, sort },
      { index: ROSTER_INDEX.worklistCaller, value: `${c.assignedCaller}:${date}`, sort },
    );
  }
  return entries;
}

export type RecordedSlotState = 'done-normal' | 'done-abnormal' | 'missed';

export function slotIndexValue(date: string, state: RecordedSlotState): string {
  return `${date}:${state}`;
}

export function rosterIndexEntries(c: RosterCase): IndexEntry[] {
  const last = lastRosterDay(c);
  const entries: IndexEntry[] = [
    { index: ROSTER_INDEX.day, value: '', sort: last },
    { index: ROSTER_INDEX.caller, value: c.assignedCaller, sort: last },
  ];
  const states = new Set<string>();
  for (const [date, slots] of Object.entries(c.checks))
    for (const check of Object.values(slots))
      if (check) states.add(slotIndexValue(date, check.abnormal ? 'done-abnormal' : 'done-normal'));
  for (const [date, slots] of Object.entries(c.missed)) {
    for (const slot of Object.keys(slots) as Slot[])
      if (!c.checks[date]?.[slot]) states.add(slotIndexValue(date, 'missed'));
  }
  for (const value of states) entries.push({ index: ROSTER_INDEX.slot, value });
  const oldest = c.openEscalations.reduce<string | null>(
    (min, e) => (min === null || e.raisedAt < min ? e.raisedAt : min),
    null,
  );
  if (oldest !== null)
    entries.push({ index: ROSTER_INDEX.escalation, value: 'open', sort: oldest });
  entries.push(...worklistEntries(c));
  return entries;
}

/** A person's sealed phone and household, a household's address: kept in the community's partition. */
async function projectContact(
  envelope: Envelope<(HouseholdEvent | PersonEvent)['data']>,
  read: DocReader,
): Promise<Op[]> {
  const event = { type: envelope.type, data: envelope.data } as HouseholdEvent | PersonEvent;
  switch (event.type) {
    case 'residents.person-registered': {
      const d = event.data;
      // Only a sealed value is kept: a clear one (history not yet migrated) never reaches the read model.
      const doc: RosterContact = {
        personId: d.personId,
        phone: isSealed(d.phone) ? d.phone : null,
        householdId: d.householdId,
      };
      return [
        { op: 'put', collection: CONTACTS_COLLECTION, id: d.personId, doc, partition: d.community },
      ];
    }
    case 'residents.person-moved-in': {
      const stored = await read.get<RosterContact>(CONTACTS_COLLECTION, event.data.personId);
      return stored
        ? [
            {
              op: 'put',
              collection: CONTACTS_COLLECTION,
              id: stored.personId,
              doc: { ...stored, householdId: event.data.householdId },
            },
          ]
        : [];
    }
    case 'residents.person-forgotten':
      return [{ op: 'delete', collection: CONTACTS_COLLECTION, id: event.data.personId }];
    case 'residents.household-registered': {
      const d = event.data;
      const doc: RosterHousehold = { householdId: d.householdId, address: d.address };
      return [
        {
          op: 'put',
          collection: HOUSEHOLDS_COLLECTION,
          id: d.householdId,
          doc,
          partition: d.community,
        },
      ];
    }
    default:
      return [];
  }
}

/** The live roster of everyone under home quarantine with their twice-daily check status. */
export const rosterProjection: Projection = {
  name: 'roster',
  // Every quarantine type, the ones without effect as no-ops: each revision is recorded, so no
  // "gap in stream revisions" is reported for them.
  // And the residents' events that give the worklist a person's phone and address.
  handles: [...QUARANTINE_EVENT_TYPES, ...CONTACT_EVENT_TYPES],
  // Every event of a case reads the case's document: a batch fetches them all at once.
  prefetch: (envelope) => {
    const caseId = (envelope.data as { caseId?: unknown }).caseId;
    if (envelope.type === 'residents.person-moved-in')
      return [
        { collection: CONTACTS_COLLECTION, id: (envelope.data as { personId: string }).personId },
      ];
    return typeof caseId === 'string' && envelope.type !== 'quarantine.home-quarantine-started'
      ? [{ collection: ROSTER_COLLECTION, id: caseId }]
      : [];
  },
  async project(envelope, read): Promise<Op[]> {
    if ((CONTACT_EVENT_TYPES as readonly string[]).includes(envelope.type))
      return projectContact(envelope as Envelope<(HouseholdEvent | PersonEvent)['data']>, read);
    // A case's document lives in its community's partition, with its index entries.
    // The entries are computed when the store asks for them: a batch commits only the last put of
    // each document, so the entries of the puts it folds away are never computed.
    const put = (doc: RosterCase): Op[] => {
      let index: IndexEntry[] | undefined;
      let row: RosterRow | undefined;
      return [
        {
          op: 'put',
          collection: ROSTER_COLLECTION,
          id: doc.caseId,
          doc,
          partition: doc.community,
          get index() {
            return (index ??= rosterIndexEntries(doc));
          },
          get row() {
            return (row ??= rosterRow(doc));
          },
        },
      ];
    };
    const event = { type: envelope.type, data: envelope.data } as QuarantineEvent;
    if (event.type === 'quarantine.home-quarantine-started') {
      const d = event.data;
      return put({
        caseId: d.caseId,
        personId: d.personId,
        personName: d.personName,
        community: d.community,
        startDate: d.startDate,
        endDate: d.endDate,
        periodDays: d.periodDays,
        assignedCaller: d.assignedCaller,
        checks: {},
        lastCheck: null,
        escalations: 0,
        status: 'active',
        endedOn: null,
        outcome: null,
        missed: {},
        attempts: {},
        openEscalations: [],
        breaches: 0,
        registeredAt: envelope.recordedAt,
      });
    }
    const stored = await read.get<RosterCase>(ROSTER_COLLECTION, event.data.caseId);
    if (!stored) return [];
    const doc = withDefaults(stored);
    const updateEscalation = (
      escalationId: string,
      change: (e: RosterEscalation) => RosterEscalation | null,
    ): RosterCase => ({
      ...doc,
      openEscalations: doc.openEscalations.flatMap((e) => {
        if (e.escalationId !== escalationId) return [e];
        const next = change(e);
        return next ? [next] : [];
      }),
    });
    switch (event.type) {
      case 'quarantine.symptom-check-logged':
      case 'quarantine.symptom-check-corrected':
        return put(
          withCheck(
            doc,
            envelope as Envelope<SymptomCheckLogged>,
            event.type === 'quarantine.symptom-check-corrected',
          ),
        );
      case 'quarantine.symptom-check-missed':
        return put({
          ...doc,
          missed: setSlot(doc.missed, event.data.date, event.data.slot, {
            recordedAt: envelope.recordedAt,
          }),
        });
      case 'quarantine.check-attempt-failed': {
        const d = event.data;
        const previous = doc.attempts[d.date]?.[d.slot];
        const attempts: RosterAttempts = {
          count: (previous?.count ?? 0) + 1,
          lastReason: d.reason,
          lastAt: d.attemptedAt,
          lastBy: envelope.actor.id,
        };
        return put({ ...doc, attempts: setSlot(doc.attempts, d.date, d.slot, attempts) });
      }
      case 'quarantine.escalation-raised': {
        const d = event.data;
        const open: RosterEscalation = {
          escalationId: d.escalationId,
          date: d.date,
          slot: d.slot,
          reason: d.reason,
          temperatureC: d.temperatureC,
          status: 'open',
          raisedAt: envelope.occurredAt,
          acknowledgedBy: null,
        };
        return put({
          ...doc,
          escalations: doc.escalations + 1,
          openEscalations: [...doc.openEscalations, open],
        });
      }
      case 'quarantine.escalation-acknowledged':
        return put(
          updateEscalation(event.data.escalationId, (e) => ({
            ...e,
            status: 'acknowledged',
            acknowledgedBy: event.data.by,
          })),
        );
      case 'quarantine.escalation-overdue':
        return put(updateEscalation(event.data.escalationId, (e) => ({ ...e, overdue: true })));
      case 'quarantine.escalation-referred-to-hospital':
      case 'quarantine.escalation-resolved':
        return put(updateEscalation(event.data.escalationId, () => null));
      case 'quarantine.caller-reassigned':
        return put({ ...doc, assignedCaller: event.data.newCaller });
      case 'quarantine.period-changed':
        return put({ ...doc, endDate: event.data.newEndDate, periodDays: event.data.periodDays });
      case 'quarantine.home-quarantine-ended':
        // The document stays, marked ended: the roster of earlier dates still shows the person.
        return put({
          ...doc,
          status: 'ended',
          endedOn: event.data.endedOn,
          outcome: event.data.outcome,
        });
      case 'quarantine.breach-recorded':
        return put({ ...doc, breaches: doc.breaches + 1 });
      case 'quarantine.supplies-delivered':
      case 'quarantine.disinfection-recorded':
        return [];
      default: {
        const _exhaustive: never = event;
        return [];
      }
    }
  },
};
