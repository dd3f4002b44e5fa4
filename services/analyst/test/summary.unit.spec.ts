import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  KNOWN_EVENT_TYPES,
  checkpointsEvents,
  complaintsEvents,
  parseEnvelope,
  quarantineEvents,
  residentsEvents,
  staffEvents,
  type Envelope,
} from '@fangyi/contracts';
import { SUMMARIZED_TYPES, summaryOf } from '../src/summary.ts';

/**
 * Every registered event type's timeline summary is plain Chinese: made from the event's fields,
 * never an English note. Samples: the recorded history of the version-1 fixture (the events as the
 * services wrote them), and for the types it lacks, data written here and validated against the
 * registered schema; then each sample again with every value of each of its coded fields.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures/history-v1.ndjson.gz');
const SCHEMAS: Record<string, { schema: z.ZodType }> = {
  ...residentsEvents,
  ...quarantineEvents,
  ...checkpointsEvents,
  ...complaintsEvents,
  ...staffEvents,
};

const P = '01a23441-0c42-724d-9afe-3b5a8edcc0a9';
const C = '01a23441-0c4c-7461-b33f-8ddddc306efc';
const at = '2026-12-02T08:30:00.000+08:00';
/** Data for the types the fixture has no event of, people's free text in Chinese as they type it. */
const WRITTEN: Record<string, Record<string, unknown>> = {
  'residents.rental-suspension-lifted': {
    householdId: P,
    community: 'moujia',
    note: '整改完毕',
    liftedOn: '2026-12-02',
  },
  'residents.person-moved-in': {
    personId: P,
    fromHouseholdId: C,
    householdId: P,
    community: 'moujia',
    movedInOn: '2026-12-01',
  },
  'residents.person-moved-out': {
    personId: P,
    householdId: P,
    community: 'moujia',
    movedOutOn: '2026-12-01',
    destination: '青岛市',
  },
  'residents.pass-revoked': {
    personId: P,
    passId: C,
    reason: 'moved-out',
    note: '已搬走',
    revokedOn: '2026-12-01',
  },
  'residents.quarantine-cleared': {
    personId: P,
    caseId: C,
    endedOn: '2026-12-01',
    outcome: 'completed',
  },
  'residents.person-forgotten': {
    personId: P,
    community: 'moujia',
    reason: 'subject-request',
    forgottenOn: '2026-12-01',
  },
  'quarantine.caller-reassigned': {
    caseId: C,
    previousCaller: 'caller-moujia-1',
    newCaller: 'caller-moujia-2',
    reason: '原随访员休假',
  },
  'quarantine.period-changed': {
    caseId: C,
    previousEndDate: '2026-12-14',
    newEndDate: '2026-12-20',
    periodDays: 20,
    reason: '同住人确诊，延长隔离',
  },
  'quarantine.home-quarantine-ended': {
    caseId: C,
    personId: P,
    community: 'moujia',
    outcome: 'sent-to-hospital',
    endedOn: '2026-12-02',
  },
  'quarantine.escalation-acknowledged': { caseId: C, escalationId: P, by: 'caller-moujia-1', at },
  'quarantine.escalation-overdue': {
    caseId: C,
    escalationId: P,
    raisedAt: at,
    dueAt: at,
    overdueAfterMinutes: 30,
  },
  'quarantine.escalation-referred-to-hospital': {
    caseId: C,
    escalationId: P,
    hospital: '市立医院发热门诊',
    by: 'caller-moujia-1',
    at,
  },
  'quarantine.escalation-resolved': {
    caseId: C,
    escalationId: P,
    note: '复测体温正常',
    by: 'caller-moujia-1',
    at,
  },
  'quarantine.supplies-delivered': {
    caseId: C,
    deliveryId: P,
    items: ['thermometer', 'food'],
    deliveredAt: at,
  },
  'quarantine.disinfection-recorded': { caseId: C, disinfectionId: P, place: 'home', at },
  'quarantine.breach-recorded': {
    caseId: C,
    breachId: P,
    checkpointId: 'cp-kutao-east',
    at,
    direction: 'exit',
    sourceEventId: P,
  },
  'checkpoints.checkpoint-closed': {
    checkpointId: 'cp-kutao-east',
    reason: '道路恢复通行',
    closedAt: at,
  },
  'checkpoints.shift-ended': {
    checkpointId: 'cp-kutao-east',
    shiftId: P,
    endedAt: at,
    handoverNote: '交接无异常',
  },
  'checkpoints.quarantine-breach-recorded': {
    breachId: P,
    checkpointId: 'cp-kutao-east',
    crossingId: C,
    personId: P,
    caseId: C,
    direction: 'exit',
    at,
  },
  'complaints.reporter-forgotten': {
    subject: `phone-${'ab'.repeat(32)}`,
    reason: 'retention-expired',
    forgottenOn: '2026-12-01',
  },
  'complaints.fine-withdrawn': {
    complaintId: C,
    householdId: P,
    amountYuan: 200,
    reason: 'resolution-changed',
  },
  'complaints.reward-withdrawn': {
    complaintId: C,
    reporterName: '王芳',
    amountYuan: 100,
    reason: 'household-corrected',
  },
  'complaints.complaint-reopened': {
    complaintId: C,
    reason: '投诉人补充了新情况',
    previousResolution: 'unsubstantiated',
    status: 'investigating',
    statusNote: '重新调查',
  },
  'staff.account-created': {
    loginName: 'caller-moujia-9',
    displayName: '赵敏',
    role: 'caller',
    communities: ['moujia'],
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
  },
  'staff.account-disabled': { loginName: 'caller-moujia-9', reason: '已调离' },
  'staff.account-enabled': { loginName: 'caller-moujia-9' },
  'staff.password-reset': {
    loginName: 'caller-moujia-9',
    passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
  },
};

