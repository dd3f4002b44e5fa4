import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Slot } from '@fangyi/contracts';
import { DomainError, fault } from './errors.ts';
import { parseClockTime } from './time.ts';
import type { SlotWindow, SlotWindows } from './slots.ts';

/**
 * The district's configuration: its places (districts, communities with their grids, estates and
 * their Chinese labels) and its policies (risk areas, the home-quarantine period, the check slots'
 * windows, the fever threshold). One JSON file, read once by each process's composition root
 * (FANGYI_CONFIG, default config/district.json: the Kutao district) and passed to what uses it.
 * Events carry the ids; routes check ids against this; labels are looked up here.
 */

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a lower-case id like zhangcun or enma-villas');
const label = z.string().trim().min(1).max(40);
const clockWindow = z.string().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'must be like 06:00-12:00');

export const DistrictConfigSchema = z
  .strictObject({
    /** The whole management area's name, shown on pages (e.g. 枯桃管区). */
    name: label,
    districts: z.array(z.strictObject({ id: slug, label })).min(1),
    communities: z
      .array(
        z.strictObject({
          id: slug,
          label,
          district: slug,
          /** The community's grids (网格); when listed, a household must name one of them. */
          grids: z.array(z.strictObject({ id: slug, label: label.optional() })).optional(),
        }),
      )
      .min(1),
    /** Property estates (物业小区) not under a community; scoped like communities. */
    estates: z.array(z.strictObject({ id: slug, label, district: slug })).default([]),
    /** Where an arrival from starts a home quarantine: `湖北省` or `province/city`; `heading` heads the report's column. */
    riskAreas: z.strictObject({ areas: z.array(z.string().trim().min(1)).min(1), heading: label }),
    /** Days of home quarantine the arrival policy starts (and a start by hand defaults to). */
    quarantinePeriodDays: z.number().int().min(1).max(60),
    slotWindows: z.strictObject({ am: clockWindow, pm: clockWindow }),
    /** From this temperature on (°C) a reading is a fever. */
    feverThresholdC: z.number().min(36).max(40),
  })
  .superRefine((c, ctx) => {
    const districts = new Set<string>();
    c.districts.forEach((d, i) => {
      if (districts.has(d.id))
        ctx.addIssue({
          code: 'custom',
          path: ['districts', i, 'id'],
          message: `district "${d.id}" is listed twice`,
        });
      districts.add(d.id);
    });
    // Estates are scoped like communities (a token lists either), so the two share one namespace.
    const places = new Set<string>();
    for (const kind of ['communities', 'estates'] as const) {
      c[kind].forEach((p, i) => {
        if (!districts.has(p.district))
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'district'],
            message: `unknown district "${p.district}"`,
          });
        if (places.has(p.id))
          ctx.addIssue({
            code: 'custom',
            path: [kind, i, 'id'],
            message: `"${p.id}" is listed twice among communities and estates`,
          });
        places.add(p.id);
      });
    }
    c.communities.forEach((community, i) => {
      const grids = new Set<string>();
      community.grids?.forEach((g, j) => {
        if (grids.has(g.id))
          ctx.addIssue({
            code: 'custom',
            path: ['communities', i, 'grids', j, 'id'],
            message: `grid "${g.id}" is listed twice`,
          });
        grids.add(g.id);
      });
    });
    c.riskAreas.areas.forEach((area, i) => {
      const parts = area.split('/');
      if (parts.length > 2 || !parts[0]?.trim())
        ctx.addIssue({
          code: 'custom',
          path: ['riskAreas', 'areas', i],
          message: `"${area}" is not like 湖北省 or 湖北省/武汉市`,
        });
    });
    for (const slot of ['am', 'pm'] as const) {
      const w = windowOf(c.slotWindows[slot]);
      if (!w)
        ctx.addIssue({
          code: 'custom',
          path: ['slotWindows', slot],
          message: `"${c.slotWindows[slot]}" is not two times of day`,
        });
      else if (w.closes <= w.opens)
        ctx.addIssue({
          code: 'custom',
          path: ['slotWindows', slot],
          message: `"${c.slotWindows[slot]}" closes before it opens`,
        });
    }
  });
export type DistrictConfig = z.output<typeof DistrictConfigSchema>;

function windowOf(value: string): SlotWindow | null {
  const [opens, closes] = value.split('-');
  try {
    return { opens: parseClockTime(opens!), closes: parseClockTime(closes!) };
  } catch {
    return null;
  }
}

