import { createHash } from 'node:crypto';
import { TokenError, createDecoder, createSigner, createVerifier } from 'fast-jwt';
import { z } from 'zod';
import { RoleSchema, type Actor, type Role } from '@fangyi/contracts';
import { DomainError } from './errors.ts';

/**
 * Who is calling: a bearer token (JWT, HS256) carrying the user, their role and the communities
 * they work in. A user acts and reads only within their communities; `*` means every community
 * (the admin, the report officer and analysts of the whole district).
 */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly communities: readonly string[];
}

export const ALL_COMMUNITIES = '*';

const ClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().max(100).default(''),
  role: RoleSchema,
  communities: z.array(z.string().min(1).max(128)).max(500),
});

/** Who signs tokens and whom they are for: a token made for another system is refused here. */
export const TOKEN_ISSUER = 'fangyi';
export const TOKEN_AUDIENCE = 'fangyi-api';
/** RFC 7518 §3.2: an HS256 key of at least 256 bits. */
export const MIN_SECRET_BYTES = 32;
/** Phones and servers disagree by a little; a token is accepted this much before nbf and after exp. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * The secrets tokens are signed with: one, or several during a rotation. The first signs; every
 * one of them verifies, each picked by the key id (`kid`) a token carries. Rotate by putting the
 * new secret first and the old one second until the tokens it signed have expired.
 */
export type AuthSecret = string | readonly string[];

const secretsOf = (secret: AuthSecret): readonly string[] =>
  typeof secret === 'string' ? [secret] : secret;

/** Refuses (at start) a secret shorter than 32 bytes: such a key can be guessed offline from one token. */
export function assertTokenSecret(secret: AuthSecret, name = 'the token secret'): void {
  const secrets = secretsOf(secret);
  if (secrets.length === 0) throw new Error(`${name} is missing`);
  for (const s of secrets) {
    if (Buffer.byteLength(s, 'utf8') < MIN_SECRET_BYTES)
      throw new Error(
        `${name} must be at least ${MIN_SECRET_BYTES} bytes (256 bits, RFC 7518); make one with: openssl rand -base64 32`,
      );
  }
}

/** A key's id: a digest of the secret, so nothing needs configuring and it gives nothing away. */
export function keyIdOf(secret: string): string {
  return createHash('sha256').update(`fangyi-kid:${secret}`).digest('base64url').slice(0, 16);
}

export interface SignOptions {
  readonly now?: Date;
  readonly ttlSeconds?: number;
  /** Seconds after `now` before which the token is not yet valid (default 0: valid at once). */
  readonly notBeforeSeconds?: number;
  readonly audience?: string;
  /** A console session's sign-in time (claim `auth_time`), kept through renewals to cap its length. */
  readonly sessionStartedAt?: Date;
}

/** A JWT (HS256) for the user, signed with the first secret and carrying its key id. */
export function signToken(user: User, secret: AuthSecret, options: SignOptions = {}): string {
  assertTokenSecret(secret);
  const key = secretsOf(secret)[0]!;
  const sign = createSigner({
    key,
    algorithm: 'HS256',
    kid: keyIdOf(key),
    iss: TOKEN_ISSUER,
    aud: options.audience ?? TOKEN_AUDIENCE,
    sub: user.id,
    clockTimestamp: (options.now ?? new Date()).getTime(),
    expiresIn: (options.ttlSeconds ?? 12 * 3600) * 1000,
    notBefore: (options.notBeforeSeconds ?? 0) * 1000,
  });
  const authTime = options.sessionStartedAt
    ? { auth_time: Math.floor(options.sessionStartedAt.getTime() / 1000) }
    : {};
  return sign({ name: user.name, role: user.role, communities: user.communities, ...authTime });
}

const decodeComplete = createDecoder({ complete: true });