const envelopeOf = (type: string, data: unknown): Envelope => {
  try {
    return parseEnvelope({
      id: P,
      type,
      schemaVersion: 1,
      streamId: `sample-${type}`,
      streamRevision: 0,
      occurredAt: at,
      recordedAt: '2026-12-02T00:30:00.000Z',
      actor: { id: 'someone', role: 'registrar' },
      correlationId: C,
      causationId: null,
      data,
    });
  } catch (error) {
    throw new Error(
      `${type}: ${JSON.stringify((error as { issues?: unknown }).issues ?? String(error))}`,
    );
  }
};

/** Ids and codes a summary may show as they are: the values of the data's id fields. */
const ID_FIELD = /(Id|Caller)$|^(by|assignee|loginName|mergedInto|passNumber|idNumber)$/;
const idsOf = (data: Record<string, unknown>) =>
  Object.entries(data)
    .filter(([k, v]) => ID_FIELD.test(k) && typeof v === 'string' && v.length > 0)
    .map(([, v]) => v as string)
    .sort((a, b) => b.length - a.length);

/** The ASCII words of three letters or more left once the ids are taken out. */
function englishWords(summary: string, ids: readonly string[] = []): string[] {
  let rest = summary;
  for (const id of ids) rest = rest.split(id).join(' ');
  return rest.match(/[A-Za-z]{3,}/g) ?? [];
}

function samples(): Map<string, Envelope[]> {
  const byType = new Map<string, Envelope[]>();
  const add = (e: Envelope) => byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  for (const line of gunzipSync(readFileSync(FIXTURE)).toString('utf8').split('\n')) {
    if (line.trim()) add(parseEnvelope(JSON.parse(line)));
  }
  for (const [type, data] of Object.entries(WRITTEN)) add(envelopeOf(type, data));
  return byType;
}

/** The top-level fields of a type's data that hold a code, and every code each may hold. */
function codedFields(type: string): [string, string[]][] {
  const json = z.toJSONSchema(SCHEMAS[type]!.schema, { unrepresentable: 'any', io: 'input' }) as {
    properties?: Record<string, { enum?: unknown[]; items?: { enum?: unknown[] } }>;
  };
  return Object.entries(json.properties ?? {}).flatMap(([k, p]): [string, string[]][] => {
    if (p.enum) return [[k, p.enum.map(String)]];
    if (p.items?.enum) return [[k, p.items.enum.map(String)]];
    return [];
  });
}

describe('timeline summaries', () => {
  const byType = samples();

  it("the check finds English: the arrival policy's note, as the summary once showed it", () => {
    expect(
      englishWords('到达评估：arrival assessed: home quarantine from 2026-11-29 to 2026-12-12'),
    ).toEqual(['arrival', 'assessed', 'home', 'quarantine', 'from']);
    expect(englishWords('卡口 cp-kutao-east 外出', ['cp-kutao-east'])).toEqual([]);
  });

  it('every registered type has a summary of its own and a sample here', () => {
    expect([...SUMMARIZED_TYPES].sort()).toEqual([...KNOWN_EVENT_TYPES].sort());
    expect(KNOWN_EVENT_TYPES.filter((t) => !byType.has(t))).toEqual([]);
  });

  it('every summary of every sample is plain Chinese (ids aside)', () => {
    const english: string[] = [];
    let count = 0;
    for (const [type, events] of byType) {
      for (const e of events) {
        const summary = summaryOf(e);
        count++;
        const words = englishWords(summary, idsOf(e.data as Record<string, unknown>));
        if (words.length > 0) english.push(`${type}: ${summary}`);
      }
    }
    expect(count).toBeGreaterThan(5000);
    expect([...new Set(english)].slice(0, 20)).toEqual([]);
  });

  it('and so with every value of every coded field (an unmapped code shows as it is, and fails here)', () => {
    const english: string[] = [];
    for (const type of KNOWN_EVENT_TYPES) {
      const sample = byType.get(type)![0]!;
      for (const [field, codes] of codedFields(type)) {
        for (const code of codes) {
          const data = { ...(sample.data as Record<string, unknown>) };
          data[field] = Array.isArray(data[field]) ? [code] : code;
          const summary = summaryOf({ ...sample, data } as Envelope);
          if (englishWords(summary, idsOf(data)).length > 0)
            english.push(`${type} ${field}=${code}: ${summary}`);
        }
      }
    }
    expect(english).toEqual([]);
  });

  it('an arrival assessment reads its decision, not its note', () => {
    const assessed = byType.get('quarantine.arrival-assessed')!;
    const started = assessed.find(
      (e) => (e.data as { reason: string }).reason === 'from-risk-area',
    )!;
    expect(summaryOf(started)).toMatch(
      /^到达评估：\d{4}年\d{1,2}月\d{1,2}日自.+抵达，来自风险地区，居家隔离至 \d{4}年\d{1,2}月\d{1,2}日$/,
    );
    const not = assessed.find(
      (e) => (e.data as { reason: string }).reason === 'not-from-risk-area',
    )!;
    expect(summaryOf(not)).toMatch(/不是来自风险地区，无需居家隔离$/);
  });
});
