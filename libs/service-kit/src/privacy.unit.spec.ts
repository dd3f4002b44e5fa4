import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SEALED_PATTERN, SealedValueSchema, sealedSubject } from '@fangyi/contracts';
import {
  SealedValueError,
  openWith,
  parseKey,
  reservationDigest,
  sealWith,
  unwrapKey,
  wrapKey,
} from './privacy.ts';

const ID = '42010619900315123X';

describe('sealing personal values (AES-256-GCM)', () => {
  const key = randomBytes(32);

  it('round-trips, in a form the event schemas recognise, naming the subject and never holding the value', () => {
    const sealed = sealWith(key, 'p-1', ID);
    expect(sealed).toMatch(SEALED_PATTERN);
    expect(SealedValueSchema.safeParse(sealed).success).toBe(true);
    expect(sealed.startsWith('enc:v1:p-1:')).toBe(true);
    expect(sealed).not.toContain(ID);
    expect(sealed).not.toContain('1990');
    expect(sealedSubject(sealed)).toBe('p-1');
    expect(openWith(key, sealed)).toBe(ID);
    expect(openWith(key, sealWith(key, 'p-1', '张三 13912345678'))).toBe('张三 13912345678');
  });

  it('seals the same value differently each time (a fresh IV), so equal numbers cannot be matched across events', () => {
    expect(sealWith(key, 'p-1', ID)).not.toBe(sealWith(key, 'p-1', ID));
  });

  it('detects tampering: a changed ciphertext, IV or tag does not open', () => {
    const sealed = sealWith(key, 'p-1', ID);
    const [prefix, v, subject, iv, ct, tag] = sealed.split(':') as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] = bytes[0]! ^ 0x01;
      return bytes.toString('base64url');
    };
    for (const changed of [
      [prefix, v, subject, iv, flip(ct), tag],
      [prefix, v, subject, flip(iv), ct, tag],
      [prefix, v, subject, iv, ct, flip(tag)],
    ]) {
      expect(() => openWith(key, changed.join(':'))).toThrow(SealedValueError);
    }
  });

  it("does not open a value moved into another person's event (the subject is bound in)", () => {
    const sealed = sealWith(key, 'p-1', ID);
    expect(() => openWith(key, sealed.replace('enc:v1:p-1:', 'enc:v1:p-2:'))).toThrow(
      SealedValueError,
    );
  });

  it('does not open with the wrong key', () => {
    expect(() => openWith(randomBytes(32), sealWith(key, 'p-1', ID))).toThrow(SealedValueError);
  });

  it('refuses a subject that could break the format', () => {
    expect(() => sealWith(key, 'a:b', ID)).toThrow(/subject/);
    expect(() => sealWith(key, '', ID)).toThrow(/subject/);
  });
});

describe('wrapping data keys with the master key', () => {
  const master = randomBytes(32);

  it('round-trips a data key, bound to its subject', () => {
    const dataKey = randomBytes(32);
    const wrapped = wrapKey(master, 'p-1', dataKey);
    expect(wrapped).not.toContain(dataKey.toString('base64url'));
    expect(unwrapKey(master, 'p-1', wrapped).equals(dataKey)).toBe(true);
    expect(() => unwrapKey(master, 'p-2', wrapped)).toThrow(SealedValueError);
    expect(() => unwrapKey(randomBytes(32), 'p-1', wrapped)).toThrow(SealedValueError);
  });

  it('takes keys of exactly 32 bytes from configuration, base64 or base64url', () => {
    const raw = randomBytes(32);
    expect(parseKey(raw.toString('base64'), 'K').equals(raw)).toBe(true);
    expect(parseKey(raw.toString('base64url'), 'K').equals(raw)).toBe(true);
    expect(() => parseKey(randomBytes(16).toString('base64'), 'FANGYI_MASTER_KEY')).toThrow(
      /FANGYI_MASTER_KEY must be 32 bytes/,
    );
  });
});

describe('the reservation digest (HMAC-SHA256)', () => {
  it('depends on the key, so a dictionary of ID numbers cannot be run without it', () => {
    const a = reservationDigest(randomBytes(32), ID);
    const b = reservationDigest(randomBytes(32), ID);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    const key = randomBytes(32);
    expect(reservationDigest(key, ID)).toBe(reservationDigest(key, ID));
  });
});