const FAILURES: Readonly<Record<string, string>> = {
  [TokenError.codes.expired]: 'the bearer token has expired',
  [TokenError.codes.inactive]: 'the bearer token is not valid yet (nbf)',
  [TokenError.codes.invalidSignature]: 'the bearer token signature is not valid',
  [TokenError.codes.invalidAlgorithm]: 'the bearer token must be signed with HS256',
  [TokenError.codes.missingRequiredClaim]:
    'the bearer token lacks a required claim (iss, aud, sub, iat, exp, nbf)',
  [TokenError.codes.missingSignature]: 'the bearer token is not signed',
};

function claimFailure(error: TokenError): string {
  if (
    error.code === TokenError.codes.invalidClaimValue ||
    error.code === TokenError.codes.invalidClaimType
  ) {
    if (/aud/.test(error.message)) return 'the bearer token is not meant for this API (aud)';
    if (/iss/.test(error.message)) return 'the bearer token was not issued by Fangyi (iss)';
    return 'the bearer token claims are not valid';
  }
  return FAILURES[error.code] ?? 'the bearer token is not valid';
}

const keyIds = new Map<string, string>();
const cachedKeyIdOf = (secret: string): string => {
  let kid = keyIds.get(secret);
  if (kid === undefined) keyIds.set(secret, (kid = keyIdOf(secret)));
  return kid;
};

/**
 * One verifier per key and second: building one prepares the key (a KeyObject), which was the
 * costliest step of authenticating a request. Claims are whole seconds, so a clock read to the
 * second decides them as the exact one does.
 */
const verifiers = new Map<string, { second: number; verify: (token: string) => unknown }>();
/** Tokens verified in the current second, per key; only successes are kept. */
const verifiedThisSecond = new Map<string, { second: number; users: Map<string, User> }>();
function verifierOf(key: string, now: Date): (token: string) => unknown {
  const second = Math.floor(now.getTime() / 1000);
  const cached = verifiers.get(key);
  if (cached && cached.second === second) return cached.verify;
  const verify = createVerifier({
    key,
    algorithms: ['HS256'],
    allowedIss: TOKEN_ISSUER,
    allowedAud: TOKEN_AUDIENCE,
    requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'nbf'],
    clockTimestamp: second * 1000,
    clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000,
  }) as (token: string) => unknown;
  if (verifiers.size > 16) verifiers.clear();
  verifiers.set(key, { second, verify });
  return verify;
}

/**
 * Verifies signature (HS256 only), key id, issuer, audience, not-before and expiry, with
 * CLOCK_TOLERANCE_SECONDS either way; any failure is a 401 that says which (never the token).
 */
export function verifyToken(token: string, secret: AuthSecret, now: Date = new Date()): User {
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = (decodeComplete(token) as { header: { alg?: unknown; kid?: unknown } }).header;
  } catch {
    throw new DomainError('UNAUTHENTICATED', 'the bearer token is not a JWT');
  }
  if (header.alg !== 'HS256')
    throw new DomainError('UNAUTHENTICATED', 'the bearer token must be signed with HS256');
  const key = secretsOf(secret).find((s) => cachedKeyIdOf(s) === header.kid);
  if (!key)
    throw new DomainError(
      'UNAUTHENTICATED',
      'the bearer token was signed with a key this server does not hold (kid)',
    );
  // A caller's device sends the same token with every request: within one second (the verifier's
  // resolution) its answer is the same, so it is kept rather than decoded, checked and parsed again.
  const second = Math.floor(now.getTime() / 1000);
  const verified = verifiedThisSecond.get(key);
  const known = verified?.second === second ? verified.users.get(token) : undefined;
  if (known) return known;
  let payload: unknown;
  try {
    payload = verifierOf(key, now)(token);
  } catch (error) {
    throw new DomainError(
      'UNAUTHENTICATED',
      error instanceof TokenError ? claimFailure(error) : 'the bearer token is not valid',
    );
  }
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success)
    throw new DomainError('UNAUTHENTICATED', 'the bearer token claims are not valid');
  const user: User = {
    id: claims.data.sub,
    name: claims.data.name,
    role: claims.data.role,
    communities: claims.data.communities,
  };
  let slot = verifiedThisSecond.get(key);
  if (!slot || slot.second !== second) {
    if (verifiedThisSecond.size > 16) verifiedThisSecond.clear();
    verifiedThisSecond.set(key, (slot = { second, users: new Map() }));
  }
  if (slot.users.size < 10_000) slot.users.set(token, user);
  return user;
}

