import type { Slot } from '@fangyi/contracts';
import {
  SHIPPED_DISTRICT,
  isFromRiskArea,
  slotClosesAt,
  type District,
  type SlotWindows,
} from '@fangyi/service-kit';
import type {
  CaseDoc,
  CheckpointDoc,
  ComplaintDoc,
  CrossingDayDoc,
  HouseholdDoc,
  PersonDoc,
  Span,
} from './projection.ts';

/** The figures the report officer sends up to the street office's command post every day. */
export interface DailyFigures {
  households: {
    total: number;
    ownerOccupied: number;
    rental: number;
    apartmentHotel: number;
    rentalsSuspended: number;
  };
  people: {
    registered: number;
    local: number;
    outside: number;
    outsideFromRiskAreas: number;
    screenedOnDate: number;
    abnormalScreeningsOnDate: number;
    activePasses: number;
  };
  homeQuarantine: {
    underQuarantine: number;
    startedOnDate: number;
    endedOnDate: number;
    checksDueOnDate: number;
    checksDoneOnDate: number;
    missedOnDate: number;
    escalationsRaisedOnDate: number;
    escalationsOpen: number;
  };
  checkpoints: {
    open: number;
    entries: number;
    exits: number;
    refusals: number;
    feverOnEntry: number;
    breaches: number;
  };
  complaints: {
    filedOnDate: number;
    open: number;
    resolvedOnDate: number;
    substantiatedRentalReports: number;
    finesYuan: number;
    rewardsYuan: number;
  };
}

export interface ReportDocs {
  households: readonly HouseholdDoc[];
  people: readonly PersonDoc[];
  cases: readonly CaseDoc[];
  checkpoints: readonly CheckpointDoc[];
  crossingDays: readonly CrossingDayDoc[];
  complaints: readonly ComplaintDoc[];
}

/** community (or estate) → management district. */
export type CommunityDistricts = Readonly<Record<string, string>>;

/** Where a community is not in the configuration: its figures still count, under this district. */
export const UNKNOWN_DISTRICT = 'unassigned';

export interface DailyReportOptions {
  readonly timeZone: string;
  readonly slotWindows: SlotWindows;
  /** The district's places (community or estate → district) and risk areas; default the shipped Kutao district. */
  readonly district?: Pick<District, 'communityDistricts' | 'riskAreas'>;
}

export interface DailyReport {
  readonly date: string;
  readonly total: DailyFigures;
  readonly districts: readonly ({ district: string } & DailyFigures)[];
  readonly communities: readonly ({ community: string; district: string } & DailyFigures)[];
}

const emptyFigures = (): DailyFigures => ({
  households: { total: 0, ownerOccupied: 0, rental: 0, apartmentHotel: 0, rentalsSuspended: 0 },
  people: {
    registered: 0,
    local: 0,
    outside: 0,
    outsideFromRiskAreas: 0,
    screenedOnDate: 0,
    abnormalScreeningsOnDate: 0,
    activePasses: 0,
  },
  homeQuarantine: {
    underQuarantine: 0,
    startedOnDate: 0,
    endedOnDate: 0,
    checksDueOnDate: 0,
    checksDoneOnDate: 0,
    missedOnDate: 0,
    escalationsRaisedOnDate: 0,
    escalationsOpen: 0,
  },
  checkpoints: { open: 0, entries: 0, exits: 0, refusals: 0, feverOnEntry: 0, breaches: 0 },
  complaints: {
    filedOnDate: 0,
    open: 0,
    resolvedOnDate: 0,
    substantiatedRentalReports: 0,
    finesYuan: 0,
    rewardsYuan: 0,
  },
});

/** Whether `date` falls in the span (from inclusive, to exclusive). */
const within = (span: Span, date: string) =>
  span.from <= date && (span.to === null || span.to > date);
const SLOTS: readonly Slot[] = ['am', 'pm'];

function addInto(into: DailyFigures, from: DailyFigures): void {
  for (const [section, values] of Object.entries(from) as [
    keyof DailyFigures,
    Record<string, number>,
  ][]) {
    const target = into[section] as Record<string, number>;
    for (const [k, v] of Object.entries(values)) target[k] = (target[k] ?? 0) + v;
  }
}

/**
 * The report for one business date, per community, per district and for the whole: what stood at
 * the end of `date` (registrations, suspensions, open cases, escalations and complaints) plus
 * what happened on it. Every figure is computed from facts dated on or before `date`, so later
 * events (a lifted suspension, a resolved escalation, a withdrawn fine) never change it.
 */
