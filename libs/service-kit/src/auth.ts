import { createHmac, timingSafeEqual } from 'node:crypto';
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
  iss: z.literal('fangyi'),
  iat: z.number().int(),
  exp: z.number().int(),
});

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

export function signToken(user: User, secret: string, options: { now?: Date; ttlSeconds?: number } = {}): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({ sub: user.id, name: user.name, role: user.role, communities: user.communities, iss: 'fangyi', iat, exp: iat + (options.ttlSeconds ?? 12 * 3600) }),
  );
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Verifies signature, issuer and expiry; any failure is a 401 that says which. */
export function verifyToken(token: string, secret: string, now: Date = new Date()): User {
  const parts = token.split('.');
  if (parts.length !== 3) throw new DomainError('UNAUTHENTICATED', 'the bearer token is not a JWT');
  const [header, payload, signature] = parts as [string, string, string];
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: unknown }).alg;
  } catch {
    throw new DomainError('UNAUTHENTICATED', 'the bearer token header is unreadable');
  }
  if (alg !== 'HS256') throw new DomainError('UNAUTHENTICATED', 'the bearer token must be signed with HS256');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DomainError('UNAUTHENTICATED', 'the bearer token signature is not valid');
  let claims: z.infer<typeof ClaimsSchema>;
  try {
    claims = ClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString()));
  } catch {
    throw new DomainError('UNAUTHENTICATED', 'the bearer token claims are not valid');
  }
  if (claims.exp * 1000 <= now.getTime()) throw new DomainError('UNAUTHENTICATED', 'the bearer token has expired');
  return { id: claims.sub, name: claims.name, role: claims.role, communities: claims.communities };
}

export function bearerUser(authorization: string | undefined, secret: string, now: Date): User {
  if (!authorization) throw new DomainError('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) throw new DomainError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return verifyToken(m[1]!, secret, now);
}

export const actorOf = (user: User): Actor => ({ id: user.id, role: user.role });

export function worksIn(user: User, community: string): boolean {
  return user.communities.includes(ALL_COMMUNITIES) || user.communities.includes(community);
}

/** 403 unless the user works in the community. */
export function requireCommunity(user: User, community: string): void {
  if (!worksIn(user, community)) throw new DomainError('FORBIDDEN', `${user.id} does not work in community ${community}`);
}

/** 403 unless the user has one of the roles (the admin may do everything). */
export function requireRole(user: User, roles: readonly Role[]): void {
  if (user.role !== 'admin' && !roles.includes(user.role)) throw new DomainError('FORBIDDEN', `role ${user.role} may not do this; needs ${roles.join(' or ')}`);
}

/** Roles that see ID numbers and phone numbers in full; everyone else sees them masked. */
const SEES_SENSITIVE: readonly Role[] = ['registrar', 'caller', 'admin'];

export function seesSensitive(user: User): boolean {
  return SEES_SENSITIVE.includes(user.role);
}

/** 370202199001011234 → 3702**********1234 */
export function maskIdNumber(value: string): string {
  return value.length <= 8 ? '*'.repeat(value.length) : `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

/** 13912345678 → 139****5678 */
export function maskPhone(value: string): string {
  return value.length <= 7 ? '*'.repeat(value.length) : `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
}
