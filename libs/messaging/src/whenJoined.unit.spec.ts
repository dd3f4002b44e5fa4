import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { whenJoined, type ConsumerEvents } from './kafka.ts';

/** The three consumer events whenJoined listens to, raised by hand in the order kafkajs raises them. */
function consumerEvents() {
  const emitter = new EventEmitter();
  const consumer: ConsumerEvents = {
    events: { GROUP_JOIN: 'consumer.group_join', FETCH: 'consumer.fetch', CRASH: 'consumer.crash' },
    on(event, listener) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
  };
  const emit = (event: string, payload: { error?: Error; restart?: boolean } = {}) => emitter.emit(event, { payload });
  return { consumer, emit, listeners: () => emitter.eventNames().length };
}

const log = pino({ level: 'silent' });
const coordinatorLoading = Object.assign(new Error("The coordinator is loading and hence can't process requests for this group"), { retriable: true });

describe('whenJoined: consume() waits for the group join and the first fetch', () => {
  it('resolves on the first fetch after the join, and stops listening', async () => {
    const { consumer, emit, listeners } = consumerEvents();
    const ready = whenJoined(consumer, { groupId: 'g', timeoutMs: 5_000, log });
    emit(consumer.events.FETCH); // a fetch before the join fixes no offsets
    emit(consumer.events.GROUP_JOIN);
    emit(consumer.events.FETCH);
    await expect(ready).resolves.toBeUndefined();
    expect(listeners()).toBe(0);
  });

  it('waits out a crash kafkajs restarts from (a freshly started broker still loading its offsets)', async () => {
    const { consumer, emit } = consumerEvents();
    let settled = false;
    const ready = whenJoined(consumer, { groupId: 'g', timeoutMs: 5_000, log }).finally(() => {
      settled = true;
    });
    emit(consumer.events.CRASH, { error: coordinatorLoading, restart: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    emit(consumer.events.GROUP_JOIN);
    emit(consumer.events.FETCH);
    await expect(ready).resolves.toBeUndefined();
  });

  it('needs a new join after a restart: a fetch of the crashed attempt does not count', async () => {
    const { consumer, emit } = consumerEvents();
    let settled = false;
    const ready = whenJoined(consumer, { groupId: 'g', timeoutMs: 5_000, log }).finally(() => {
      settled = true;
    });
    emit(consumer.events.GROUP_JOIN);
    emit(consumer.events.CRASH, { error: coordinatorLoading, restart: true });
    emit(consumer.events.FETCH);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    emit(consumer.events.GROUP_JOIN);
    emit(consumer.events.FETCH);
    await expect(ready).resolves.toBeUndefined();
  });

  it('rejects with the error of a crash kafkajs gives up on', async () => {
    const { consumer, emit, listeners } = consumerEvents();
    const ready = whenJoined(consumer, { groupId: 'g', timeoutMs: 5_000, log });
    emit(consumer.events.CRASH, { error: new Error('group authorization failed'), restart: false });
    await expect(ready).rejects.toThrow('group authorization failed');
    expect(listeners()).toBe(0);
  });

  it('rejects naming the group when nothing joins in time', async () => {
    const { consumer } = consumerEvents();
    await expect(whenJoined(consumer, { groupId: 'fangyi.roster', timeoutMs: 50, log })).rejects.toThrow('consumer group fangyi.roster did not join within 50 ms');
  });
});
