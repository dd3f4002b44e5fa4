import type { Position } from '@kurrent/kurrentdb-client';
import type { LogPosition } from '../port.ts';

/** A `$all` position as the port carries it: `commit:prepare`, both decimal. */
export function encodePosition(p: Position): LogPosition {
  return `${p.commit}:${p.prepare}`;
}

export function decodePosition(position: LogPosition): Position {
  const m = /^(\d+):(\d+)$/.exec(position);
  if (!m) throw new Error(`not a KurrentDB event store position: ${JSON.stringify(position)}`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
}

/** The order of `$all`: by commit position, then prepare position. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  const pa = decodePosition(a);
  const pb = decodePosition(b);
  if (pa.commit !== pb.commit) return pa.commit < pb.commit ? -1 : 1;
  return pa.prepare === pb.prepare ? 0 : pa.prepare < pb.prepare ? -1 : 1;
}
