import { isFromRiskArea } from '@fangyi/quarantine';
import { addDays, businessDate, daysBetween, instantAt, localTime } from '@fangyi/service-kit';
import type { PreviewHistory, RecordedCase, RecordedCheck } from './history.ts';
import { describePolicy, type FollowUpPolicy } from './settings.ts';

/**
 * The policy preview: the recorded history replayed under a follow-up policy, pure functions over
 * the scratch read model of history.ts. The rules, as the README states them:
 *
 * - Which cases: the recorded ones; with `riskAreas` set, a case the arrival policy started is kept
 *   only if its arrival's origin is a risk area, and an arrival from a risk area that started no
 *   case gets one (from the arrival date, unless its period was already over when the arrival was
 *   recorded or the person was under quarantine that day). Such a case has no recorded checks: its
 *   due slots are counted as `checksNotFollowed`, not as missed.
 * - How long: a case started with the default period (today's period) runs the policy's
 *   period, moved by the days a change by hand moved it; a case started with another period keeps
 *   its recorded end. A case ended before its recorded end (hospital, moved away, lost, or ended
 *   early by hand) stops then whatever the policy; one that completed runs to the policy's end.
 * - Due: every slot of every day of the case whose window closed by the preview's instant, and
 *   after the case was registered or with a check covering it (a check entered late for a slot
 *   before registration shows it was worked); for a case that ended, only windows that had opened
 *   before its end was recorded (a case ended at 20:00 owes its pm slot, not a later one).
 * - Done or missed: a recorded check covers a slot when its time (occurredAt, in the district's
 *   zone) falls on that date inside the slot's window, or up to `earlyMinutes` before it opens when
 *   it falls in no window. A due slot no check covers is missed.
 * - Escalations: a covered slot escalates once if any check covering it is a fever under the
 *   policy's threshold (≥) or names a symptom.
 * - Under quarantine: the people whose case spans the day (start to last day under the policy).
 * - Callers needed: per community and day, ⌈due checks ÷ checks per caller per day⌉; the whole's
 *   day is the sum of its communities' (a caller works in one community); the figure is the peak.
 */

export interface PreviewOptions {
  /** First business date counted; default the first day of the earliest case. */
  readonly from?: string;
  /** Last business date counted, inclusive; default the date of `now`. */
  readonly to?: string;
  /** Only this community. */
  readonly community?: string;
  /** The preview's instant: windows open after it are not due yet. */
  readonly now: Date;
  readonly timeZone: string;
  readonly checksPerCallerPerDay: number;
}

export interface DailyFigures {
  readonly date: string;
  readonly underQuarantine: number;
  readonly checksDue: number;
  readonly callersNeeded: number;
}

export interface Figures {
  /** Cases with at least one day in the range. */
  readonly cases: number;
  readonly checksDue: number;
  readonly checksDone: number;
  readonly checksMissed: number;
  /** Due checks of cases that only the preview has (no history of their follow-up to replay). */
  readonly checksNotFollowed: number;
  readonly escalations: number;
  /** Σ over days of the people under quarantine. */
  readonly personDays: number;
  readonly underQuarantinePeak: number;
  readonly callersNeededPeak: number;
  readonly daily: readonly DailyFigures[];
}

export interface Comparison {
  readonly today: Figures;
  readonly preview: Figures;
  readonly difference: Figures;
}

export interface PolicyPreview {
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  readonly timeZone: string;
  readonly checksPerCallerPerDay: number;
  readonly policies: {
    readonly today: ReturnType<typeof describePolicy>;
    readonly preview: ReturnType<typeof describePolicy>;
  };
  readonly total: Comparison;
  readonly communities: readonly ({ readonly community: string } & Comparison)[];
}

/** A case as a policy would have run it. */
export interface PolicyCase {
  readonly caseId: string;
  readonly personId: string;
  readonly community: string;
  readonly startDate: string;
  /** Last day under the policy (inclusive). */
  readonly lastDay: string;
  readonly registeredAt: string;
  /** Slots opening at or after this instant are not due (the case's end was recorded then); null: none. */
  readonly cutoff: string | null;
  readonly checks: readonly RecordedCheck[];
  /** False for a case only the preview has. */
  readonly recorded: boolean;
}