/** A zod issue path as a reader writes it: `communities[3].district`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
      .join('') || '(the file)'
  );
}

export interface RiskArea {
  readonly province: string;
  readonly city: string | null;
}

const normalise = (place: string) => place.trim().replace(/(省|市)$/u, '');

/** `湖北省` or `湖北省/武汉市`; a trailing 省 or 市 is optional on either side, so `湖北` matches `湖北省`. */
export function riskAreasOf(areas: readonly string[]): RiskArea[] {
  return areas.map((area) => {
    const [province, city, extra] = area.split('/');
    if (extra !== undefined || !province?.trim())
      throw new Error(`risk area "${area}" is not like 湖北省 or 湖北省/武汉市`);
    return { province: normalise(province), city: city?.trim() ? normalise(city) : null };
  });
}

export function isFromRiskArea(
  areas: readonly RiskArea[],
  originProvince: string,
  originCity: string,
): boolean {
  const province = normalise(originProvince);
  const city = normalise(originCity);
  return areas.some((a) => a.province === province && (a.city === null || a.city === city));
}

/** What a process uses of the configuration, derived once from the file. Immutable. */
export interface District {
  readonly config: DistrictConfig;
  /** Community or estate → its district. */
  readonly communityDistricts: Readonly<Record<string, string>>;
  readonly communities: readonly string[];
  readonly estates: readonly string[];
  readonly riskAreas: readonly RiskArea[];
  readonly quarantinePeriodDays: number;
  readonly slotWindows: SlotWindows;
  readonly feverThresholdC: number;
  /** A community's or estate's Chinese name (the id when not configured: history may name a place no longer listed). */
  placeLabel(id: string): string;
  districtLabel(id: string): string;
  isCommunity(id: string): boolean;
  isEstate(id: string): boolean;
  /** The grids configured for a community; null when it lists none (any grid id is taken). */
  gridsOf(community: string): readonly string[] | null;
}

/** What the console needs to show places: served as /console/places.json. */
export interface PlacesDocument {
  readonly name: string;
  readonly districts: readonly { id: string; label: string }[];
  readonly communities: readonly { id: string; label: string; district: string }[];
  readonly estates: readonly { id: string; label: string; district: string }[];
  readonly riskAreasHeading: string;
  readonly feverThresholdC: number;
  readonly quarantinePeriodDays: number;
}

export function districtOf(config: DistrictConfig): District {
  const communityDistricts = Object.fromEntries(
    [...config.communities, ...config.estates].map((p) => [p.id, p.district]),
  );
  const labels = new Map([...config.communities, ...config.estates].map((p) => [p.id, p.label]));
  const districtLabels = new Map(config.districts.map((d) => [d.id, d.label]));
  const communities = new Set(config.communities.map((c) => c.id));
  const estates = new Set(config.estates.map((e) => e.id));
  const grids = new Map(
    config.communities.filter((c) => c.grids).map((c) => [c.id, c.grids!.map((g) => g.id)]),
  );
  const slotWindows = Object.fromEntries(
    (['am', 'pm'] as const).map((s) => [s, windowOf(config.slotWindows[s])!]),
  ) as Record<Slot, SlotWindow>;
  return Object.freeze({
    config,
    communityDistricts,
    communities: [...communities],
    estates: [...estates],
    riskAreas: riskAreasOf(config.riskAreas.areas),
    quarantinePeriodDays: config.quarantinePeriodDays,
    slotWindows,
    feverThresholdC: config.feverThresholdC,
    placeLabel: (id: string) => labels.get(id) ?? id,
    districtLabel: (id: string) => districtLabels.get(id) ?? id,
    isCommunity: (id: string) => communities.has(id),
    isEstate: (id: string) => estates.has(id),
    gridsOf: (community: string) => grids.get(community) ?? null,
  });
}

export function placesDocument(district: District): PlacesDocument {
  const { config } = district;
  return {
    name: config.name,
    districts: config.districts,
    communities: config.communities.map(({ id, label, district }) => ({ id, label, district })),
    estates: config.estates,
    riskAreasHeading: config.riskAreas.heading,
    feverThresholdC: config.feverThresholdC,
    quarantinePeriodDays: config.quarantinePeriodDays,
  };
}

/** 400 naming the field: `body.estate: unknown estate "x"` (a place the district's configuration does not list). */
export function unknownPlace(field: string, kind: string, id: string): DomainError {
  return new DomainError(
    'VALIDATION_FAILED',
    `${field}: unknown ${kind} "${id}"`,
    fault(field, `unknown ${kind} "${id}"`),
  );
}

export class DistrictConfigError extends Error {
  override readonly name = 'DistrictConfigError';
}

