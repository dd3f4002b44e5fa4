import { describe, expect, it } from 'vitest';
import { EnvelopeSchema, contextOf } from './envelope.ts';
import { uuidv7 } from './ids.ts';

const valid = () => ({
  id: uuidv7(Date.parse('2020-01-29T01:30:00Z')),
  type: 'quarantine.symptom-check-missed',
  schemaVersion: 1,
  streamId: 'homeQuarantine-c1',
  streamRevision: 3,
  occurredAt: '2020-01-29T12:00:00.000+08:00',
  recordedAt: '2020-01-29T04:00:01.250Z',
  actor: { id: 'scheduler', role: 'system' },
  correlationId: 'corr-1',
  causationId: null,
  data: { caseId: 'c1', date: '2020-01-29', slot: 'am' },
});

const pathsOf = (raw: unknown) => {
  const result = EnvelopeSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('the event envelope', () => {
  it('takes an envelope with every field and keeps data as it came', () => {
    const raw = valid();
    expect(EnvelopeSchema.parse(raw)).toEqual(raw);
  });

  it.each([
    [
      'an id that is a UUID but not version 7',
      { id: '2f1b6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b' },
      'id',
    ],
    ['a type without its context', { type: 'symptom-check-missed' }, 'type'],
    ['a type in capitals', { type: 'Quarantine.SymptomCheckMissed' }, 'type'],
    ['schema version 0', { schemaVersion: 0 }, 'schemaVersion'],
    ['a negative stream revision', { streamRevision: -1 }, 'streamRevision'],
    ['a time without an offset', { occurredAt: '2020-01-29T12:00:00' }, 'occurredAt'],
    ['a recordedAt that is no time', { recordedAt: 'yesterday' }, 'recordedAt'],
    ['an actor of an unknown role', { actor: { id: 'x', role: 'mayor' } }, 'actor.role'],
    ['an empty correlation id', { correlationId: '' }, 'correlationId'],
  ])('refuses %s, naming the field', (_label, change, field) => {
    expect(pathsOf({ ...valid(), ...change })).toEqual([field]);
  });

  it('needs a causation id or an explicit null', () => {
    const { causationId: _c, ...without } = valid();
    expect(pathsOf(without)).toEqual(['causationId']);
    expect(pathsOf({ ...valid(), causationId: uuidv7() })).toEqual([]);
  });

  it('names the context of a type', () => {
    expect(contextOf('quarantine.symptom-check-logged')).toBe('quarantine');
    expect(contextOf('residents.person-arrived')).toBe('residents');
    expect(contextOf('nodot')).toBe('nodot');
  });
});
