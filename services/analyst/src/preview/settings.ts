import { z } from 'zod';
import { TEMPERATURE_MAX_C, TEMPERATURE_MIN_C } from '@fangyi/contracts';
import { parseRiskAreas, type RiskArea } from '@fangyi/quarantine';
import {
  DEFAULT_EARLY_CHECK_MINUTES,
  SHIPPED_DISTRICT,
  daysBetween,
  type District,
  formatClockTime,
  parseClockTime,
  type SlotWindow,
} from '@fangyi/service-kit';

/**
 * A follow-up policy as the preview replays it: a plain object, validated once, so it can come
 * from a request, the command line or (later) the district's configuration file alike.
 */
export interface FollowUpPolicy {
  /** Days of a home quarantine started by the policy (arrivals, and cases started with the default). */
  readonly periodDays: number;
  /** The day's check slots, in order, not overlapping: each a window of local minutes [opens, closes). */
  readonly slots: readonly SlotWindow[];
  /** A check at or above this temperature is a fever; a fever or any symptom escalates. */
  readonly feverThresholdC: number;
  /**
   * Arrivals from these origins start a home quarantine; null keeps the cases as recorded (the
   * arrival policy's decisions of the day, cases started by hand).
   */
  readonly riskAreas: readonly RiskArea[] | null;
  /** A check taken this many minutes before a window opens still counts for it (as the quarantine service takes it). */
  readonly earlyMinutes: number;
}

/** The staffing assumption: how many checks one caller works in a day. */
export const DEFAULT_CHECKS_PER_CALLER_PER_DAY = 40;

/** Today's policy: the district's, as the services apply it (config/district.json). */
export function todayPolicyOf(
  district: Pick<District, 'quarantinePeriodDays' | 'slotWindows' | 'feverThresholdC'>,
): FollowUpPolicy {
  return {
    periodDays: district.quarantinePeriodDays,
    slots: [district.slotWindows.am, district.slotWindows.pm],
    feverThresholdC: district.feverThresholdC,
    riskAreas: null,
    earlyMinutes: DEFAULT_EARLY_CHECK_MINUTES,
  };
}

/** Today's policy in the shipped district (Kutao). */
export const TODAY_POLICY: FollowUpPolicy = todayPolicyOf(SHIPPED_DISTRICT);

const clockTime = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** `07:00-10:00,11:00-14:00` → windows in order; overlapping, empty or reversed ones are refused. */
export const SlotsSchema = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const windows: SlotWindow[] = [];
    for (const part of value.split(',').map((p) => p.trim())) {
      const [opens, closes, extra] = part.split('-');
      if (
        extra !== undefined ||
        !opens ||
        !closes ||
        !clockTime.test(opens) ||
        !clockTime.test(closes)
      ) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a window like 07:00-10:00` });
        return z.NEVER;
      }
      const w = { opens: parseClockTime(opens), closes: parseClockTime(closes) };
      if (w.closes <= w.opens) {
        ctx.addIssue({ code: 'custom', message: `${part} closes before it opens` });
        return z.NEVER;
      }
      windows.push(w);
    }
    windows.sort((a, b) => a.opens - b.opens);
    for (let i = 1; i < windows.length; i++) {
      if (windows[i]!.opens < windows[i - 1]!.closes) {
        ctx.addIssue({
          code: 'custom',
          message: `windows overlap: ${formatWindow(windows[i - 1]!)} and ${formatWindow(windows[i]!)}`,
        });
        return z.NEVER;
      }
    }
    return windows;
  })
  .pipe(
    z
      .array(z.object({ opens: z.number(), closes: z.number() }))
      .min(1, 'at least one slot a day')
      .max(6, 'at most six slots a day'),
  );

/** `湖北省,广东省/深圳市`, as FANGYI_RISK_AREAS. */
export const RiskAreasSchema = z
  .string()
  .max(2000)
  .transform((value, ctx) => {
    try {
      return parseRiskAreas(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A number, or its text as a query string or a command line gives it. */
const number = (schema: z.ZodNumber) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v),
    schema,
  );
const date = z.iso.date();
export const MAX_RANGE_DAYS = 3660;

/**
 * What an analyst asks the preview: the settings that differ from today's (each absent one is
 * today's), the staffing assumption, and which days and community. Strings or numbers, so a query
 * string and a JSON body read alike.
 */
export const PreviewRequestSchema = z
  .strictObject({
    periodDays: number(z.number().int().min(1).max(60)).optional(),
    slots: SlotsSchema.optional(),
    feverThresholdC: number(z.number().min(TEMPERATURE_MIN_C).max(TEMPERATURE_MAX_C)).optional(),
    riskAreas: RiskAreasSchema.optional(),
    earlyMinutes: number(z.number().int().min(0).max(120)).optional(),
    checksPerCallerPerDay: number(z.number().int().min(1).max(1000)).optional(),
    /** First business date counted (default: the first day of the earliest case). */
    from: date.optional(),
    /** Last business date counted, inclusive (default: today). */
    to: date.optional(),
    community: z.string().min(1).max(128).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    path: ['to'],
    message: 'must not be before from',
  })
  // A day is a row of every community's answer: ten years is more than any epidemic's history.
  .refine((q) => !q.from || !q.to || daysBetween(q.from, q.to) < MAX_RANGE_DAYS, {
    path: ['to'],
    message: `at most ${MAX_RANGE_DAYS} days after from`,
  });
export type PreviewRequest = z.infer<typeof PreviewRequestSchema>;

/** The preview's policy: today's, with what the request changes. */
export function previewPolicyOf(
  request: PreviewRequest,
  today: FollowUpPolicy = TODAY_POLICY,
): FollowUpPolicy {
  return {
    periodDays: request.periodDays ?? today.periodDays,
    slots: request.slots ?? today.slots,
    feverThresholdC: request.feverThresholdC ?? today.feverThresholdC,
    riskAreas: request.riskAreas ?? today.riskAreas,
    earlyMinutes: request.earlyMinutes ?? today.earlyMinutes,
  };
}

export const formatWindow = (w: SlotWindow) =>
  `${formatClockTime(w.opens)}-${formatClockTime(w.closes)}`;

/** The policy as people read it (and as the answer shows it). */
export function describePolicy(p: FollowUpPolicy) {
  return {
    periodDays: p.periodDays,
    slots: p.slots.map(formatWindow),
    feverThresholdC: p.feverThresholdC,
    riskAreas:
      p.riskAreas === null
        ? null
        : p.riskAreas.map((a) => (a.city ? `${a.province}/${a.city}` : a.province)),
    earlyMinutes: p.earlyMinutes,
  };
}