const minDate = (a: string, b: string) => (a < b ? a : b);

function underPolicy(c: RecordedCase, policy: FollowUpPolicy, todayPeriodDays: number): PolicyCase {
  const follows = c.periodDays === todayPeriodDays;
  const movedByHand = daysBetween(c.startEndDate, c.endDate);
  const policyEnd = follows ? addDays(c.startDate, policy.periodDays - 1 + movedByHand) : c.endDate;
  let lastDay = policyEnd;
  let cutoff: string | null = null;
  if (c.ended) {
    if (c.ended.endedOn < c.endDate) {
      lastDay = minDate(c.ended.endedOn, policyEnd);
      cutoff = c.ended.recordedAt;
    } else if (policyEnd <= c.ended.endedOn) cutoff = c.ended.recordedAt;
  }
  return {
    caseId: c.caseId,
    personId: c.personId,
    community: c.community,
    startDate: c.startDate,
    lastDay,
    registeredAt: c.registeredAt,
    cutoff,
    checks: c.checks,
    recorded: true,
  };
}

/** The cases of the history under a policy (see the rules above). */
/** `todayPeriodDays`: the period cases were started with by default when they were recorded (today's policy). */
export function casesUnder(
  history: PreviewHistory,
  policy: FollowUpPolicy,
  timeZone: string,
  todayPeriodDays: number,
): PolicyCase[] {
  const areas = policy.riskAreas;
  if (areas === null) return history.cases.map((c) => underPolicy(c, policy, todayPeriodDays));
  const arrivals = new Map(history.arrivals.map((a) => [a.eventId, a]));
  const fromRiskArea = (a: { originProvince: string; originCity: string }) =>
    isFromRiskArea(areas, a.originProvince, a.originCity);
  const kept = history.cases
    .filter((c) => {
      const arrival = c.sourceEventId ? arrivals.get(c.sourceEventId) : undefined;
      return !arrival || fromRiskArea(arrival);
    })
    .map((c) => underPolicy(c, policy, todayPeriodDays));
  const started = new Set(
    history.cases.map((c) => c.sourceEventId).filter((id): id is string => id !== null),
  );
  const byPerson = new Map<string, PolicyCase[]>();
  for (const c of kept) byPerson.set(c.personId, [...(byPerson.get(c.personId) ?? []), c]);
  const added: PolicyCase[] = [];
  for (const a of [...history.arrivals].sort(
    (x, y) => Date.parse(x.recordedAt) - Date.parse(y.recordedAt),
  )) {
    if (started.has(a.eventId) || !fromRiskArea(a)) continue;
    const lastDay = addDays(a.arrivedOn, policy.periodDays - 1);
    if (lastDay < businessDate(new Date(a.recordedAt), timeZone)) continue;
    const running = (byPerson.get(a.personId) ?? []).some(
      (c) => c.startDate <= a.arrivedOn && a.arrivedOn <= c.lastDay,
    );
    if (running) continue;
    const c: PolicyCase = {
      caseId: `preview-${a.eventId}`,
      personId: a.personId,
      community: a.community,
      startDate: a.arrivedOn,
      lastDay,
      registeredAt: a.recordedAt,
      cutoff: null,
      checks: [],
      recorded: false,
    };
    added.push(c);
    byPerson.set(a.personId, [...(byPerson.get(a.personId) ?? []), c]);
  }
  return [...kept, ...added];
}

/** The slot of the policy a check at this local minute covers: inside a window, else just before one opens. */
export function slotOfMinute(policy: FollowUpPolicy, minutes: number): number | null {
  const inside = policy.slots.findIndex((w) => w.opens <= minutes && minutes < w.closes);
  if (inside >= 0) return inside;
  const early = policy.slots.findIndex(
    (w) => w.opens - policy.earlyMinutes <= minutes && minutes < w.opens,
  );
  return early >= 0 ? early : null;
}

interface Tally {
  cases: Set<string>;
  due: number;
  done: number;
  missed: number;
  notFollowed: number;
  escalations: number;
  /** date → people under quarantine, due checks */
  people: Map<string, Set<string>>;
  dueOn: Map<string, number>;
}

