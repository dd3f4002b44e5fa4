import { riskAreasOf, type RiskArea } from '@fangyi/service-kit';

/**
 * Configuration of the quarantine policies, parsed once by the composition root.
 *
 * Risk areas are the district configuration's `riskAreas.areas` (service-kit district.ts); the
 * comma-separated form (`湖北省, 浙江省/温州市`) is parsed here for tests.
 *
 * FANGYI_CALLERS: the follow-up callers of each community,
 * `moujia=caller-moujia-1|caller-moujia-2;zhangcun=caller-zhangcun-1`.
 */
export { isFromRiskArea, type RiskArea } from '@fangyi/service-kit';

/** The deprecated FANGYI_RISK_AREAS form (the district file lists `riskAreas.areas`). */
export function parseRiskAreas(value: string): RiskArea[] {
  const areas = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (areas.length === 0) throw new Error('FANGYI_RISK_AREAS names no area');
  return riskAreasOf(areas);
}

export type CallersByCommunity = ReadonlyMap<string, readonly string[]>;

export function parseCallers(value: string): CallersByCommunity {
  const callers = new Map<string, string[]>();
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(part);
    if (!m) throw new Error(`callers "${part}" is not like moujia=caller-1|caller-2`);
    const ids = m[2]!
      .split('|')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9_.-]{1,128}$/.test(id)))
      throw new Error(`callers of ${m[1]} are not valid ids: "${m[2]}"`);
    if (new Set(ids).size !== ids.length) throw new Error(`callers of ${m[1]} name someone twice`);
    callers.set(m[1]!, ids);
  }
  return callers;
}

/**
 * Picks the caller for a new case: the community's caller with the fewest active cases; among
 * equally loaded ones, the next in round-robin order after the last one picked (so a burst of
 * arrivals, which the load figures may not show yet, still spreads over everyone).
 */
export class CallerPicker {
  private readonly callers: CallersByCommunity;
  private readonly last = new Map<string, number>();

  constructor(callers: CallersByCommunity) {
    this.callers = callers;
  }

  pick(community: string, load: ReadonlyMap<string, number>): string | null {
    const ids = this.callers.get(community);
    if (!ids || ids.length === 0) return null;
    const start = ((this.last.get(community) ?? -1) + 1) % ids.length;
    let best = -1;
    for (let i = 0; i < ids.length; i++) {
      const index = (start + i) % ids.length;
      if (best < 0 || (load.get(ids[index]!) ?? 0) < (load.get(ids[best]!) ?? 0)) best = index;
    }
    this.last.set(community, best);
    return ids[best]!;
  }
}
