import { createHash } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * RFC 9562 UUID version 7 (the `uuid` package): 48-bit Unix milliseconds, then random bits; sorts by
 * creation time. `now` sets the milliseconds, for a command whose time comes with it.
 */
export function uuidv7(now: number = Date.now()): string {
  return v7({ msecs: now });
}

export const UUID_V7_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A stable id derived from a name (UUID version 8 from SHA-256): the same triggering event always
 * yields the same command ids, so a policy that sees an event twice sends the same command twice
 * and the second is refused as already done.
 */
export function deterministicId(...parts: readonly string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
