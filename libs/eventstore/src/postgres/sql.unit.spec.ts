import { describe, expect, it } from 'vitest';
import { comparePositions, decodePosition, encodePosition, quoteSchema } from './sql.ts';

describe('PostgreSQL log positions and names', () => {
  it('orders positions by transaction id first, then by place in the log, as numbers', () => {
    const sorted = ['9:100', '10:2', '10:11', '18446744073709551615:1'];
    expect([...sorted].reverse().sort(comparePositions)).toEqual(sorted);
    expect(comparePositions(encodePosition('10', '11'), '10:11')).toBe(0);
  });

  it('reads null as the start and refuses what it did not write', () => {
    expect(decodePosition(null)).toEqual(['0', '0']);
    expect(decodePosition('42:7')).toEqual(['42', '7']);
    expect(() => decodePosition('7')).toThrow(/not a PostgreSQL event store position/);
  });

  it('accepts only plain schema names, so they can be spliced into SQL', () => {
    expect(quoteSchema('fangyi_t_1')).toBe('"fangyi_t_1"');
    expect(() => quoteSchema('x"; DROP TABLE y; --')).toThrow(/invalid schema name/);
  });
});
