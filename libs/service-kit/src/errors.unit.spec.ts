import { describe, expect, it } from 'vitest';
import { DomainError, fault, inRequest } from './errors.ts';
import { formatClockTime } from './slots.ts';

describe('inRequest: the domain fact a decider names, as the request path the answer names', () => {
  it('maps a listed fact to its path and any other to body., keeping nested segments', () => {
    const error = new DomainError('BAD_REQUEST', 'detail', [
      { field: 'caseId', message: 'ended' },
      { field: 'date', message: 'in the future' },
      { field: 'sources.1', message: 'closed' },
      { field: 'travelHistory.0.to', message: 'in the future' },
    ]);
    const mapped = inRequest(error, {
      caseId: 'params.caseId',
      sources: 'body.sources',
    }) as DomainError;
    expect(mapped).toBeInstanceOf(DomainError);
    expect(mapped.code).toBe('BAD_REQUEST');
    expect(mapped.detail).toBe('detail');
    expect(mapped.fields).toEqual([
      { field: 'params.caseId', message: 'ended' },
      { field: 'body.date', message: 'in the future' },
      { field: 'body.sources.1', message: 'closed' },
      { field: 'body.travelHistory.0.to', message: 'in the future' },
    ]);
  });

  it('leaves a field that already names a request part, an error without fields, and anything else alone', () => {
    const named = new DomainError('BAD_REQUEST', undefined, [
      { field: 'body.idNumber', message: 'taken' },
      { field: 'headers.if-match', message: 'bad' },
    ]);
    expect(inRequest(named, { idNumber: 'params.id' })).toBe(named);
    const bare = new DomainError('NOT_FOUND');
    expect(inRequest(bare)).toBe(bare);
    const other = new Error('boom');
    expect(inRequest(other)).toBe(other);
  });

  it('fault() is one issue named by its domain fact', () => {
    expect(fault('slot', 'am window opens 06:00')).toEqual([
      { field: 'slot', message: 'am window opens 06:00' },
    ]);
  });
});

describe('formatClockTime', () => {
  it('writes minutes since midnight as HH:MM, 24:00 at the end of the day, the day before when negative', () => {
    expect(formatClockTime(330)).toBe('05:30');
    expect(formatClockTime(1440)).toBe('24:00');
    expect(formatClockTime(-30)).toBe('23:30 the day before');
  });
});
