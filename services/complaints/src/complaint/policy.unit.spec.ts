import { describe, expect, it } from 'vitest';
import {
  DEFAULT_COMPLAINT_POLICY,
  complaintPolicyFromEnv,
  parseHandlers,
  parseReplyWithinHours,
  rentalBanFor,
} from './policy.ts';

describe('complaint policy configuration', () => {
  it("defaults to Kutao's ban: 5000 yuan fine, 4000 yuan reward; replies within 2 h, 24 h, else 72 h", () => {
    const policy = complaintPolicyFromEnv({});
    expect(policy).toEqual(DEFAULT_COMPLAINT_POLICY);
    expect(policy.replyWithinHours).toMatchObject({
      'quarantine-breach': 2,
      'illegal-rental': 24,
      sanitation: 72,
      other: 72,
    });
    expect(rentalBanFor(policy, 'kutao')).toEqual({ fineYuan: 5000, rewardYuan: 4000 });
    expect(rentalBanFor(policy, 'moujia')).toBeNull();
  });

  it('reads the amounts, the ban areas and the reply hours from the environment', () => {
    const policy = complaintPolicyFromEnv({
      FANGYI_RENTAL_FINE_YUAN: '6000',
      FANGYI_REPORT_REWARD_YUAN: '3500',
      FANGYI_RENTAL_BAN_AREAS: 'kutao, zhangcun',
      FANGYI_COMPLAINT_REPLY_HOURS: 'quarantine-breach=1,default=48',
    });
    expect(rentalBanFor(policy, 'zhangcun')).toEqual({ fineYuan: 6000, rewardYuan: 3500 });
    expect(policy.replyWithinHours).toMatchObject({
      'quarantine-breach': 1,
      'illegal-rental': 48,
      supplies: 48,
    });
    expect(
      rentalBanFor(complaintPolicyFromEnv({ FANGYI_RENTAL_BAN_AREAS: '*' }), 'taoyuanju'),
    ).not.toBeNull();
  });

  it('refuses a bad value, naming it', () => {
    expect(() => complaintPolicyFromEnv({ FANGYI_RENTAL_FINE_YUAN: '-5' })).toThrow(
      /FANGYI_RENTAL_FINE_YUAN/,
    );
    expect(() => parseReplyWithinHours('noise=3')).toThrow(/unknown category "noise"/);
    expect(() => parseReplyWithinHours('sanitation=soon')).toThrow(/sanitation=soon/);
  });

  it('reads who handles the complaints of each area (FANGYI_COMPLAINT_HANDLERS), * for every area, and refuses a malformed list naming it', () => {
    const policy = complaintPolicyFromEnv({
      FANGYI_COMPLAINT_HANDLERS: 'kutao=h1|h2; taoyuanju=officer-1; *=district-1',
    });
    expect([...policy.handlers.entries()]).toEqual([
      ['kutao', ['h1', 'h2']],
      ['taoyuanju', ['officer-1']],
      ['*', ['district-1']],
    ]);
    expect(complaintPolicyFromEnv({}).handlers.size).toBe(0);
    expect(() => complaintPolicyFromEnv({ FANGYI_COMPLAINT_HANDLERS: 'kutao' })).toThrow(
      /FANGYI_COMPLAINT_HANDLERS.*not like/,
    );
    expect(() => parseHandlers('kutao=h1|h1')).toThrow(/twice/);
    expect(() => parseHandlers('kutao=h 1')).toThrow(/not valid ids/);
  });
});