const newTally = (): Tally => ({
  cases: new Set(),
  due: 0,
  done: 0,
  missed: 0,
  notFollowed: 0,
  escalations: 0,
  people: new Map(),
  dueOn: new Map(),
});

/**
 * The district's clock for many instants at once: the zone's offset found once per UTC hour (zones
 * change offset on the hour), and each slot's opening and closing instant once per date and minute.
 * localTime and instantAt answer one instant at a time, costly over a million checks.
 */
export class DistrictClock {
  private readonly offsets = new Map<number, number>();
  private readonly instants = new Map<string, number>();
  private readonly timeZone: string;
  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  local(ms: number): { date: string; minutes: number } {
    const hour = Math.floor(ms / 3_600_000);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const l = localTime(new Date(hour * 3_600_000), this.timeZone);
      offset = Date.parse(`${l.date}T00:00:00Z`) + l.minutes * 60_000 - hour * 3_600_000;
      this.offsets.set(hour, offset);
    }
    const localMs = ms + offset;
    const date = new Date(localMs).toISOString().slice(0, 10);
    return { date, minutes: Math.floor((localMs - Date.parse(`${date}T00:00:00Z`)) / 60_000) };
  }

  at(date: string, minutes: number): number {
    const key = `${date}/${minutes}`;
    let ms = this.instants.get(key);
    if (ms === undefined) {
      ms = instantAt(date, minutes, this.timeZone).getTime();
      this.instants.set(key, ms);
    }
    return ms;
  }
}

function tallyCase(
  t: Tally,
  c: PolicyCase,
  policy: FollowUpPolicy,
  range: { from: string; to: string },
  now: number,
  clock: DistrictClock,
): void {
  const first = c.startDate > range.from ? c.startDate : range.from;
  const last = minDate(c.lastDay, range.to);
  if (first > last) return;
  t.cases.add(c.caseId);
  const covering = new Map<string, RecordedCheck[]>();
  for (const check of c.checks) {
    const local = clock.local(Date.parse(check.at));
    const slot = slotOfMinute(policy, local.minutes);
    if (slot === null) continue;
    const key = `${local.date}/${slot}`;
    covering.set(key, [...(covering.get(key) ?? []), check]);
  }
  const registered = Date.parse(c.registeredAt);
  const cutoff = c.cutoff === null ? Infinity : Date.parse(c.cutoff);
  for (let date = first; date <= last; date = addDays(date, 1)) {
    const people = t.people.get(date) ?? new Set<string>();
    people.add(c.personId);
    t.people.set(date, people);
    policy.slots.forEach((w, slot) => {
      const closes = clock.at(date, w.closes);
      const checks = covering.get(`${date}/${slot}`);
      // Before registration a slot was nobody's to work, unless a check (entered late) shows it was worked.
      if ((closes <= registered && !checks) || closes > now || clock.at(date, w.opens) >= cutoff)
        return;
      t.due++;
      t.dueOn.set(date, (t.dueOn.get(date) ?? 0) + 1);
      if (!c.recorded) {
        t.notFollowed++;
        return;
      }
      if (!checks) {
        t.missed++;
        return;
      }
      t.done++;
      if (checks.some((k) => k.temperatureC >= policy.feverThresholdC || k.symptoms.length > 0))
        t.escalations++;
    });
  }
}

function datesOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

function figuresOf(
  tallies: readonly Tally[],
  dates: readonly string[],
  perCaller: number,
): Figures {
  const daily = dates.map((date): DailyFigures => {
    const people = new Set<string>();
    let due = 0;
    let callers = 0;
    for (const t of tallies) {
      for (const p of t.people.get(date) ?? []) people.add(p);
      const d = t.dueOn.get(date) ?? 0;
      due += d;
      callers += Math.ceil(d / perCaller);
    }
    return { date, underQuarantine: people.size, checksDue: due, callersNeeded: callers };
  });
  const sum = (f: (t: Tally) => number) => tallies.reduce((n, t) => n + f(t), 0);
  return {
    cases: sum((t) => t.cases.size),
    checksDue: sum((t) => t.due),
    checksDone: sum((t) => t.done),
    checksMissed: sum((t) => t.missed),
    checksNotFollowed: sum((t) => t.notFollowed),
    escalations: sum((t) => t.escalations),
    personDays: daily.reduce((n, d) => n + d.underQuarantine, 0),
    underQuarantinePeak: Math.max(0, ...daily.map((d) => d.underQuarantine)),
    callersNeededPeak: Math.max(0, ...daily.map((d) => d.callersNeeded)),
    daily,
  };
}