export function bearerUser(authorization: string | undefined, secret: AuthSecret, now: Date): User {
  if (!authorization)
    throw new DomainError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m)
    throw new DomainError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return verifyToken(m[1]!, secret, now);
}

export const actorOf = (user: User): Actor => ({ id: user.id, role: user.role });

export function worksIn(user: User, community: string): boolean {
  return user.communities.includes(ALL_COMMUNITIES) || user.communities.includes(community);
}

/**
 * 403 unless the user works in the community. Use it where the caller names the community
 * (a new case for community X, a list filtered by X); for a thing that exists in a community, use
 * `requireInScope`, so an outsider cannot tell it from one that does not exist.
 */
export function requireCommunity(user: User, community: string): void {
  if (!worksIn(user, community))
    throw new DomainError('FORBIDDEN', `${user.id} does not work in community ${community}`);
}

/**
 * A thing of a community the user does not work in answers exactly as one that does not exist:
 * `notFound` is the same error the route throws for an unknown id (e.g. CASE_NOT_FOUND), so the
 * body is byte-identical and an outsider learns neither that it exists nor where.
 */
export function requireInScope(user: User, community: string, notFound: () => DomainError): void {
  if (!worksIn(user, community)) throw notFound();
}

/** 403 unless the user has one of the roles (the admin may do everything). */
export function requireRole(user: User, roles: readonly Role[]): void {
  if (user.role !== 'admin' && !roles.includes(user.role))
    throw new DomainError(
      'FORBIDDEN',
      `role ${user.role} may not do this; needs ${roles.join(' or ')}`,
    );
}

/**
 * The console's session: the same signed JWT as a bearer token, carried in an httpOnly,
 * SameSite=Strict cookie (Secure over HTTPS) that the staff service sets at sign-in, so every
 * service verifies it exactly as it verifies a bearer token, and no page ever holds the token.
 */
export const SESSION_COOKIE = 'fangyi_session';
/** A session lasts this long without use; using it renews it (see the staff service). */
export const SESSION_IDLE_SECONDS = 30 * 60;
/** However often it is renewed, a session ends this long after sign-in. */
export const SESSION_MAX_SECONDS = 12 * 3600;

/** The value of one cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie header that stores a session token (or, with an empty token and 0 s, clears it). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/**
 * The caller from a request's headers: the bearer token when one is sent (scripts, the API),
 * else the session cookie (the console). `via` says which, for hooks that treat sessions apart.
 */
export function requestUser(
  headers: { authorization?: string | undefined; cookie?: string | undefined },
  secret: AuthSecret,
  now: Date,
): { user: User; via: 'bearer' | 'session' } {
  if (headers.authorization)
    return { user: bearerUser(headers.authorization, secret, now), via: 'bearer' };
  const session = cookieValue(headers.cookie, SESSION_COOKIE);
  if (session) {
    try {
      return { user: verifyToken(session, secret, now), via: 'session' };
    } catch (error) {
      if (error instanceof DomainError)
        throw new DomainError('UNAUTHENTICATED', 'the session has ended; sign in again');
      throw error;
    }
  }
  return { user: bearerUser(undefined, secret, now), via: 'bearer' };
}

/** When the session a (verified) token belongs to was signed in, from its `auth_time` claim. */
export function sessionStartOf(token: string): Date | undefined {
  const payload = decodeComplete(token) as { payload?: { auth_time?: unknown } };
  const t = payload.payload?.auth_time;
  return typeof t === 'number' ? new Date(t * 1000) : undefined;
}