export function dailyReport(
  docs: ReportDocs,
  date: string,
  inScope: (community: string) => boolean,
  options: DailyReportOptions,
): DailyReport {
  const district = options.district ?? SHIPPED_DISTRICT;
  const districtOf = (community: string) =>
    district.communityDistricts[community] ?? UNKNOWN_DISTRICT;
  // People from the configured risk areas (the arrival policy's), e.g. 湖北籍 in Kutao.
  const fromRiskArea = (p: PersonDoc) =>
    p.originProvince !== null &&
    isFromRiskArea(district.riskAreas, p.originProvince, p.originCity ?? '');
  const rows = new Map<string, DailyFigures>();
  const row = (community: string) => {
    let r = rows.get(community);
    if (!r) rows.set(community, (r = emptyFigures()));
    return r;
  };

  for (const h of docs.households) {
    if (!inScope(h.community) || h.registeredOn > date) continue;
    const r = row(h.community).households;
    r.total++;
    if (h.kind === 'owner-occupied') r.ownerOccupied++;
    else if (h.kind === 'rental') r.rental++;
    else if (h.kind === 'apartment-hotel') r.apartmentHotel++;
    if (h.suspensions.some((s) => within(s, date))) r.rentalsSuspended++;
  }
  for (const p of docs.people) {
    if (p.registeredOn > date) continue;
    // Counted where they lived that day; someone who moved away is counted where they lived last for that day's screening.
    const living = p.residence.find((s) => within(s, date));
    const community =
      living?.community ?? [...p.residence].reverse().find((s) => s.from <= date)?.community;
    if (community === undefined || !inScope(community)) continue;
    const r = row(community).people;
    if (living) {
      r.registered++;
      if (p.registration === 'local') r.local++;
      else {
        r.outside++;
        if (fromRiskArea(p)) r.outsideFromRiskAreas++;
      }
      if (
        p.passes.some(
          (x) =>
            x.issuedOn <= date &&
            x.validUntil >= date &&
            (x.revokedOn === null || x.revokedOn > date),
        )
      )
        r.activePasses++;
    }
    const screening = p.screenings[date];
    if (screening) {
      r.screenedOnDate++;
      if (screening === 'abnormal') r.abnormalScreeningsOnDate++;
    }
  }
  for (const c of docs.cases) {
    // A case registered after its start date counts from its registration: the report of a day
    // before it reads as it did that day, when nobody knew of the case.
    if (!inScope(c.community) || c.registeredOn > date) continue;
    const r = row(c.community).homeQuarantine;
    // The period as it stood at the end of `date`: a later change does not reach back.
    const endDate =
      c.endDates.filter((e) => e.on <= date).at(-1)?.endDate ?? c.endDates[0]!.endDate;
    const ended = c.endedOn !== null && c.endedOn <= date;
    const active = c.startDate <= date && date <= endDate && !ended;
    const registeredAt = Date.parse(c.registeredAt);
    if (active) {
      r.underQuarantine++;
      const day = c.checks[date] ?? {};
      for (const slot of SLOTS) {
        // Slots that closed before the case was registered were nobody's to check; one checked anyway counts.
        const due =
          slotClosesAt(date, slot, options.timeZone, options.slotWindows).getTime() >
            registeredAt || day[slot] === true;
        if (due) r.checksDueOnDate++;
        if (day[slot]) r.checksDoneOnDate++;
      }
    }
    if (c.startDate === date) r.startedOnDate++;
    if (c.endedOn === date) r.endedOnDate++;
    const missed = c.missed[date] ?? {};
    r.missedOnDate += SLOTS.filter((slot) => missed[slot] && !c.checks[date]?.[slot]).length;
    for (const e of c.escalations) {
      if (e.raisedOn === date) r.escalationsRaisedOnDate++;
      // An escalation of a case that has ended is no longer waiting for anyone.
      if (e.raisedOn <= date && (e.closedOn === null || e.closedOn > date) && !ended)
        r.escalationsOpen++;
    }
  }
  const checkpointsById = new Map(docs.checkpoints.map((c) => [c.id, c]));
  // A checkpoint run jointly by several communities counts once, under the first of them in scope.
  const homeOf = (c: CheckpointDoc | undefined) => c?.communities.find(inScope);
  for (const c of docs.checkpoints) {
    const home = homeOf(c);
    if (home && c.openedOn <= date && (c.closedOn === null || c.closedOn > date))
      row(home).checkpoints.open++;
  }
  for (const day of docs.crossingDays) {
    if (day.date !== date) continue;
    const home = homeOf(checkpointsById.get(day.checkpointId));
    if (!home) continue;
    const r = row(home).checkpoints;
    r.entries += day.entries;
    r.exits += day.exits;
    r.refusals += day.refusals;
    r.feverOnEntry += day.feverOnEntry;
    r.breaches += day.breaches;
  }
  for (const c of docs.complaints) {
    if (!inScope(c.scope) || c.filedOn > date) continue;
    const r = row(c.scope).complaints;
    const asOfDate = c.history.filter((h) => h.on <= date).at(-1) ?? c.history[0]!;
    if (c.filedOn === date) r.filedOnDate++;
    if (asOfDate.status !== 'closed' && asOfDate.status !== 'resolved') r.open++;
    if (c.history.some((h) => h.on === date && h.status === 'resolved')) r.resolvedOnDate++;
    if (c.category === 'illegal-rental' && asOfDate.resolution === 'substantiated')
      r.substantiatedRentalReports++;
    r.finesYuan += c.fines.filter((f) => f.on <= date).reduce((sum, f) => sum + f.yuan, 0);
    r.rewardsYuan += c.rewards.filter((f) => f.on <= date).reduce((sum, f) => sum + f.yuan, 0);
  }

  const communities = [...rows.keys()]
    .sort()
    .map((community) => ({ community, district: districtOf(community), ...rows.get(community)! }));
  const byDistrict = new Map<string, DailyFigures>();
  const total = emptyFigures();
  for (const c of communities) {
    let d = byDistrict.get(c.district);
    if (!d) byDistrict.set(c.district, (d = emptyFigures()));
    const { community: _c, district: _d, ...figures } = c;
    addInto(d, figures);
    addInto(total, figures);
  }
  const districts = [...byDistrict.keys()]
    .sort()
    .map((district) => ({ district, ...byDistrict.get(district)! }));
  return { date, total, districts, communities };
}
