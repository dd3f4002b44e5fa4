import {
  QUARANTINE_EVENT_TYPES,
  type Envelope,
  type QuarantineEvent,
  type QuarantineOutcome,
  type Slot,
} from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { Op, Projection, ProjectionStore } from '@fangyi/projections';
import {
  logSource,
  readModelProcessor,
  startProcessor,
  type ProcessorStatus,
} from '@fangyi/processors';
import type { Logger } from '@fangyi/service-kit';

export const ACTIVE_CASES_COLLECTION = 'active-cases';

/**
 * The quarantine service's own small read model: every case with its community, caller and period,
 * and the slots that need no more follow-up (checked or recorded missed). The arrival policy reads
 * callers' loads from it, the breach policy finds a person's case in it, the scheduler finds the
 * slots to look at, and GET /quarantine/cases lists it. It only ever steers work: every rule is
 * checked again by the decider on the case's own stream, so a lagging read model costs a refused
 * command, never a wrong event.
 */
export interface ActiveCase {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly assignedCaller: string;
  readonly startDate: string;
  readonly endDate: string;
  /**
   * When the case was registered: the recordedAt of its start. A slot that closed before it was
   * never the caller's to do (a case started late, for an arrival days ago), so it is never missed.
   */
  readonly registeredAt: string;
  readonly status: 'active' | 'ended';
  readonly endedOn: string | null;
  readonly outcome: QuarantineOutcome | null;
  /** `${date}/${slot}` of slots with a check or a missed record. */
  readonly doneSlots: readonly string[];
  /** Escalations nobody has acknowledged yet, with when they were raised (recorded), for the escalation timer. */
  readonly unacknowledged: readonly {
    readonly escalationId: string;
    readonly raisedAt: string;
    readonly overdue: boolean;
  }[];
}

const key = (date: string, slot: Slot) => `${date}/${slot}`;
const withDone = (doc: ActiveCase, date: string, slot: Slot): ActiveCase =>
  doc.doneSlots.includes(key(date, slot))
    ? doc
    : { ...doc, doneSlots: [...doc.doneSlots, key(date, slot)].sort() };

export const activeCasesProjection: Projection = {
  name: 'quarantine-active-cases',
  // Every quarantine type, the uninteresting ones as no-ops: each revision is then recorded and no
  // "gap in stream revisions" is reported for them.
  handles: QUARANTINE_EVENT_TYPES,
  async project(envelope: Envelope, read): Promise<Op[]> {
    const event = { type: envelope.type, data: envelope.data } as QuarantineEvent;
    const put = (doc: ActiveCase): Op[] => [
      { op: 'put', collection: ACTIVE_CASES_COLLECTION, id: doc.caseId, doc },
    ];
    if (event.type === 'quarantine.home-quarantine-started') {
      const d = event.data;
      return put({
        caseId: d.caseId,
        personId: d.personId,
        personName: d.personName,
        community: d.community,
        assignedCaller: d.assignedCaller,
        startDate: d.startDate,
        endDate: d.endDate,
        registeredAt: envelope.recordedAt,
        status: 'active',
        endedOn: null,
        outcome: null,
        doneSlots: [],
        unacknowledged: [],
      });
    }
    const doc = await read.get<ActiveCase>(ACTIVE_CASES_COLLECTION, event.data.caseId);
    if (!doc) return [];
    switch (event.type) {
      case 'quarantine.symptom-check-logged':
      case 'quarantine.symptom-check-corrected':
      case 'quarantine.symptom-check-missed':
        return put(withDone(doc, event.data.date, event.data.slot));
      case 'quarantine.caller-reassigned':
        return put({ ...doc, assignedCaller: event.data.newCaller });
      case 'quarantine.period-changed':
        return put({ ...doc, endDate: event.data.newEndDate });
      case 'quarantine.home-quarantine-ended':
        // Kept, marked ended, for the list; the slots are no longer needed.
        return put({
          ...doc,
          status: 'ended',
          endedOn: event.data.endedOn,
          outcome: event.data.outcome,
          doneSlots: [],
          unacknowledged: [],
        });
      case 'quarantine.escalation-raised':
        return put({
          ...doc,
          unacknowledged: [
            ...doc.unacknowledged,
            {
              escalationId: event.data.escalationId,
              raisedAt: envelope.recordedAt,
              overdue: false,
            },
          ],
        });
      case 'quarantine.escalation-overdue':
        return put({
          ...doc,
          unacknowledged: doc.unacknowledged.map((e) =>
            e.escalationId === event.data.escalationId ? { ...e, overdue: true } : e,
          ),
        });
      case 'quarantine.escalation-acknowledged':
      case 'quarantine.escalation-referred-to-hospital':
      case 'quarantine.escalation-resolved':
        return put({
          ...doc,
          unacknowledged: doc.unacknowledged.filter(
            (e) => e.escalationId !== event.data.escalationId,
          ),
        });
      case 'quarantine.check-attempt-failed':
      case 'quarantine.supplies-delivered':
      case 'quarantine.disinfection-recorded':
      case 'quarantine.breach-recorded':
        return [];
      default: {
        const _exhaustive: never = event;
        return [];
      }
    }
  },
};

/** Reads over the active-cases store. */
export class ActiveCases {
  readonly store: ProjectionStore;
  constructor(store: ProjectionStore) {
    this.store = store;
  }

  async all(): Promise<ActiveCase[]> {
    return this.store.list<ActiveCase>(ACTIVE_CASES_COLLECTION);
  }

  async active(): Promise<ActiveCase[]> {
    return (await this.all()).filter((c) => c.status === 'active');
  }

  async get(caseId: string): Promise<ActiveCase | null> {
    return this.store.get<ActiveCase>(ACTIVE_CASES_COLLECTION, caseId);
  }

  /** Active cases per caller of a community (callers with none are absent). */
  async loadByCaller(community: string): Promise<Map<string, number>> {
    const load = new Map<string, number>();
    for (const c of await this.active()) {
      if (c.community === community)
        load.set(c.assignedCaller, (load.get(c.assignedCaller) ?? 0) + 1);
    }
    return load;
  }

  /** The person's running case; if there are several, the one started last. */
  async activeCaseOfPerson(personId: string): Promise<ActiveCase | null> {
    const mine = (await this.active()).filter((c) => c.personId === personId);
    mine.sort((a, b) => b.startDate.localeCompare(a.startDate) || b.caseId.localeCompare(a.caseId));
    return mine[0] ?? null;
  }
}

export interface ActiveCasesFeed {
  readonly activeCases: ActiveCases;
  /** Resolves once everything in the event store at the time of the call has been applied. */
  caughtUp(): Promise<void>;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

/**
 * Keeps the active-cases read model from the event store's global log. The service reads its own
 * log rather than Kafka: the model is small, local to each instance and needed before any policy
 * or scheduler run, and replaying from the start into a fresh (in-memory) store is cheap.
 */
export async function startActiveCasesFeed(options: {
  eventStore: EventStore;
  store: ProjectionStore;
  logger: Logger;
  idleMs?: number;
}): Promise<ActiveCasesFeed> {
  const source = logSource({
    eventStore: options.eventStore,
    ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}),
  });
  const running = await startProcessor(
    readModelProcessor(activeCasesProjection, options.store),
    source,
    options.logger,
  );
  return {
    activeCases: new ActiveCases(options.store),
    caughtUp: () => running.caughtUp(),
    status: () => running.status(),
    stop: () => running.stop(),
  };
}
