import { QUARANTINE_EVENT_TYPES, type QuarantineEvent, type Slot } from '@fangyi/contracts';
import type { Op, Projection } from '@fangyi/projections';

export const ALERTS_COLLECTION = 'alerts';
/** What the alerts need to know of each case: who, where, whose, and which of its alerts are open. */
export const ALERT_CASES_COLLECTION = 'alert-cases';

interface AlertBase {
  /** `escalation-<escalationId>` or `breach-<breachId>`. */
  readonly id: string;
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly assignedCaller: string;
  /** Since when the alert is open: an escalation's recording, a breach's crossing. */
  readonly since: string;
}

/** An escalation nobody has acknowledged yet; `overdue` once the escalation timer recorded it. */
export interface EscalationAlert extends AlertBase {
  readonly kind: 'escalation';
  readonly escalationId: string;
  readonly reason: string;
  readonly temperatureC: number;
  readonly date: string;
  readonly slot: Slot;
  readonly overdue: boolean;
  /** When it became overdue (the end of the time allowed), once recorded. */
  readonly overdueAt: string | null;
}

/** Someone under home quarantine crossed a checkpoint; open until the case ends. */
export interface BreachAlert extends AlertBase {
  readonly kind: 'breach';
  readonly breachId: string;
  readonly checkpointId: string;
  readonly direction: 'entry' | 'exit';
}

export type Alert = EscalationAlert | BreachAlert;

export interface AlertCase {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly assignedCaller: string;
  readonly alertIds: readonly string[];
}

/**
 * The alerts view: one document per open alert (an escalation not yet acknowledged, a checkpoint
 * breach of a running case), deleted when it is acknowledged, referred, resolved or its case ends.
 * The case documents carry what an alert shows of the person and which alerts a case has open, so
 * every change is a put or a delete of whole documents of one stream.
 */
export const alertsProjection: Projection = {
  name: 'alerts',
  // Every case event type, the ones without effect as no-ops, so no revision gap is reported.
  handles: QUARANTINE_EVENT_TYPES,
  async project(envelope, read): Promise<Op[]> {
    const event = { type: envelope.type, data: envelope.data } as QuarantineEvent;
    const putCase = (c: AlertCase): Op => ({
      op: 'put',
      collection: ALERT_CASES_COLLECTION,
      id: c.caseId,
      doc: c,
    });
    const putAlert = (a: Alert): Op => ({
      op: 'put',
      collection: ALERTS_COLLECTION,
      id: a.id,
      doc: a,
    });
    const deleteAlert = (id: string): Op => ({ op: 'delete', collection: ALERTS_COLLECTION, id });
    if (event.type === 'quarantine.home-quarantine-started') {
      const d = event.data;
      return [
        putCase({
          caseId: d.caseId,
          personId: d.personId,
          personName: d.personName,
          community: d.community,
          assignedCaller: d.assignedCaller,
          alertIds: [],
        }),
      ];
    }
    const c = await read.get<AlertCase>(ALERT_CASES_COLLECTION, event.data.caseId);
    if (!c) return [];
    const base = (id: string, since: string) => ({
      id,
      caseId: c.caseId,
      personId: c.personId,
      personName: c.personName,
      community: c.community,
      assignedCaller: c.assignedCaller,
      since,
    });
    const closeAlert = (id: string): Op[] =>
      c.alertIds.includes(id)
        ? [deleteAlert(id), putCase({ ...c, alertIds: c.alertIds.filter((x) => x !== id) })]
        : [];
    switch (event.type) {
      case 'quarantine.escalation-raised': {
        const d = event.data;
        const id = `escalation-${d.escalationId}`;
        if (c.alertIds.includes(id)) return [];
        // Its age counts from when the system learned of it: the same instant the escalation timer counts from.
        const alert: EscalationAlert = {
          ...base(id, envelope.recordedAt),
          kind: 'escalation',
          escalationId: d.escalationId,
          reason: d.reason,
          temperatureC: d.temperatureC,
          date: d.date,
          slot: d.slot,
          overdue: false,
          overdueAt: null,
        };
        return [putAlert(alert), putCase({ ...c, alertIds: [...c.alertIds, id] })];
      }
      case 'quarantine.escalation-overdue': {
        const id = `escalation-${event.data.escalationId}`;
        if (!c.alertIds.includes(id)) return [];
        const alert = await read.get<EscalationAlert>(ALERTS_COLLECTION, id);
        return alert ? [putAlert({ ...alert, overdue: true, overdueAt: event.data.dueAt })] : [];
      }
      case 'quarantine.escalation-acknowledged':
      case 'quarantine.escalation-referred-to-hospital':
      case 'quarantine.escalation-resolved':
        return closeAlert(`escalation-${event.data.escalationId}`);
      case 'quarantine.breach-recorded': {
        const d = event.data;
        const id = `breach-${d.breachId}`;
        if (c.alertIds.includes(id)) return [];
        const alert: BreachAlert = {
          ...base(id, d.at),
          kind: 'breach',
          breachId: d.breachId,
          checkpointId: d.checkpointId,
          direction: d.direction,
        };
        return [putAlert(alert), putCase({ ...c, alertIds: [...c.alertIds, id] })];
      }
      case 'quarantine.caller-reassigned': {
        const alerts = (
          await Promise.all(c.alertIds.map((id) => read.get<Alert>(ALERTS_COLLECTION, id)))
        ).filter((a): a is Alert => a !== null);
        return [
          ...alerts.map((a) => putAlert({ ...a, assignedCaller: event.data.newCaller })),
          putCase({ ...c, assignedCaller: event.data.newCaller }),
        ];
      }
      case 'quarantine.home-quarantine-ended':
        // Nothing of an ended case waits for anyone any more.
        return [...c.alertIds.map(deleteAlert), putCase({ ...c, alertIds: [] })];
      case 'quarantine.symptom-check-logged':
      case 'quarantine.symptom-check-corrected':
      case 'quarantine.symptom-check-missed':
      case 'quarantine.check-attempt-failed':
      case 'quarantine.period-changed':
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
