import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { waitForLeaders, type TopicMetadataSource } from './kafka.ts';

const log = pino({ level: 'silent' });

type Answer = Awaited<ReturnType<TopicMetadataSource['fetchTopicMetadata']>> | Error;

/** A metadata source that gives the answers in order, then repeats the last one. */
function metadata(...answers: Answer[]) {
  let asked = 0;
  const source: TopicMetadataSource = {
    async fetchTopicMetadata() {
      const answer = answers[Math.min(asked++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { source, asked: () => asked };
}

const unknownTopic = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
const led = (name: string, leaders: number[]) => ({ name, partitions: leaders.map((leader, partitionId) => ({ partitionId, leader })) });

describe('waitForLeaders: a topic another process has just created is waited for, not failed on', () => {
  it('waits out "does not host this topic-partition" and resolves once every partition has a leader', async () => {
    const { source, asked } = metadata(unknownTopic, unknownTopic, { topics: [led('t', [1, 1, 1])] });
    await expect(waitForLeaders(source, ['t'], { timeoutMs: 5_000, log, pollMs: 1 })).resolves.toBeUndefined();
    expect(asked()).toBe(3);
  });

  it('waits while a partition has no leader yet (-1), and for every topic asked', async () => {
    const { source, asked } = metadata(
      { topics: [led('a', [1, -1, 1]), led('b', [1])] },
      { topics: [led('a', [1, 1, 1])] },
      { topics: [led('a', [1, 1, 1]), led('b', [1])] },
    );
    await expect(waitForLeaders(source, ['a', 'b'], { timeoutMs: 5_000, log, pollMs: 1 })).resolves.toBeUndefined();
    expect(asked()).toBe(3);
  });

  it('rejects at once on an error that waiting does not cure', async () => {
    const denied = Object.assign(new Error('Not authorized to access topics'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
    const { source, asked } = metadata(denied);
    await expect(waitForLeaders(source, ['t'], { timeoutMs: 5_000, log, pollMs: 1 })).rejects.toThrow('Not authorized');
    expect(asked()).toBe(1);
  });

  it('rejects after the timeout, naming the topics and what was missing', async () => {
    const { source } = metadata({ topics: [led('t', [-1])] });
    await expect(waitForLeaders(source, ['t'], { timeoutMs: 50, log, pollMs: 5 })).rejects.toThrow(/topics t not ready within 50 ms: no leader yet for t/);
  });
});
