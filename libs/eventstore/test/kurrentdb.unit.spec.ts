import { streamNameFilter, STREAM_NAME } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { clientConnectionString, isKurrentDbUrl } from '../src/index.ts';
import {
  CHECKPOINT_STREAM_METADATA,
  FANGYI_STREAMS_REGEX,
  checkpointStream,
  fangyiStreamsFilter,
  isFangyiEvent,
} from '../src/kurrentdb/log.ts';
import { comparePositions, decodePosition, encodePosition } from '../src/kurrentdb/positions.ts';

describe('KurrentDB URLs', () => {
  it('knows kurrentdb://, kurrent:// and esdb://, each with +discover, and nothing else', () => {
    for (const url of [
      'kurrentdb://h:2113?tls=false',
      'kurrent://h:2113',
      'esdb://h:2113?tls=false',
      'kurrentdb+discover://a,b,c',
      'kurrent+discover://a',
      'esdb+discover://a',
    ]) {
      expect(isKurrentDbUrl(url), url).toBe(true);
    }
    for (const url of [
      'postgres://h/db',
      'sqlite:x.db',
      'kurrentdbx://h',
      'http://h:2113',
      'esdb:h',
    ]) {
      expect(isKurrentDbUrl(url), url).toBe(false);
    }
  });

  it('hands the client kurrentdb:// for esdb:// (no deprecation warning on stdout) and the rest as written', () => {
    expect(clientConnectionString('esdb://admin:changeit@h:2113?tls=false')).toBe(
      'kurrentdb://admin:changeit@h:2113?tls=false',
    );
    expect(clientConnectionString('esdb+discover://a:2113,b:2113')).toBe(
      'kurrentdb+discover://a:2113,b:2113',
    );
    expect(clientConnectionString('kurrent://h:2113?tls=false')).toBe('kurrent://h:2113?tls=false');
    expect(clientConnectionString('kurrentdb://h:2113')).toBe('kurrentdb://h:2113');
    expect(() => clientConnectionString('postgres://h/db')).toThrow(/kurrentdb:\/\//);
  });
});

describe('KurrentDB positions', () => {
  it('round-trips a $all position through the opaque string and orders by commit, then prepare', () => {
    const p = { commit: 18446744073709551615n, prepare: 12n };
    expect(decodePosition(encodePosition(p))).toEqual(p);
    expect(comparePositions('10:5', '9:900')).toBe(1);
    expect(comparePositions('10:5', '10:6')).toBe(-1);
    expect(comparePositions('10:5', '10:5')).toBe(0);
    // Numeric, not text, order.
    expect(comparePositions('9:0', '10:0')).toBe(-1);
    expect(() => decodePosition('42')).toThrow(/not a KurrentDB event store position/);
  });
});

describe('what the KurrentDB adapter reads of $all', () => {
  const ours = ['homeQuarantine-0190f3a2', 'person-1', 'reservation-abc', 'fangyiCheckpointing-x'];
  const notOurs = [
    '$ce-homeQuarantine',
    '$$homeQuarantine-1',
    '$settings',
    '$stats-127.0.0.1:2113',
    'fangyiCheckpoint-relay',
    'fangyiCheckpoint-quarantine.relay',
  ];

  it('keeps Fangyi streams and leaves out system streams, $-typed events and checkpoints', () => {
    for (const streamId of ours)
      expect(isFangyiEvent({ streamId, type: 'quarantine.started' }), streamId).toBe(true);
    for (const streamId of notOurs)
      expect(isFangyiEvent({ streamId, type: 'quarantine.started' }), streamId).toBe(false);
    expect(isFangyiEvent({ streamId: 'homeQuarantine-1', type: '$metadata' })).toBe(false);
  });

  it('asks the server for the same streams: a stream-name regex that agrees with the client-side check', () => {
    const regex = new RegExp(FANGYI_STREAMS_REGEX);
    for (const streamId of ours) expect(regex.test(streamId), streamId).toBe(true);
    for (const streamId of notOurs) expect(regex.test(streamId), streamId).toBe(false);
    const filter = fangyiStreamsFilter();
    expect(filter).toEqual(streamNameFilter({ regex: FANGYI_STREAMS_REGEX }));
    expect(filter.filterOn).toBe(STREAM_NAME);
  });

  it('keeps checkpoints in ordinary streams named like the others, which keep one event', () => {
    expect(checkpointStream('quarantine.relay')).toBe('fangyiCheckpoint-quarantine.relay');
    expect(checkpointStream('relay').startsWith('$')).toBe(false);
    expect(CHECKPOINT_STREAM_METADATA).toEqual({ maxCount: 1 });
  });
});
