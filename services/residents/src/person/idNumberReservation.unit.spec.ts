import { describe, expect, it } from 'vitest';
import { idNumberCheckChar } from '@fangyi/contracts';
import { idNumberStreamId } from './idNumberReservation.ts';

describe('idNumberStreamId', () => {
  // 11010519491231002 has the check character X.
  const first17 = '11010519491231002';
  const withX = first17 + idNumberCheckChar(first17);

  it('names the stream by the SHA-256 of the ID number, never the number itself', () => {
    expect(withX.endsWith('X')).toBe(true);
    const streamId = idNumberStreamId(withX);
    expect(streamId).toMatch(/^idNumber-[0-9a-f]{64}$/);
    expect(streamId).not.toContain(first17);
  });

  it('gives a lower-case x, an upper-case X and surrounding spaces one stream', () => {
    expect(idNumberStreamId(withX.toLowerCase())).toBe(idNumberStreamId(withX));
    expect(idNumberStreamId(` ${withX} `)).toBe(idNumberStreamId(withX));
  });

  it('gives different ID numbers different streams', () => {
    const other = '11010519491231003';
    expect(idNumberStreamId(other + idNumberCheckChar(other))).not.toBe(idNumberStreamId(withX));
  });
});
