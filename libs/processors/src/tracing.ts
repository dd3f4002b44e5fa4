import type { Envelope } from '@fangyi/contracts';
import {
  failSpan,
  isTraced,
  SpanKind,
  startSpanFrom,
  type Span,
  type Tracer,
} from '@fangyi/tracing';
import type { Processor } from './processor.ts';

/**
 * The processor with a consumer span for each traced event it handles (one carrying a
 * traceparent: the relay's publish from Kafka, the append from the log), ended once the event is
 * applied (a read model's Redis write is inside it). Events without one are handled as before.
 */
export function tracedProcessor(processor: Processor, tracer: Tracer): Processor {
  const spansOf = (events: readonly Envelope[]): Span[] =>
    events
      .filter((e) => isTraced(e.traceparent))
      .map((e) =>
        startSpanFrom(tracer, `fangyi.apply ${processor.name}`, e.traceparent, {
          kind: SpanKind.CONSUMER,
          attributes: {
            'fangyi.processor': processor.name,
            'fangyi.event_type': e.type,
            'fangyi.stream_id': e.streamId,
            'messaging.message.id': e.id,
          },
        }),
      );
  const within = async (events: readonly Envelope[], work: () => Promise<void>): Promise<void> => {
    const spans = spansOf(events);
    if (spans.length === 0) return work();
    try {
      await work();
    } catch (error) {
      for (const span of spans) failSpan(span, error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  };
  const { handleBatch } = processor;
  return {
    ...processor,
    handle: (event, log) => within([event], () => processor.handle(event, log)),
    ...(handleBatch
      ? {
          handleBatch: (events: readonly Envelope[], log) =>
            within(events, () => handleBatch.call(processor, events, log)),
        }
      : {}),
  };
}
