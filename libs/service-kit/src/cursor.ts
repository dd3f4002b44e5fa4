import { DomainError, fault } from './errors.ts';

/**
 * A page cursor for a view read partition by partition (a community, an estate): where the last
 * page ended, as the partition and the position within it, opaque to clients (base64url JSON).
 */
export const encodePartitionCursor = (partition: string, within: string | null): string =>
  Buffer.from(JSON.stringify([partition, within]), 'utf8').toString('base64url');

/** The 400 naming `query.cursor` for a cursor this view (`what`: 'worklist', 'queue') did not give out. */
export const badPartitionCursor = (what: string): DomainError =>
  new DomainError(
    'VALIDATION_FAILED',
    `cursor is not one this ${what} gave out`,
    fault('query.cursor', 'pass the `next` of a previous page of the same query'),
  );

/** The cursor back, or {@link badPartitionCursor}. */
export function decodePartitionCursor(
  text: string,
  what: string,
): { partition: string; within: string | null } {
  const bad = () => badPartitionCursor(what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    (parsed[1] !== null && typeof parsed[1] !== 'string')
  )
    throw bad();
  return { partition: parsed[0], within: parsed[1] };
}
