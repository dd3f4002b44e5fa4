import { createSigner } from 'fast-jwt';
import { pino } from 'pino';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  CLOCK_TOLERANCE_SECONDS,
  DomainError,
  commandServiceConfig,
  createServiceApp,
  keyIdOf,
  readConfig,
  signToken,
  tokenSecretsOf,
  verifyToken,
  type User,
} from '../src/index.ts';

const user: User = {
  id: 'caller-moujia-1',
  name: '牟家话务员',
  role: 'caller',
  communities: ['moujia'],
};
const OLD = 'the-secret-of-last-month-32-bytes-long!';
const NEW = 'the-secret-of-this-month-32-bytes-long!';
const now = new Date('2020-01-29T01:30:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

/** What a 401 says, or 'ok' when the token is taken. */
function verdict(token: string, secret: string | readonly string[], when = now): string {
  try {
    verifyToken(token, secret, when);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNAUTHENTICATED');
    return (error as DomainError).detail ?? '';
  }
}

describe('bearer tokens (HS256 through fast-jwt)', () => {
  it('carries the user, issuer, audience, not-before and the key id, and reads back the same user', () => {
    const token = signToken(user, NEW, { now });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: keyIdOf(NEW) });
    expect(payload).toMatchObject({
      sub: user.id,
      iss: 'fangyi',
      aud: 'fangyi-api',
      nbf: now.getTime() / 1000,
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 12 * 3600,
    });
    expect(verifyToken(token, NEW, now)).toEqual(user);
    // The key id tells keys apart and gives nothing of the secret away.
    expect(keyIdOf(OLD)).not.toBe(keyIdOf(NEW));
    expect(token).not.toContain(NEW);
  });

  it('during a rotation accepts tokens of both keys, and after it only the new key', () => {
    const fromOld = signToken(user, OLD, { now });
    const fromNew = signToken(user, [NEW, OLD], { now });
    expect(JSON.parse(Buffer.from(fromNew.split('.')[0]!, 'base64url').toString()).kid).toBe(
      keyIdOf(NEW),
    );
    expect(verdict(fromOld, [NEW, OLD])).toBe('ok');
    expect(verdict(fromNew, [NEW, OLD])).toBe('ok');
    expect(verdict(fromOld, NEW)).toMatch(/key this server does not hold/);
    expect(verdict(fromNew, NEW)).toBe('ok');
  });

  it('refuses a token made for another audience, by another issuer, or without a key id', () => {
    expect(verdict(signToken(user, NEW, { now, audience: 'another-system' }), NEW)).toMatch(
      /not meant for this API/,
    );
    const base = { name: user.name, role: user.role, communities: user.communities };
    const foreign = createSigner({
      key: NEW,
      kid: keyIdOf(NEW),
      iss: 'someone-else',
      aud: 'fangyi-api',
      sub: user.id,
      notBefore: 0,
      expiresIn: 60_000,
      clockTimestamp: now.getTime(),
    })(base);
    expect(verdict(foreign, NEW)).toMatch(/not issued by Fangyi/);
    const noKid = createSigner({
      key: NEW,
      iss: 'fangyi',
      aud: 'fangyi-api',
      sub: user.id,
      notBefore: 0,
      expiresIn: 60_000,
      clockTimestamp: now.getTime(),
    })(base);
    expect(verdict(noKid, NEW)).toMatch(/key this server does not hold/);
    const noNbf = createSigner({
      key: NEW,
      kid: keyIdOf(NEW),
      iss: 'fangyi',
      aud: 'fangyi-api',
      sub: user.id,
      expiresIn: 60_000,
      clockTimestamp: now.getTime(),
    })(base);
    expect(verdict(noNbf, NEW)).toMatch(/lacks a required claim/);
  });

  it('enforces not-before and expiry, each with the clock tolerance', () => {
    const later = signToken(user, NEW, { now, notBeforeSeconds: 600 });
    expect(verdict(later, NEW, at(600 - CLOCK_TOLERANCE_SECONDS - 1))).toMatch(/not valid yet/);
    expect(verdict(later, NEW, at(600 - CLOCK_TOLERANCE_SECONDS + 1))).toBe('ok');
    const short = signToken(user, NEW, { now, ttlSeconds: 60 });
    expect(verdict(short, NEW, at(60 + CLOCK_TOLERANCE_SECONDS - 1))).toBe('ok');
    expect(verdict(short, NEW, at(60 + CLOCK_TOLERANCE_SECONDS + 1))).toMatch(/expired/);
  });

  it('refuses a forged signature, another algorithm and no signature at all', () => {
    const token = signToken(user, NEW, { now });
    const [h, p] = token.split('.');
    expect(verdict(`${h}.${p}.${Buffer.from('x'.repeat(32)).toString('base64url')}`, NEW)).toMatch(
      /signature is not valid/,
    );
    const hs512 = createSigner({
      key: NEW,
      algorithm: 'HS512',
      kid: keyIdOf(NEW),
      iss: 'fangyi',
      aud: 'fangyi-api',
      sub: user.id,
      notBefore: 0,
      expiresIn: 60_000,
      clockTimestamp: now.getTime(),
    })({ role: 'admin', communities: ['*'] });
    expect(verdict(hs512, NEW)).toMatch(/HS256/);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: keyIdOf(NEW) })).toString('base64url')}.${p}.`;
    expect(verdict(none, NEW)).toMatch(/HS256/);
    expect(verdict('not-a-jwt', NEW)).toMatch(/not a JWT/);
  });

  it('refuses a secret shorter than 32 bytes wherever one is given: signing, the app at start, the configuration', () => {
    const short = 'x'.repeat(31);
    const enough = 'x'.repeat(32);
    expect(() => signToken(user, short)).toThrow(/at least 32 bytes/);
    expect(() =>
      createServiceApp({ service: 't', logger: pino({ level: 'silent' }), authSecret: short }),
    ).toThrow(/at least 32 bytes/);
    expect(() =>
      createServiceApp({
        service: 't',
        logger: pino({ level: 'silent' }),
        authSecret: [enough, short],
      }),
    ).toThrow(/at least 32 bytes/);
    const schema = z.object(commandServiceConfig(3001));
    const env = { EVENT_STORE_URL: 'sqlite:x', KAFKA_BROKERS: 'k:9092' };
    expect(() => readConfig(schema, { ...env, FANGYI_JWT_SECRET: short })).toThrow(
      /FANGYI_JWT_SECRET must be at least 32 bytes/,
    );
    // Bytes, not characters: 11 Chinese characters are 33 bytes in UTF-8.
    expect(
      readConfig(schema, { ...env, FANGYI_JWT_SECRET: '防疫防疫防疫防疫防疫防' }).FANGYI_JWT_SECRET,
    ).toHaveLength(11);
    expect(() =>
      readConfig(schema, { ...env, FANGYI_JWT_SECRET: enough, FANGYI_JWT_PREVIOUS_SECRET: short }),
    ).toThrow(/FANGYI_JWT_PREVIOUS_SECRET must be at least 32 bytes/);
    // Outside a rotation compose passes the previous secret empty: that is none.
    expect(
      tokenSecretsOf(
        readConfig(schema, { ...env, FANGYI_JWT_SECRET: enough, FANGYI_JWT_PREVIOUS_SECRET: '' }),
      ),
    ).toBe(enough);
    expect(
      tokenSecretsOf(
        readConfig(schema, { ...env, FANGYI_JWT_SECRET: NEW, FANGYI_JWT_PREVIOUS_SECRET: OLD }),
      ),
    ).toEqual([NEW, OLD]);
  });
});
