import { MultipleErrors, NetworkError, ProtocolError, TimeoutError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { chunkMessages, messageBytes, permanentPublishError } from './relayBatches.ts';

const item = (bytes: number, n: number) => ({ bytes, n });

describe('relay publish pieces', () => {
  it('cuts by count and by bytes, in order, never leaving a message out', () => {
    const items = [
      item(100, 1),
      item(100, 2),
      item(100, 3),
      item(250, 4),
      item(10, 5),
      item(10, 6),
    ];
    const chunks = chunkMessages(items, { maxMessages: 2, maxBytes: 300 });
    expect(chunks.map((c) => c.map((i) => i.n))).toEqual([[1, 2], [3], [4, 5], [6]]);
    expect(chunks.flat().map((i) => i.n)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of chunks) expect(c.reduce((s, i) => s + i.bytes, 0)).toBeLessThanOrEqual(300);
  });

  it('sends a message heavier than the byte limit alone', () => {
    expect(
      chunkMessages([item(10, 1), item(900, 2), item(10, 3)], {
        maxMessages: 10,
        maxBytes: 500,
      }).map((c) => c.map((i) => i.n)),
    ).toEqual([[1], [2], [3]]);
  });

  it('weighs key, value and headers in UTF-8', () => {
    expect(messageBytes({ key: 'k', value: '体温', headers: { h: 'v' } })).toBe(1 + 6 + 2);
  });

  it('tells a refused message from a broker that is away', () => {
    // As @platformatic/kafka reports them: the broker's answer, wrapped by its retrier.
    const tooLarge = new MultipleErrors('Producing messages failed.', [
      new ProtocolError('MESSAGE_TOO_LARGE'),
    ]);
    expect(permanentPublishError(tooLarge)?.reason).toMatch(/^MESSAGE_TOO_LARGE/);
    const gaveUp = new MultipleErrors('produce failed 9 times.', [
      new NetworkError('Connection closed'),
      new TimeoutError('Request timed out'),
    ]);
    expect(permanentPublishError(gaveUp)).toBeNull();
    expect(permanentPublishError(new Error('broker unreachable'))).toBeNull();
    expect(permanentPublishError(new ProtocolError('NOT_LEADER_OR_FOLLOWER'))).toBeNull();
  });
});
