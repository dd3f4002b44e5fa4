import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.ts';
import {
  EnvelopeValidationError,
  KNOWN_EVENT_TYPES,
  currentVersionOf,
  parseEnvelope,
} from './registry.ts';
import { upcastSymptomCheckLoggedV1 } from './quarantine.ts';
import { BOUNDED_CONTEXTS } from './topics.ts';

const envelope = (type: string, schemaVersion: number, data: unknown) => ({
  id: uuidv7(),
  type,
  schemaVersion,
  streamId: 'homeQuarantine-c1',
  streamRevision: 1,
  occurredAt: '2020-01-29T09:05:00.000+08:00',
  recordedAt: '2020-01-29T01:05:00.100Z',
  actor: { id: 'caller-moujia-1', role: 'caller' },
  correlationId: 'corr-1',
  causationId: null,
  data,
});

/** A symptom check as the quarantine service wrote it until version 2 (2026-12). */
const checkV1 = (reachedVia: string) => ({
  caseId: 'c1',
  checkId: 'k1',
  date: '2020-01-29',
  slot: 'am',
  temperatureC: 36.6,
  symptoms: [],
  reachedVia,
  abnormal: false,
});

const failure = (raw: unknown): EnvelopeValidationError => {
  try {
    parseEnvelope(raw);
  } catch (error) {
    if (error instanceof EnvelopeValidationError) return error;
    throw error;
  }
  throw new Error('parsed, but should have been refused');
};

describe('the event registry', () => {
  it('upcasts a version-1 symptom check to version 2: reachedVia renamed, who measured inferred', () => {
    const phone = parseEnvelope(envelope('quarantine.symptom-check-logged', 1, checkV1('phone')));
    expect(phone.schemaVersion).toBe(2);
    const { reachedVia: _gone, ...kept } = checkV1('phone');
    expect(phone.data).toEqual({
      ...kept,
      contactChannel: 'phone',
      measuredBy: { who: 'self', site: 'unknown' },
    });
    const visit = parseEnvelope(envelope('quarantine.symptom-check-logged', 1, checkV1('visit')));
    expect(visit.data).toMatchObject({
      contactChannel: 'visit',
      measuredBy: { who: 'caller', site: 'unknown' },
    });
  });

  it('reads a version-2 check as written, and refuses one still in the version-1 shape', () => {
    const { reachedVia: _gone, ...kept } = checkV1('phone');
    const v2 = {
      ...kept,
      contactChannel: 'wechat',
      measuredBy: { who: 'household-member', site: 'ear' },
    };
    expect(parseEnvelope(envelope('quarantine.symptom-check-logged', 2, v2)).data).toEqual(v2);
    const wrong = failure(envelope('quarantine.symptom-check-logged', 2, checkV1('phone')));
    expect(wrong.issues.map((i) => i.path).sort()).toEqual([
      'data.contactChannel',
      'data.measuredBy',
    ]);
  });

  it('validates the upcast data: a version-1 check with an unknown channel is refused by the version-2 schema', () => {
    const error = failure(envelope('quarantine.symptom-check-logged', 1, checkV1('pigeon')));
    expect(error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['data.contactChannel', 'data.measuredBy']),
    );
  });

  it('leaves the recorded data untouched when upcasting (the history is immutable)', () => {
    const raw = envelope('quarantine.symptom-check-logged', 1, checkV1('visit'));
    const before = structuredClone(raw);
    parseEnvelope(raw);
    expect(raw).toEqual(before);
    expect(upcastSymptomCheckLoggedV1('not an object')).toBe('not an object');
  });

  it('keeps the other version-1 types as they were: a correction still says reachedVia', () => {
    const corrected = parseEnvelope(
      envelope('quarantine.symptom-check-corrected', 1, {
        ...checkV1('phone'),
        correctsCheckId: 'k0',
      }),
    );
    expect(corrected).toMatchObject({
      schemaVersion: 1,
      data: { reachedVia: 'phone', correctsCheckId: 'k0' },
    });
    expect(currentVersionOf('quarantine.symptom-check-corrected')).toBe(1);
    expect(currentVersionOf('quarantine.symptom-check-logged')).toBe(2);
  });

  it('upcasts residents.person-registered 1 → 2 unchanged (a clear value stays valid until sealed)', () => {
    const data = {
      personId: 'p1',
      householdId: 'h1',
      community: 'kutao',
      name: '王芳',
      idNumber: '370202198506010047',
      phone: '13805321234',
      sex: 'female',
      birthDate: '1985-06-01',
      registration: 'local',
      travelHistory: [],
    };
    const parsed = parseEnvelope(envelope('residents.person-registered', 1, data));
    expect(parsed).toMatchObject({ schemaVersion: 2, data });
  });

  it('has an upcaster for every version below the current one of every type', () => {
    for (const type of KNOWN_EVENT_TYPES) {
      for (let v = 1; v < currentVersionOf(type); v++) {
        // Invalid data on purpose: it must fail on the data, never for want of an upcaster.
        const error = failure(envelope(type, v, { nothing: true }));
        expect(error.message, `${type} v${v}`).not.toMatch(/no upcaster/);
      }
    }
  });

  it('refuses an unknown type, a version newer than this build, and an invalid envelope, naming the field', () => {
    expect(failure(envelope('quarantine.teleported', 1, {})).issues).toEqual([
      { path: 'type', message: 'unknown event type' },
    ]);
    expect(failure(envelope('quarantine.symptom-check-logged', 3, {})).issues).toEqual([
      { path: 'schemaVersion', message: 'newer than this build knows' },
    ]);
    expect(
      failure({
        ...envelope('quarantine.symptom-check-missed', 1, {}),
        streamRevision: 'first',
      }).issues.map((i) => i.path),
    ).toEqual(['streamRevision']);
    expect(
      failure(
        envelope('quarantine.symptom-check-missed', 1, {
          caseId: 'c1',
          date: '2020-02-30',
          slot: 'noon',
        }),
      )
        .issues.map((i) => i.path)
        .sort(),
    ).toEqual(['data.date', 'data.slot']);
    expect(() => currentVersionOf('quarantine.teleported')).toThrow(/unknown event type/);
  });

  it('knows every context and only well-formed type names', () => {
    // The four contexts with a topic each, and staff accounts, whose events (password hashes) stay off the bus.
    expect(new Set(KNOWN_EVENT_TYPES.map((t) => t.split('.')[0]))).toEqual(
      new Set([...BOUNDED_CONTEXTS, 'staff']),
    );
    for (const type of KNOWN_EVENT_TYPES) expect(type).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
  });
});
