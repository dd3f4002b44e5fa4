import { z } from 'zod';

// Personal values inside events: ID and phone numbers are recorded sealed, encrypted with a key kept
// for one person (the subject) apart from the events, so deleting that key makes them unreadable in
// the event store, on the topics, in exports and in backups alike, while the rest of the history replays.

export const SEALED_PREFIX = 'enc:v1:';

/**
 * `enc:v1:<subject>:<iv>:<ciphertext>:<tag>`: AES-256-GCM, base64url parts, a 12-byte IV and a
 * 16-byte tag; the subject (a person's id, never personal data itself) names the key.
 */
export const SEALED_PATTERN =
  /^enc:v1:[A-Za-z0-9._-]{1,128}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]*:[A-Za-z0-9_-]{22}$/;

export const isSealed = (value: string): boolean => value.startsWith(SEALED_PREFIX);

/** The subject whose key opens a sealed value; null for a clear one. */
export function sealedSubject(value: string): string | null {
  if (!isSealed(value)) return null;
  const end = value.indexOf(':', SEALED_PREFIX.length);
  return end < 0 ? null : value.slice(SEALED_PREFIX.length, end);
}

export const SealedValueSchema = z
  .string()
  .regex(SEALED_PATTERN, 'must be a sealed value (enc:v1:…)');

/**
 * A personal value as an event records it: sealed from version 2 on; in clear in history recorded
 * before and not yet migrated (scripts/migrate-personal-data.ts seals it). Readers open both.
 */
export const PersonalValueSchema = z.string().min(1);
