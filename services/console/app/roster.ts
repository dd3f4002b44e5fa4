/** The shapes of the roster API's answer, as the console reads them. */
export interface SlotState {
  readonly status: string;
  readonly temperatureC: number | null;
  readonly symptoms: readonly string[];
  readonly checkedAt: string | null;
  readonly by: string | null;
  readonly attempts: number;
  readonly lastAttemptReason: string | null;
}
export interface Escalation {
  readonly escalationId: string;
  readonly date: string;
  readonly slot: string;
  readonly reason: string;
  readonly temperatureC: number;
  readonly status: 'open' | 'acknowledged';
  readonly raisedAt: string;
  readonly acknowledgedBy: string | null;
}
export interface RosterEntry {
  readonly caseId: string;
  readonly personId: string;
  readonly personName: string;
  readonly community: string;
  readonly assignedCaller: string;
  readonly day: number;
  readonly periodDays: number;
  readonly startDate: string;
  readonly endDate: string;
  readonly caseStatus: string;
  readonly lastTemperatureC: number | null;
  readonly lastCheckAt: string | null;
  readonly openEscalations: readonly Escalation[];
  readonly breaches: number;
  readonly am: SlotState;
  readonly pm: SlotState;
}
export interface Roster {
  readonly date: string;
  readonly asOf: string;
  readonly slotWindows: {
    am: { opens: string; closes: string };
    pm: { opens: string; closes: string };
  };
  readonly totals: Record<string, number>;
  readonly entries: readonly RosterEntry[];
  /** The cursor of the next page, or null after the last. */
  readonly next: string | null;
  /** The instant asked of, when the roster is shown as of one. */
  readonly cut?: { readonly asOf?: string; readonly knownAt?: string };
}

/** A local date and time from a datetime-local input as an instant in the district (UTC+8). */
export const instantOf = (local: string) =>
  local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : '';

/** Most urgent first: an open escalation, then a missed or overdue slot, then one still to do. */
export function urgency(e: RosterEntry): number {
  const slots = [e.am.status, e.pm.status];
  if (e.openEscalations.some((x) => x.status === 'open')) return 0;
  if (e.openEscalations.length > 0) return 1;
  if (slots.includes('overdue')) return 2;
  if (slots.includes('missed')) return 3;
  if (slots.includes('pending')) return 4;
  return 5;
}

export const URGENCY_LABELS = [
  '有未确认的预警',
  '预警处理中',
  '有超时未测',
  '有漏测',
  '待随访',
  '今日已完成',
];
