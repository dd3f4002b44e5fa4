import { contextOf } from './envelope.ts';

export const BOUNDED_CONTEXTS = ['residents', 'quarantine', 'checkpoints', 'complaints'] as const;
export type BoundedContext = (typeof BOUNDED_CONTEXTS)[number];

/** One Kafka topic per bounded context, with a version suffix: `fangyi.quarantine.v1`. */
export function topicFor(context: string, prefix = 'fangyi'): string {
  return `${prefix}.${context}.v1`;
}

export function topicOfEvent(eventType: string, prefix = 'fangyi'): string {
  return topicFor(contextOf(eventType), prefix);
}

export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith('.dlq');
}

/** The topic a dead-letter topic sets messages aside for. */
export function sourceOfDeadLetterTopic(topic: string): string {
  return isDeadLetterTopic(topic) ? topic.slice(0, -'.dlq'.length) : topic;
}
