import { z } from 'zod';
import {
  COMPLAINT_CATEGORIES,
  ComplaintCategorySchema,
  type ComplaintCategory,
} from '@fangyi/contracts';
import { ALL_COMMUNITIES } from '@fangyi/service-kit';
import type { HandlersByArea, RentalBanInForce } from './complaint.ts';

/**
 * The district's complaint policy: how soon each category must be answered, and the rental ban
 * (which areas have it, the fine for a host and the reward for a true report). It is configuration:
 * the route passes the values in force into each command and the events record them, so changing
 * the policy never rewrites what was decided under the old one.
 */
export interface ComplaintPolicy {
  /**
   * Who may be assigned complaints of each community or estate (`*`: of every one); the staff
   * accounts will say so later. A complaint is assigned only to one of its area's handlers.
   */
  readonly handlers: HandlersByArea;
  readonly replyWithinHours: Readonly<Record<ComplaintCategory, number>>;
  readonly rentalBan: {
    /** Communities (or estates) where renting to outside people is banned; `*` for everywhere. */
    readonly areas: readonly string[];
    readonly fineYuan: number;
    readonly rewardYuan: number;
  };
}

export const DEFAULT_REPLY_WITHIN_HOURS: Readonly<Record<ComplaintCategory, number>> = {
  'quarantine-breach': 2,
  'illegal-rental': 24,
  sanitation: 72,
  'checkpoint-conduct': 72,
  supplies: 72,
  other: 72,
};

/** Kutao community's ban (the article): 5000 yuan for the host, 4000 yuan for a report that proves true. */
export const DEFAULT_COMPLAINT_POLICY: ComplaintPolicy = {
  handlers: new Map(),
  replyWithinHours: DEFAULT_REPLY_WITHIN_HOURS,
  rentalBan: { areas: ['kutao'], fineYuan: 5000, rewardYuan: 4000 },
};

export function rentalBanFor(policy: ComplaintPolicy, area: string): RentalBanInForce | null {
  const { areas, fineYuan, rewardYuan } = policy.rentalBan;
  return areas.includes(ALL_COMMUNITIES) || areas.includes(area) ? { fineYuan, rewardYuan } : null;
}

/** `kutao=complaint-handler-kutao|h2;taoyuanju=estate-officer-taoyuanju;*=complaint-handler-kutao`, as FANGYI_CALLERS. */
export function parseHandlers(value: string): Map<string, string[]> {
  const handlers = new Map<string, string[]>();
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9][a-z0-9-]*|\*)=(.+)$/.exec(part);
    if (!m) throw new Error(`complaint handlers "${part}" is not like kutao=handler-1|handler-2`);
    const ids = m[2]!
      .split('|')
      .map((id) => id.trim())
      .filter(Boolean);
    if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9_.-]{1,128}$/.test(id)))
      throw new Error(`complaint handlers of ${m[1]} are not valid ids: "${m[2]}"`);
    if (new Set(ids).size !== ids.length)
      throw new Error(`complaint handlers of ${m[1]} name someone twice`);
    handlers.set(m[1]!, ids);
  }
  return handlers;
}

const hours = z.coerce
  .number()
  .positive()
  .max(24 * 90);
const yuan = z.coerce.number().int().positive().max(1_000_000);

/** `quarantine-breach=2,illegal-rental=24,default=72`: categories not named take `default` (else the built-in hours). */
export function parseReplyWithinHours(value: string): Record<ComplaintCategory, number> {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const [key, raw] = pair.split('=').map((s) => s.trim());
      const h = hours.safeParse(raw);
      if (!key || !h.success) throw new Error(`reply hours: "${pair}" is not category=hours`);
      if (key !== 'default' && !ComplaintCategorySchema.safeParse(key).success)
        throw new Error(`reply hours: unknown category "${key}"`);
      return [key, h.data] as const;
    });
  const given = Object.fromEntries(entries) as Partial<
    Record<ComplaintCategory | 'default', number>
  >;
  return Object.fromEntries(
    COMPLAINT_CATEGORIES.map((c) => [
      c,
      given[c] ?? given.default ?? DEFAULT_REPLY_WITHIN_HOURS[c],
    ]),
  ) as Record<ComplaintCategory, number>;
}

export const ComplaintPolicyEnvSchema = z.object({
  FANGYI_RENTAL_FINE_YUAN: yuan.default(DEFAULT_COMPLAINT_POLICY.rentalBan.fineYuan),
  FANGYI_REPORT_REWARD_YUAN: yuan.default(DEFAULT_COMPLAINT_POLICY.rentalBan.rewardYuan),
  FANGYI_RENTAL_BAN_AREAS: z.string().default(DEFAULT_COMPLAINT_POLICY.rentalBan.areas.join(',')),
  FANGYI_COMPLAINT_REPLY_HOURS: z.string().optional(),
  FANGYI_COMPLAINT_HANDLERS: z.string().default(''),
});

/** The policy from the environment (the variables of ComplaintPolicyEnvSchema); a bad value throws naming it. */
export function complaintPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ComplaintPolicy {
  const parsed = ComplaintPolicyEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid complaint policy: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const c = parsed.data;
  let handlers: HandlersByArea;
  try {
    handlers = parseHandlers(c.FANGYI_COMPLAINT_HANDLERS);
  } catch (error) {
    throw new Error(
      `invalid complaint policy: FANGYI_COMPLAINT_HANDLERS: ${(error as Error).message}`,
    );
  }
  return {
    handlers,
    replyWithinHours: c.FANGYI_COMPLAINT_REPLY_HOURS
      ? parseReplyWithinHours(c.FANGYI_COMPLAINT_REPLY_HOURS)
      : DEFAULT_REPLY_WITHIN_HOURS,
    rentalBan: {
      areas: c.FANGYI_RENTAL_BAN_AREAS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      fineYuan: c.FANGYI_RENTAL_FINE_YUAN,
      rewardYuan: c.FANGYI_REPORT_REWARD_YUAN,
    },
  };
}
