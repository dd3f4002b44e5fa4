import { describe, expect, it } from 'vitest';
import {
  SESSION_COOKIE,
  cookieValue,
  requestUser,
  sessionCookie,
  sessionStartOf,
  signToken,
  type User,
} from '../src/auth.ts';
import { DomainError } from '../src/errors.ts';

const SECRET = 'a-test-secret-that-is-long-enough-32b';
const caller: User = {
  id: 'caller-moujia-1',
  name: '牟家社区随访员',
  role: 'caller',
  communities: ['moujia'],
};
const now = new Date('2026-12-01T01:00:00Z');

describe('the console session cookie', () => {
  it('carries the same signed token as a bearer token, and is verified the same way', () => {
    const token = signToken(caller, SECRET, { now, ttlSeconds: 1800, sessionStartedAt: now });
    expect(requestUser({ cookie: `a=1; ${SESSION_COOKIE}=${token}; b=2` }, SECRET, now)).toEqual({
      user: caller,
      via: 'session',
    });
    expect(sessionStartOf(token)?.toISOString()).toBe(now.toISOString());
    // A bearer token, when sent, is the one used (scripts, the API).
    const other = signToken({ ...caller, id: 'script' }, SECRET, { now });
    expect(
      requestUser(
        { authorization: `Bearer ${other}`, cookie: `${SESSION_COOKIE}=${token}` },
        SECRET,
        now,
      ).user.id,
    ).toBe('script');
  });

  it('refuses an expired or forged session with 401 and a sentence, never the token', () => {
    const token = signToken(caller, SECRET, { now, ttlSeconds: 60 });
    const later = new Date(now.getTime() + 120_000);
    expect(() => requestUser({ cookie: `${SESSION_COOKIE}=${token}` }, SECRET, later)).toThrow(
      DomainError,
    );
    try {
      requestUser({ cookie: `${SESSION_COOKIE}=${token}x` }, SECRET, now);
    } catch (error) {
      expect((error as DomainError).code).toBe('UNAUTHENTICATED');
      expect(String((error as DomainError).detail)).not.toContain(token);
    }
    expect(() => requestUser({}, SECRET, now)).toThrow(/Bearer/);
  });

  it('is httpOnly and SameSite=Strict, Secure over HTTPS, and parsed from a Cookie header by name only', () => {
    expect(sessionCookie('t', 1800, false)).toBe(
      `${SESSION_COOKIE}=t; Path=/; Max-Age=1800; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie('t', 1800, true)).toMatch(/; Secure$/);
    expect(cookieValue(`x${SESSION_COOKIE}=no; ${SESSION_COOKIE}=yes`, SESSION_COOKIE)).toBe('yes');
    expect(cookieValue(undefined, SESSION_COOKIE)).toBeUndefined();
  });
});