export function differenceOf(today: Figures, preview: Figures): Figures {
  const byDate = new Map(today.daily.map((d) => [d.date, d]));
  return {
    cases: preview.cases - today.cases,
    checksDue: preview.checksDue - today.checksDue,
    checksDone: preview.checksDone - today.checksDone,
    checksMissed: preview.checksMissed - today.checksMissed,
    checksNotFollowed: preview.checksNotFollowed - today.checksNotFollowed,
    escalations: preview.escalations - today.escalations,
    personDays: preview.personDays - today.personDays,
    underQuarantinePeak: preview.underQuarantinePeak - today.underQuarantinePeak,
    callersNeededPeak: preview.callersNeededPeak - today.callersNeededPeak,
    daily: preview.daily.map((d) => {
      const t = byDate.get(d.date);
      return {
        date: d.date,
        underQuarantine: d.underQuarantine - (t?.underQuarantine ?? 0),
        checksDue: d.checksDue - (t?.checksDue ?? 0),
        callersNeeded: d.callersNeeded - (t?.callersNeeded ?? 0),
      };
    }),
  };
}

/** Each community's tally of the cases under a policy. */
function talliesOf(
  cases: readonly PolicyCase[],
  policy: FollowUpPolicy,
  range: { from: string; to: string },
  options: PreviewOptions,
): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  const now = options.now.getTime();
  const clock = new DistrictClock(options.timeZone);
  for (const c of cases) {
    if (options.community && c.community !== options.community) continue;
    const t = tallies.get(c.community) ?? newTally();
    tallies.set(c.community, t);
    tallyCase(t, c, policy, range, now, clock);
  }
  return tallies;
}

/** The history under today's policy and under the preview's, side by side, per community and in total. */
export function previewPolicy(
  history: PreviewHistory,
  today: FollowUpPolicy,
  preview: FollowUpPolicy,
  options: PreviewOptions,
): PolicyPreview {
  const todayCases = casesUnder(history, today, options.timeZone, today.periodDays);
  const previewCases = casesUnder(history, preview, options.timeZone, today.periodDays);
  const inScope = (c: PolicyCase) => !options.community || c.community === options.community;
  const to = options.to ?? businessDate(options.now, options.timeZone);
  const starts = [...todayCases, ...previewCases].filter(inScope).map((c) => c.startDate);
  const from = options.from ?? (starts.length > 0 ? starts.reduce(minDate) : to);
  const range = { from, to: to < from ? from : to };
  const dates = datesOf(range.from, range.to);
  const a = talliesOf(todayCases, today, range, options);
  const b = talliesOf(previewCases, preview, range, options);
  const communities = [...new Set([...a.keys(), ...b.keys()])].sort().map((community) => {
    const t = figuresOf([a.get(community) ?? newTally()], dates, options.checksPerCallerPerDay);
    const p = figuresOf([b.get(community) ?? newTally()], dates, options.checksPerCallerPerDay);
    return { community, today: t, preview: p, difference: differenceOf(t, p) };
  });
  const t = figuresOf([...a.values()], dates, options.checksPerCallerPerDay);
  const p = figuresOf([...b.values()], dates, options.checksPerCallerPerDay);
  return {
    from: range.from,
    to: range.to,
    asOf: options.now.toISOString(),
    timeZone: options.timeZone,
    checksPerCallerPerDay: options.checksPerCallerPerDay,
    policies: { today: describePolicy(today), preview: describePolicy(preview) },
    total: { today: t, preview: p, difference: differenceOf(t, p) },
    communities,
  };
}
