import type { CaseDoc, CheckpointDoc, ComplaintDoc, CrossingDayDoc, HouseholdDoc, PersonDoc } from './projection.ts';

/** The figures the report officer sends up to the street office's command post every day. */
export interface DailyFigures {
  households: { total: number; ownerOccupied: number; rental: number; apartmentHotel: number; rentalsSuspended: number };
  people: { registered: number; local: number; outside: number; outsideFromHubei: number; screenedOnDate: number; abnormalScreeningsOnDate: number; activePasses: number };
  homeQuarantine: { underQuarantine: number; startedOnDate: number; endedOnDate: number; checksDueOnDate: number; checksDoneOnDate: number; missedOnDate: number; escalationsRaisedOnDate: number; escalationsOpen: number };
  checkpoints: { open: number; entries: number; exits: number; refusals: number; feverOnEntry: number; breaches: number };
  complaints: { filedOnDate: number; open: number; resolvedOnDate: number; substantiatedRentalReports: number; finesYuan: number; rewardsYuan: number };
}

export interface ReportDocs {
  households: readonly HouseholdDoc[];
  people: readonly PersonDoc[];
  cases: readonly CaseDoc[];
  checkpoints: readonly CheckpointDoc[];
  crossingDays: readonly CrossingDayDoc[];
  complaints: readonly ComplaintDoc[];
}

const emptyFigures = (): DailyFigures => ({
  households: { total: 0, ownerOccupied: 0, rental: 0, apartmentHotel: 0, rentalsSuspended: 0 },
  people: { registered: 0, local: 0, outside: 0, outsideFromHubei: 0, screenedOnDate: 0, abnormalScreeningsOnDate: 0, activePasses: 0 },
  homeQuarantine: { underQuarantine: 0, startedOnDate: 0, endedOnDate: 0, checksDueOnDate: 0, checksDoneOnDate: 0, missedOnDate: 0, escalationsRaisedOnDate: 0, escalationsOpen: 0 },
  checkpoints: { open: 0, entries: 0, exits: 0, refusals: 0, feverOnEntry: 0, breaches: 0 },
  complaints: { filedOnDate: 0, open: 0, resolvedOnDate: 0, substantiatedRentalReports: 0, finesYuan: 0, rewardsYuan: 0 },
});

const isHubei = (province: string | null) => province !== null && province.startsWith('湖北');

/**
 * The report for one business date, per community and for the district: everything as it stood
 * at the end of `date` (registrations, open cases, open checkpoints) plus what happened on it.
 */
export function dailyReport(docs: ReportDocs, date: string, inScope: (community: string) => boolean) {
  const rows = new Map<string, DailyFigures>();
  const row = (community: string) => {
    let r = rows.get(community);
    if (!r) rows.set(community, (r = emptyFigures()));
    return r;
  };

  for (const h of docs.households) {
    if (!inScope(h.community)) continue;
    const r = row(h.community).households;
    r.total++;
    if (h.kind === 'owner-occupied') r.ownerOccupied++;
    else if (h.kind === 'rental') r.rental++;
    else if (h.kind === 'apartment-hotel') r.apartmentHotel++;
    if (h.suspended) r.rentalsSuspended++;
  }
  for (const p of docs.people) {
    if (!inScope(p.community) || p.registeredOn > date) continue;
    const r = row(p.community).people;
    const present = p.movedOutOn === null || p.movedOutOn > date;
    if (present) {
      r.registered++;
      if (p.registration === 'local') r.local++;
      else {
        r.outside++;
        if (isHubei(p.originProvince)) r.outsideFromHubei++;
      }
    }
    const screening = p.screenings[date];
    if (screening) {
      r.screenedOnDate++;
      if (screening === 'abnormal') r.abnormalScreeningsOnDate++;
    }
    if (p.pass && p.pass.issuedOn <= date && p.pass.validUntil >= date && (p.pass.revokedOn === null || p.pass.revokedOn > date)) r.activePasses++;
  }
  for (const c of docs.cases) {
    if (!inScope(c.community)) continue;
    const r = row(c.community).homeQuarantine;
    const active = c.startDate <= date && date <= c.endDate && (c.endedOn === null || c.endedOn > date);
    if (active) {
      r.underQuarantine++;
      r.checksDueOnDate += 2;
      const day = c.checks[date];
      r.checksDoneOnDate += (day?.am ? 1 : 0) + (day?.pm ? 1 : 0);
    }
    if (c.startDate === date) r.startedOnDate++;
    if (c.endedOn === date) r.endedOnDate++;
    r.missedOnDate += c.missed[date] ?? 0;
    r.escalationsRaisedOnDate += c.escalationsRaised[date] ?? 0;
    r.escalationsOpen += c.escalationsOpen;
  }
  const checkpointsById = new Map(docs.checkpoints.map((c) => [c.id, c]));
  // A checkpoint run jointly by several communities counts once, under the first of them in scope.
  const homeOf = (c: CheckpointDoc | undefined) => c?.communities.find(inScope);
  for (const c of docs.checkpoints) {
    const home = homeOf(c);
    if (home && c.openedOn <= date && (c.closedOn === null || c.closedOn > date)) row(home).checkpoints.open++;
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
    if (c.filedOn === date) r.filedOnDate++;
    if (c.status !== 'closed' && c.status !== 'resolved') r.open++;
    if (c.resolvedOn === date) r.resolvedOnDate++;
    if (c.category === 'illegal-rental' && c.resolution === 'substantiated') r.substantiatedRentalReports++;
    r.finesYuan += c.fineYuan;
    r.rewardsYuan += c.rewardYuan;
  }

  const communities = [...rows.keys()].sort();
  const total = emptyFigures();
  for (const figures of rows.values()) {
    for (const [section, values] of Object.entries(figures) as [keyof DailyFigures, Record<string, number>][]) {
      const into = total[section] as Record<string, number>;
      for (const [k, v] of Object.entries(values)) into[k] = (into[k] ?? 0) + v;
    }
  }
  return { date, total, communities: communities.map((community) => ({ community, ...rows.get(community)! })) };
}
