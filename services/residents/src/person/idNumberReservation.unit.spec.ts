import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idNumberCheckChar } from '@fangyi/contracts';
import { idNumberStreamId } from './idNumberReservation.ts';

describe('idNumberStreamId', () => {
  // 11010519491231002 has the check character X.
  const first17 = '11010519491231002';
  const withX = first17 + idNumberCheckChar(first17);
  const key = Buffer.from('a-reservation-key-of-32-bytes-ok', 'utf8');

  it('names the stream by an HMAC of the ID number, never the number itself nor its plain SHA-256', () => {
    expect(withX.endsWith('X')).toBe(true);
    const streamId = idNumberStreamId(key, withX);
    expect(streamId).toMatch(/^idNumber-[0-9a-f]{64}$/);
    expect(streamId).not.toContain(first17);
    // A dictionary of valid ID numbers run through SHA-256 finds nothing.
    expect(streamId).not.toBe(`idNumber-${createHash('sha256').update(withX).digest('hex')}`);
  });

  it('needs the key: another key gives another stream', () => {
    const other = Buffer.from('another-reservation-key-32-bytes', 'utf8');
    expect(idNumberStreamId(other, withX)).not.toBe(idNumberStreamId(key, withX));
  });

  it('gives a lower-case x, an upper-case X and surrounding spaces one stream', () => {
    expect(idNumberStreamId(key, withX.toLowerCase())).toBe(idNumberStreamId(key, withX));
    expect(idNumberStreamId(key, ` ${withX} `)).toBe(idNumberStreamId(key, withX));
  });

  it('gives different ID numbers different streams', () => {
    const other = '11010519491231003';
    expect(idNumberStreamId(key, other + idNumberCheckChar(other))).not.toBe(
      idNumberStreamId(key, withX),
    );
  });
});
