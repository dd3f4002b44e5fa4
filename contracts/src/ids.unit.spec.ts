import { describe, expect, it } from 'vitest';
import { UUID_V7_PATTERN, deterministicId, uuidv7 } from './ids.ts';

describe('ids', () => {
  it('a version 7 id carries its millisecond and sorts by it', () => {
    const at = Date.parse('2020-02-05T01:30:00.000Z');
    const id = uuidv7(at);
    expect(id).toMatch(UUID_V7_PATTERN);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    const ids = [uuidv7(at + 2), uuidv7(at), uuidv7(at + 1)];
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(at))).size).toBe(1000);
  });

  it('a deterministic id is the same for the same parts, another for other parts or another split', () => {
    expect(deterministicId('event-1', 'start')).toBe(deterministicId('event-1', 'start'));
    expect(deterministicId('event-1', 'start')).not.toBe(deterministicId('event-1', 'end'));
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
    expect(deterministicId('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