/** Validates a parsed file; every fault named by its path (`communities[3].district: unknown district "x"`). */
export function parseDistrictConfig(
  value: unknown,
  source = 'district configuration',
): DistrictConfig {
  const result = DistrictConfigSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues
      .map((i) => `  ${formatIssuePath(i.path)}: ${i.message}`)
      .join('\n');
    throw new DistrictConfigError(`invalid ${source}:\n${lines}`);
  }
  return result.data;
}

/** The shipped default: the Kutao district of the report. */
export const SHIPPED_DISTRICT_FILE = resolve(
  fileURLToPath(new URL('../../../config/district.json', import.meta.url)),
);

export function readDistrictFile(path: string): DistrictConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DistrictConfigError(
      `cannot read the district configuration ${path}: ${(error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DistrictConfigError(
      `the district configuration ${path} is not JSON: ${(error as Error).message}`,
    );
  }
  return parseDistrictConfig(json, `district configuration ${path}`);
}

/**
 * Applies the older per-setting variables on top of the file (deprecated: set them in the file).
 * FANGYI_SLOT_WINDOWS `am=06:00-12:00,pm=12:00-21:00`; FANGYI_RISK_AREAS `湖北省,浙江省/温州市`;
 * FANGYI_DISTRICTS `kutao=kutao|moujia;zhangcunhe=nanzhang` (moves the places named to those
 * districts, adding a district or community the file does not list, labelled by its id).
 */
export function withDeprecatedOverrides(
  config: DistrictConfig,
  env: NodeJS.ProcessEnv,
): { config: DistrictConfig; used: string[] } {
  const used: string[] = [];
  let next: DistrictConfig = config;
  if (env.FANGYI_SLOT_WINDOWS) {
    used.push('FANGYI_SLOT_WINDOWS');
    const windows: Record<string, string> = { ...next.slotWindows };
    for (const part of env.FANGYI_SLOT_WINDOWS.split(',')) {
      const m = /^\s*(am|pm)=(\d\d:\d\d-\d\d:\d\d)\s*$/.exec(part);
      if (!m)
        throw new DistrictConfigError(
          `FANGYI_SLOT_WINDOWS: slot window "${part}" is not like am=06:00-12:00`,
        );
      windows[m[1]!] = m[2]!;
    }
    next = { ...next, slotWindows: windows as DistrictConfig['slotWindows'] };
  }
  if (env.FANGYI_RISK_AREAS) {
    used.push('FANGYI_RISK_AREAS');
    const areas = env.FANGYI_RISK_AREAS.split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    next = { ...next, riskAreas: { ...next.riskAreas, areas } };
  }
  if (env.FANGYI_DISTRICTS) {
    used.push('FANGYI_DISTRICTS');
    const districts = [...next.districts];
    const communities = [...next.communities];
    const estates = [...next.estates];
    for (const part of env.FANGYI_DISTRICTS.split(';')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const m = /^([a-z0-9][a-z0-9-]*)=(.+)$/.exec(part);
      if (!m)
        throw new DistrictConfigError(`FANGYI_DISTRICTS: "${part}" is not like kutao=kutao|moujia`);
      const district = m[1]!;
      if (!districts.some((d) => d.id === district))
        districts.push({ id: district, label: district });
      for (const id of m[2]!
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean)) {
        const c = communities.findIndex((x) => x.id === id);
        const e = estates.findIndex((x) => x.id === id);
        if (c >= 0) communities[c] = { ...communities[c]!, district };
        else if (e >= 0) estates[e] = { ...estates[e]!, district };
        else communities.push({ id, label: id, district });
      }
    }
    next = { ...next, districts, communities, estates };
  }
  return {
    config: used.length
      ? parseDistrictConfig(
          next,
          'district configuration with FANGYI_SLOT_WINDOWS/FANGYI_RISK_AREAS/FANGYI_DISTRICTS applied',
        )
      : next,
    used,
  };
}

/**
 * The composition root's one call: the file FANGYI_CONFIG names (default the shipped Kutao
 * district), validated, with the deprecated variables applied. Throws naming the bad field.
 */
export function loadDistrict(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = (m) => process.emitWarning(m),
): District {
  const path = env.FANGYI_CONFIG ? resolve(env.FANGYI_CONFIG) : SHIPPED_DISTRICT_FILE;
  const { config, used } = withDeprecatedOverrides(readDistrictFile(path), env);
  if (used.length)
    warn(
      `${used.join(', ')} ${used.length === 1 ? 'is' : 'are'} deprecated: set the same in the district configuration (${path})`,
    );
  return districtOf(config);
}

/** The shipped Kutao district, for tests and tools that need a district and read no environment. */
export const SHIPPED_DISTRICT: District = districtOf(readDistrictFile(SHIPPED_DISTRICT_FILE));
