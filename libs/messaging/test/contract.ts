import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterTopic, type Envelope } from '@fangyi/contracts';
import {
  consumeEnvelopes,
  DLQ_HEADERS,
  listDeadLetters,
  REPLAYED_FROM_HEADER,
  replayDeadLetters,
  type Consumer,
  type DeadLetterAccess,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
} from '../src/index.ts';
import { recordedCase } from './events.ts';
import { testLogger } from './support.ts';

export interface MessageBusUnderTest {
  bus: MessageBus;
  /** The same bus, as the dead-letter tool reads it. */
  deadLetters: DeadLetterAccess;
  /** Partitions of a topic made by ensureTopics: 1 in process, 3 on Kafka. */
  partitions: number;
  cleanup(): Promise<void>;
}

const suffix = () => randomUUID().slice(0, 8);
const POLL = { timeout: 20_000, interval: 25 };

/** Lets messages that should not arrive have a chance to arrive before asserting they did not. */
const settle = (ms = 1_000) => new Promise((r) => setTimeout(r, ms));

/** One suite for every message bus adapter: each must pass all of it. */
export function messageBusContract(
  name: string,
  factory: () => Promise<MessageBusUnderTest>,
): void {
  describe(`message bus contract: ${name}`, () => {
    let sut: MessageBusUnderTest;
    let bus: MessageBus;
    const consumers: Consumer[] = [];

    beforeAll(async () => {
      sut = await factory();
      bus = sut.bus;
    });
    afterAll(async () => {
      await Promise.all(consumers.map((c) => c.stop()));
      await sut?.cleanup();
    });

    async function topic(label: string): Promise<string> {
      const t = `contract-${label}-${suffix()}`;
      await bus.ensureTopics([t]);
      return t;
    }
    async function consume(options: Parameters<MessageBus['consume']>[0]): Promise<Consumer> {
      const c = await bus.consume(options);
      consumers.push(c);
      return c;
    }
    const group = (label: string) => `contract-${label}-${suffix()}`;

    it('delivers published messages from the beginning with their key, value and headers', async () => {
      const t = await topic('basic');
      const sent: OutgoingMessage[] = [
        {
          key: 'case-1',
          value: JSON.stringify({ temperatureC: 38.1, note: '发热' }),
          headers: { 'fangyi-type': 'quarantine.a', 'x-n': '1' },
        },
        { key: 'case-1', value: 'second' },
        { key: 'case-2', value: '', headers: { only: 'header' } },
      ];
      await bus.publish(t, sent);
      const got: IncomingMessage[] = [];
      await consume({
        groupId: group('basic'),
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void got.push(m),
      });
      await expect.poll(() => got.length, POLL).toBe(3);
      const byValue = new Map(got.map((m) => [m.value, m]));
      for (const s of sent) {
        const m = byValue.get(s.value);
        expect(m).toMatchObject({ topic: t, key: s.key, value: s.value, headers: s.headers ?? {} });
        expect(m!.offset).toMatch(/^\d+$/);
        expect(m!.partition).toBeGreaterThanOrEqual(0);
        expect(m!.partition).toBeLessThan(sut.partitions);
      }
      // Same key, same partition, in publish order.
      const first = byValue.get(sent[0]!.value)!;
      const second = byValue.get('second')!;
      expect(second.partition).toBe(first.partition);
      expect(BigInt(second.offset)).toBeGreaterThan(BigInt(first.offset));
    });

    it('keeps the order of each key across many keys and partitions', async () => {
      const t = await topic('order');
      const keys = Array.from({ length: 24 }, (_, i) => `stream-${i}`);
      const rounds = 8;
      for (let r = 0; r < rounds; r++) {
        await bus.publish(
          t,
          keys.map((k) => ({ key: k, value: `${k}:${r}` })),
        );
      }
      const got: IncomingMessage[] = [];
      await consume({
        groupId: group('order'),
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void got.push(m),
      });
      await expect.poll(() => got.length, POLL).toBe(keys.length * rounds);
      for (const k of keys) {
        const mine = got.filter((m) => m.key === k);
        expect(mine.map((m) => m.value)).toEqual(
          Array.from({ length: rounds }, (_, r) => `${k}:${r}`),
        );
        expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      }
      // With several partitions, 24 keys land on more than one of them.
      if (sut.partitions > 1) expect(new Set(got.map((m) => m.partition)).size).toBeGreaterThan(1);
    });

    it('reads a backlog of several megabytes intact and in order (fetches far larger than a socket read)', async () => {
      const t = await topic('backlog');
      const keys = 12;
      const perKey = 250;
      // 3,000 messages of about 2 KB, multi-byte characters included: 6 MB waiting at once.
      const messageOf = (k: number, n: number) =>
        JSON.stringify({ k, n, note: `居家隔离第${n}次 `.repeat(40 + ((k * 7 + n) % 30)) });
      for (let n = 0; n < perKey; n += 50) {
        const chunk: OutgoingMessage[] = [];
        for (let i = n; i < n + 50; i++)
          for (let k = 0; k < keys; k++)
            chunk.push({ key: `backlog-${k}`, value: messageOf(k, i) });
        await bus.publish(t, chunk);
      }
      const got: IncomingMessage[] = [];
      await consume({
        groupId: group('backlog'),
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void got.push(m),
      });
      await expect.poll(() => got.length, POLL).toBe(keys * perKey);
      for (let k = 0; k < keys; k++) {
        const mine = got.filter((m) => m.key === `backlog-${k}`).map((m) => m.value);
        expect(mine).toEqual(Array.from({ length: perKey }, (_, n) => messageOf(k, n)));
      }
    });

    it('splits a group between two consumers: every message handled exactly once', async () => {
      const t = await topic('split');
      const g = group('split');
      const a: IncomingMessage[] = [];
      const b: IncomingMessage[] = [];
      await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void a.push(m),
      });
      await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void b.push(m),
      });
      const sent = Array.from({ length: 60 }, (_, i) => ({ key: `k-${i % 30}`, value: `m-${i}` }));
      await bus.publish(t, sent);
      await expect.poll(() => a.length + b.length, POLL).toBeGreaterThanOrEqual(sent.length);
      await settle();
      const all = [...a, ...b].map((m) => m.value).sort();
      expect(all).toEqual(sent.map((m) => m.value).sort());
      // Each partition has one owner in the group, so no value appears in both.
      const inA = new Set(a.map((m) => m.value));
      expect(b.filter((m) => inA.has(m.value))).toEqual([]);
      if (sut.partitions > 1) {
        expect(a.length).toBeGreaterThan(0);
        expect(b.length).toBeGreaterThan(0);
      }
    });

    it('starts a new group without fromBeginning at the messages published after it joined', async () => {
      const t = await topic('latest');
      await bus.publish(
        t,
        Array.from({ length: 6 }, (_, i) => ({ key: `k-${i}`, value: `old-${i}` })),
      );
      const got: IncomingMessage[] = [];
      await consume({
        groupId: group('latest'),
        topics: [t],
        fromBeginning: false,
        handle: async (m) => void got.push(m),
      });
      await bus.publish(
        t,
        Array.from({ length: 6 }, (_, i) => ({ key: `k-${i}`, value: `new-${i}` })),
      );
      await expect.poll(() => got.length, POLL).toBeGreaterThanOrEqual(6);
      await settle(500);
      expect(got.map((m) => m.value).sort()).toEqual(
        Array.from({ length: 6 }, (_, i) => `new-${i}`),
      );
    });

    it('redelivers the message whose handler threw, instead of skipping it', async () => {
      const t = await topic('retry');
      await bus.publish(
        t,
        ['m0', 'm1', 'm2'].map((value) => ({ key: 'one-stream', value })),
      );
      const attempts: string[] = [];
      const handled: string[] = [];
      let failuresLeft = 2;
      await consume({
        groupId: group('retry'),
        topics: [t],
        fromBeginning: true,
        handle: async (m) => {
          attempts.push(m.value);
          if (m.value === 'm1' && failuresLeft-- > 0)
            throw new Error('projection store unavailable');
          handled.push(m.value);
        },
      });
      await expect.poll(() => handled.length, POLL).toBe(3);
      expect(attempts).toEqual(['m0', 'm1', 'm1', 'm1', 'm2']);
      expect(handled).toEqual(['m0', 'm1', 'm2']);
    });

    it('gives a message that never got handled to the next consumer of the group', async () => {
      const t = await topic('poison');
      const g = group('poison');
      await bus.publish(
        t,
        ['m0', 'm1', 'm2'].map((value) => ({ key: 'one-stream', value })),
      );
      const firstAttempts: string[] = [];
      const failing = await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => {
          firstAttempts.push(m.value);
          if (m.value === 'm1') throw new Error('always fails');
        },
      });
      await expect
        .poll(() => firstAttempts.filter((v) => v === 'm1').length, POLL)
        .toBeGreaterThanOrEqual(2);
      await failing.stop();
      expect(firstAttempts).not.toContain('m2');
      const got: string[] = [];
      await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void got.push(m.value),
      });
      await expect.poll(() => got.length, POLL).toBe(2);
      expect(got).toEqual(['m1', 'm2']);
    });

    it('resumes a group after the last committed offset: nothing handled twice, nothing lost', async () => {
      const t = await topic('resume');
      const g = group('resume');
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      const batch = (label: string, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          key: keys[i % keys.length]!,
          value: `${label}-${i}`,
        }));
      await bus.publish(t, batch('first', 30));

      // A slow consumer, stopped part-way through.
      const firstSeen: string[] = [];
      const first = await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => {
          await new Promise((r) => setTimeout(r, 15));
          firstSeen.push(m.value);
        },
      });
      await expect.poll(() => firstSeen.length, POLL).toBeGreaterThanOrEqual(5);
      await first.stop();
      const handledBeforeStop = [...firstSeen];
      await settle(200);
      expect(firstSeen).toEqual(handledBeforeStop);

      await bus.publish(t, batch('second', 12));
      const secondSeen: string[] = [];
      await consume({
        groupId: g,
        topics: [t],
        fromBeginning: true,
        handle: async (m) => void secondSeen.push(m.value),
      });
      const expected = 30 + 12 - handledBeforeStop.length;
      await expect.poll(() => secondSeen.length, POLL).toBeGreaterThanOrEqual(expected);
      await settle(500);
      expect(secondSeen).toHaveLength(expected);
      expect([...handledBeforeStop, ...secondSeen].sort()).toEqual(
        [...batch('first', 30), ...batch('second', 12)].map((m) => m.value).sort(),
      );
    });

    describe('dead letters (consumeEnvelopes)', () => {
      const STARTED = 'quarantine.home-quarantine-started';
      const LOGGED = 'quarantine.symptom-check-logged';
      const handles = [STARTED, LOGGED];
      const asMessage = (e: Envelope): OutgoingMessage => ({
        key: e.streamId,
        value: JSON.stringify(e),
        headers: { 'fangyi-type': e.type },
      });
      const fast = { firstDelayMs: 20, maxDelayMs: 100 };

      /** Everything on a topic's dead-letter topic, read by a group of its own. */
      async function deadLetters(source: string): Promise<IncomingMessage[]> {
        const got: IncomingMessage[] = [];
        await consume({
          groupId: group('dlq-reader'),
          topics: [deadLetterTopic(source)],
          fromBeginning: true,
          handle: async (m) => void got.push(m),
        });
        return got;
      }

      it('sets unreadable JSON and an invalid envelope aside at once, with where they came from, and goes on', async () => {
        const t = `contract-poison-${suffix()}`;
        const g = group('poison-env');
        const [started, logged] = recordedCase(`c-${suffix()}`, 1) as [Envelope, Envelope];
        const handled: string[] = [];
        const consumer = await consumeEnvelopes({
          bus,
          topics: [t],
          groupId: g,
          handles,
          logger: testLogger().logger,
          retry: fast,
          onEnvelope: async (e) => void handled.push(e.id),
        });
        consumers.push(consumer);
        const invalid = { ...logged, id: 'not-a-uuid' };
        await bus.publish(t, [
          { key: started.streamId, value: '{"id": "oops', headers: { 'fangyi-type': STARTED } },
          { key: started.streamId, value: JSON.stringify(invalid) },
          asMessage(started),
        ]);
        await expect.poll(() => handled, POLL).toEqual([started.id]);
        const dlq = await deadLetters(t);
        await expect.poll(() => dlq.length, POLL).toBe(2);
        const [json, envelope] = dlq as [IncomingMessage, IncomingMessage];
        expect(json).toMatchObject({ key: started.streamId, value: '{"id": "oops' });
        expect(json.headers).toMatchObject({
          'fangyi-type': STARTED,
          [DLQ_HEADERS.reason]: expect.stringMatching(/^invalid JSON/),
          [DLQ_HEADERS.sourceTopic]: t,
          [DLQ_HEADERS.group]: g,
          [DLQ_HEADERS.failedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        });
        // Never handed to the handler: no attempts to count.
        expect(json.headers[DLQ_HEADERS.attempts]).toBeUndefined();
        expect(envelope.value).toBe(JSON.stringify(invalid));
        expect(envelope.headers[DLQ_HEADERS.reason]).toMatch(
          /invalid envelope: id: must be a UUIDv7/,
        );
        // Same key, same source partition, one after the other.
        expect(envelope.headers[DLQ_HEADERS.sourcePartition]).toBe(
          json.headers[DLQ_HEADERS.sourcePartition],
        );
        expect(BigInt(envelope.headers[DLQ_HEADERS.sourceOffset]!)).toBe(
          BigInt(json.headers[DLQ_HEADERS.sourceOffset]!) + 1n,
        );
        expect(consumer.status()).toMatchObject({ deadLettered: 2, retryingSince: null });
      });

      it('retries a handler that fails a few times and then succeeds, without a dead letter', async () => {
        const t = `contract-flaky-${suffix()}`;
        const events = recordedCase(`c-${suffix()}`, 2);
        let failuresLeft = 2;
        const tries: string[] = [];
        const handled: string[] = [];
        consumers.push(
          await consumeEnvelopes({
            bus,
            topics: [t],
            groupId: group('flaky'),
            handles,
            logger: testLogger().logger,
            maxAttempts: 3,
            retry: fast,
            onEnvelope: async (e) => {
              tries.push(e.id);
              if (e.id === events[1]!.id && failuresLeft-- > 0)
                throw new Error('projection store unavailable');
              handled.push(e.id);
            },
          }),
        );
        await bus.publish(t, events.map(asMessage));
        await expect.poll(() => handled, POLL).toEqual(events.map((e) => e.id));
        expect(tries).toEqual([
          events[0]!.id,
          events[1]!.id,
          events[1]!.id,
          events[1]!.id,
          events[2]!.id,
        ]);
        const dlq = await deadLetters(t);
        await settle();
        expect(dlq).toEqual([]);
      });

      it('dead-letters a message whose handler always fails after the configured attempts, and handles the ones behind it', async () => {
        const t = `contract-failing-${suffix()}`;
        const g = group('failing');
        const events = recordedCase(`c-${suffix()}`, 3);
        const bad = events[1]!;
        const tries: string[] = [];
        const handled: string[] = [];
        const consumer = await consumeEnvelopes({
          bus,
          topics: [t],
          groupId: g,
          handles,
          logger: testLogger().logger,
          maxAttempts: 4,
          retry: fast,
          onEnvelope: async (e, m) => {
            tries.push(e.id);
            if (e.id === bad.id) throw new Error(`projection bug at offset ${m.offset}`);
            handled.push(e.id);
          },
        });
        consumers.push(consumer);
        await bus.publish(t, events.map(asMessage));
        // Every event of the stream shares the bad one's partition: the ones behind it still arrive.
        await expect
          .poll(() => handled, POLL)
          .toEqual(events.filter((e) => e !== bad).map((e) => e.id));
        expect(tries.filter((id) => id === bad.id)).toHaveLength(4);
        const dlq = await deadLetters(t);
        await expect.poll(() => dlq.length, POLL).toBe(1);
        const [letter] = dlq as [IncomingMessage];
        expect(letter.key).toBe(bad.streamId);
        expect(letter.value).toBe(JSON.stringify(bad));
        expect(letter.headers).toMatchObject({
          'fangyi-type': bad.type,
          [DLQ_HEADERS.reason]: expect.stringMatching(
            /^handler failed: projection bug at offset \d+/,
          ),
          [DLQ_HEADERS.sourceTopic]: t,
          [DLQ_HEADERS.sourcePartition]: expect.stringMatching(/^\d+$/),
          [DLQ_HEADERS.sourceOffset]: expect.stringMatching(/^\d+$/),
          [DLQ_HEADERS.attempts]: '4',
          [DLQ_HEADERS.group]: g,
        });
        expect(Date.parse(letter.headers[DLQ_HEADERS.failedAt]!)).toBeGreaterThan(
          Date.now() - 60_000,
        );
        expect(consumer.status()).toMatchObject({
          deadLettered: 1,
          retryingSince: null,
          handled: 4,
        });
        expect(consumer.status().lastHandledAt).toBeInstanceOf(Date);
      });

      it('shows in its status since when a consumer has been retrying a message', async () => {
        const t = `contract-stuck-${suffix()}`;
        const [started] = recordedCase(`c-${suffix()}`, 0) as [Envelope];
        const consumer = await consumeEnvelopes({
          bus,
          topics: [t],
          groupId: group('stuck'),
          handles,
          logger: testLogger().logger,
          maxAttempts: 1_000,
          retry: fast,
          onEnvelope: async () => {
            throw new Error('redis down');
          },
        });
        consumers.push(consumer);
        expect(consumer.status()).toEqual({
          handled: 0,
          lastHandledAt: null,
          deadLettered: 0,
          retryingSince: null,
        });
        const before = Date.now();
        await bus.publish(t, [asMessage(started)]);
        await expect.poll(() => consumer.status().retryingSince, POLL).toBeInstanceOf(Date);
        expect(consumer.status().retryingSince!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
        expect(consumer.status()).toMatchObject({ handled: 0, deadLettered: 0 });
        await consumer.stop();
      });

      it('lists dead letters and replays them to their source once, after the fix', async () => {
        const t = `contract-replay-${suffix()}`;
        const g = group('replay');
        const events = recordedCase(`c-${suffix()}`, 2);
        const bad = events[1]!;
        let fixed = false;
        const handled: IncomingMessage[] = [];
        const consumer = await consumeEnvelopes({
          bus,
          topics: [t],
          groupId: g,
          handles,
          logger: testLogger().logger,
          maxAttempts: 2,
          retry: fast,
          onEnvelope: async (e, m) => {
            if (e.id === bad.id && !fixed) throw new Error('projection bug');
            handled.push(m);
          },
        });
        consumers.push(consumer);
        await bus.publish(t, events.map(asMessage));
        await expect.poll(() => consumer.status().deadLettered, POLL).toBe(1);
        await expect.poll(() => handled.length, POLL).toBe(2);

        const listed = await listDeadLetters(sut.deadLetters, { topic: t });
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({
          dlqTopic: deadLetterTopic(t),
          offset: '0',
          key: bad.streamId,
          type: bad.type,
          sourceTopic: t,
          group: g,
          attempts: 2,
          reason: 'handler failed: projection bug',
          replayed: false,
        });
        expect(await listDeadLetters(sut.deadLetters, { topic: t, group: 'someone-else' })).toEqual(
          [],
        );
        // Every dead-letter topic is listed when no topic is named.
        expect(
          (await listDeadLetters(sut.deadLetters, { group: g })).map((l) => l.message.value),
        ).toEqual([JSON.stringify(bad)]);

        fixed = true;
        const first = await replayDeadLetters(bus, sut.deadLetters, { topic: t, group: g });
        expect(first.replayed.map((l) => l.offset)).toEqual(['0']);
        await expect.poll(() => handled.length, POLL).toBe(3);
        const again = handled[2]!;
        expect(again.key).toBe(bad.streamId);
        expect(again.value).toBe(JSON.stringify(bad));
        // The original headers, without the dead-letter ones, and where it was replayed from.
        expect(again.headers).toEqual({
          'fangyi-type': bad.type,
          [REPLAYED_FROM_HEADER]: `${deadLetterTopic(t)}@0`,
        });
        expect(await listDeadLetters(sut.deadLetters, { topic: t })).toMatchObject([
          { offset: '0', replayed: true },
        ]);

        // A second replay, with or without the group, republishes nothing.
        expect(
          (await replayDeadLetters(bus, sut.deadLetters, { topic: t, group: g })).replayed,
        ).toEqual([]);
        expect(
          (await replayDeadLetters(bus, sut.deadLetters, { topic: deadLetterTopic(t) })).replayed,
        ).toEqual([]);
        // Asked for by offset, it is replayed again.
        expect(
          (await replayDeadLetters(bus, sut.deadLetters, { topic: t, offset: 0n })).replayed.map(
            (l) => l.offset,
          ),
        ).toEqual(['0']);
        await expect.poll(() => handled.length, POLL).toBe(4);
        await settle(500);
        expect(handled).toHaveLength(4);
        expect(consumer.status().deadLettered).toBe(1);
      });
    });
  });
}
