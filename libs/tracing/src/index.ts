import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

// The SDK (providers, exporters) is `@fangyi/tracing/sdk`, loaded only by a process that exports
// traces: with tracing off, the default, a process does not pay for it.
export { SpanKind, SpanStatusCode, type Span, type Tracer };

/**
 * A process's traces: the tracer its parts start spans with, and the provider behind it that
 * exports them over OTLP. Made by the composition root and passed in; absent, nothing is traced
 * (no spans, no trace context recorded), which is the default.
 */
export interface Tracing {
  readonly tracer: Tracer;
  /** Exports every finished span now (tests, and before a process ends). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** service.name of every span. */
  readonly service: string;
  /** Where spans go: an OTLP/HTTP traces URL (…/v1/traces), JSON encoded. */
  readonly url?: string;
  /** Or any exporter (tests: InMemorySpanExporter), each span handed over as it ends. */
  readonly exporter?: SpanExporter;
  /** Longest wait before a finished span is exported (default 2 s). */
  readonly scheduledDelayMs?: number;
}

/**
 * The standard settings: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL), else
 * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; neither set (or OTEL_TRACES_EXPORTER=none), no tracing.
 * OTEL_SERVICE_NAME overrides the service name, OTEL_BSP_SCHEDULE_DELAY the export delay (ms).
 */
export async function tracingFromEnv(
  service: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Tracing | undefined> {
  if (env.OTEL_TRACES_EXPORTER === 'none') return undefined;
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = full || (base ? `${base.replace(/\/+$/, '')}/v1/traces` : '');
  if (!url) return undefined;
  try {
    new URL(url);
  } catch {
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT must be a URL, got ${JSON.stringify(url)}`);
  }
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const { createTracing } = await import('./sdk.ts');
  return createTracing({
    service: env.OTEL_SERVICE_NAME?.trim() || service,
    url,
    ...(Number.isInteger(delay) && delay > 0 ? { scheduledDelayMs: delay } : {}),
  });
}

const propagator = new W3CTraceContextPropagator();
const getter = {
  get: (carrier: Record<string, string | undefined>, key: string) => carrier[key],
  keys: (carrier: Record<string, string | undefined>) => Object.keys(carrier),
};

/** The context a `traceparent` (W3C trace context) names; the root context when absent or malformed. */
export function contextFromTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagator.extract(
    ROOT_CONTEXT,
    { traceparent, ...(tracestate ? { tracestate } : {}) },
    getter,
  );
}

/** True when the traceparent names a trace this process can continue. */
export function isTraced(traceparent: string | undefined): traceparent is string {
  return (
    traceparent !== undefined &&
    trace.getSpanContext(contextFromTraceparent(traceparent)) !== undefined
  );
}

/** A span's `traceparent`, to carry it to the next process (event metadata, a Kafka header, an HTTP header). */
export function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, { set: (c, k, v) => (c[k] = v) });
  return carrier.traceparent;
}

/** A context holding only `span`: the parent of the spans started under it. */
export function contextWithSpan(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Starts a span whose parent is the span a traceparent names (a new trace when it names none). */
export function startSpanFrom(
  tracer: Tracer,
  name: string,
  traceparent: string | undefined,
  options: { kind?: SpanKind; attributes?: Attributes } = {},
): Span {
  return tracer.startSpan(name, options, contextFromTraceparent(traceparent));
}

/** Ends a span as failed, with the error's message. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The work in hand: a request's span and the tracer to start its children with. */
export interface ActiveTrace {
  readonly tracer: Tracer;
  readonly context: Context;
}

// The trace of the work in hand, within this process (an HTTP request while its route runs): the
// command handler starts its append span under it without every route passing it by hand.
const active = new AsyncLocalStorage<ActiveTrace>();

export function runTraced<T>(trace: ActiveTrace, fn: () => T): T {
  return active.run(trace, fn);
}

export function activeTrace(): ActiveTrace | undefined {
  return active.getStore();
}
