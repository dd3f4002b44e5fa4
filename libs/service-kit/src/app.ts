import { randomUUID } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { z } from 'zod';
import type { Actor, Role } from '@fangyi/contracts';
import {
  actorOf,
  assertTokenSecret,
  requestUser,
  requireRole,
  type AuthSecret,
  type User,
} from './auth.ts';
import { WrongExpectedRevisionError } from '@fangyi/eventstore';
import {
  COMMON_ERRORS,
  DomainError,
  inRequest,
  mergeErrors,
  type ErrorCode,
  type ErrorRegistry,
  type FieldIssue,
  type FieldPaths,
} from './errors.ts';
import { drainOnClose } from './drain.ts';
import { parseJsonBody } from './json.ts';
import { MASK_ALL, maskAnswer, maskPolicyFor } from './masking.ts';
import { LOG_SERIALIZERS, pathOf, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import {
  contextWithSpan,
  failSpan,
  runTraced,
  SpanKind,
  startSpanFrom,
  type ActiveTrace,
  type Span,
  type Tracing,
} from '@fangyi/tracing';

export interface ReadinessReport {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

export interface ServiceAppOptions {
  readonly service: string;
  readonly version?: string;
  readonly logger: Logger;
  /** The service's own error codes, merged with the common ones. */
  readonly errors?: ErrorRegistry;
  /** Checks the parts the service needs (event store, broker, Redis) for /ready. */
  readonly readiness?: () => Promise<ReadinessReport>;
  readonly bodyLimit?: number;
  /**
   * The secret(s) bearer tokens are signed with (HS256, at least 32 bytes each; the first signs,
   * all verify, during a rotation). Every route but /health, /ready and /openapi.json needs a token.
   */
  readonly authSecret: AuthSecret;
  /** Requests per user (per address without a valid token) and window; `false` turns limits off. */
  readonly rateLimit?: RateLimitSettings | false;
  readonly clock?: () => Date;
  /**
   * The process's metrics, served at /metrics: the composition root makes them (createMetrics)
   * to add its event store's, processors' and relay's; absent, the app makes its own.
   */
  readonly metrics?: Metrics;
  /**
   * Asked about each user signed in by the session cookie (not about bearer tokens): false ends
   * the session at once, e.g. for an account disabled since it signed in. Absent: every valid one.
   */
  readonly sessionCheck?: (user: User) => boolean;
  /**
   * The process's traces (tracingFromEnv): each request gets a server span, continuing the
   * caller's `traceparent`, and the events its command appends carry it on. Absent: no tracing.
   */
  readonly tracing?: Tracing;
}

/** What a service's app takes from its composition root besides the service's own dependencies. */
export interface ServiceAppDeps {
  readonly logger: Logger;
  readonly authSecret: AuthSecret;
  /** Requests per user and window (default: the kit's); `false` turns limits off. */
  readonly rateLimit?: RateLimitSettings | false;
  readonly readiness?: () => Promise<ReadinessReport>;
  readonly metrics?: Metrics;
  /** Asked about each console session (see ServiceAppOptions.sessionCheck). */
  readonly sessionCheck?: (user: User) => boolean;
  readonly tracing?: Tracing;
}

/** The app options of one service from its composition root's part of its deps: one place, so every service takes the same. */
export function serviceAppOptions(
  service: string,
  errors: ErrorRegistry | undefined,
  deps: ServiceAppDeps & { readonly clock?: () => Date },
): ServiceAppOptions {
  return {
    service,
    logger: deps.logger,
    authSecret: deps.authSecret,
    ...(errors ? { errors } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.rateLimit !== undefined ? { rateLimit: deps.rateLimit } : {}),
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.sessionCheck ? { sessionCheck: deps.sessionCheck } : {}),
    ...(deps.tracing ? { tracing: deps.tracing } : {}),
  };
}

export interface RateLimitSettings {
  readonly max: number;
  readonly timeWindowMs: number;
  /** Requests not counted at all, e.g. the embedded start's own seeding. */
  readonly exempt?: (request: FastifyRequest) => boolean;
}

/** Generous: a caller working a list by hand makes a few requests a minute, a page a few more. */
export const DEFAULT_RATE_LIMIT: RateLimitSettings = { max: 1200, timeWindowMs: 60_000 };

/** Paths open to anyone and never limited: probes must see a busy service as it is. */
const OPEN_PATHS = new Set(['/health', '/ready', '/openapi.json', '/metrics']);

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
  interface FastifyInstance {
    openapi: OpenApiRegistry;
    authenticate(request: FastifyRequest): User;
    metrics: Metrics;
  }
}

export type ServiceApp = FastifyInstance;

/** The composition root's pino logger, which createServiceApp hands to fastify as its own. */
export const appLogger = (app: ServiceApp): Logger => app.log as unknown as Logger;

export class RequestValidationError extends Error {
  readonly fields: readonly FieldIssue[];
  constructor(fields: readonly FieldIssue[]) {
    super(`invalid request: ${fields.map((f) => f.field).join(', ')}`);
    this.name = 'RequestValidationError';
    this.fields = fields;
  }
}

interface OpenApiOperation {
  method: string;
  path: string;
  operation: Record<string, unknown>;
}

export class OpenApiRegistry {
  private readonly operations: OpenApiOperation[] = [];
  private readonly title: string;
  private readonly version: string;
  constructor(title: string, version: string) {
    this.title = title;
    this.version = version;
  }
  add(op: OpenApiOperation): void {
    this.operations.push(op);
  }
  document(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { method, path, operation } of this.operations) {
      (paths[path] ??= {})[method] = operation;
    }
    return {
      openapi: '3.1.0',
      info: { title: this.title, version: this.version },
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: {
          Problem: {
            type: 'object',
            description: 'RFC 9457 problem details',
            properties: {
              type: { type: 'string' },
              title: { type: 'string' },
              status: { type: 'integer' },
              detail: { type: 'string' },
              code: { type: 'string' },
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { field: { type: 'string' }, message: { type: 'string' } },
                },
              },
              correlationId: { type: 'string' },
            },
          },
        },
      },
    };
  }
}

const ANONYMOUS: User = { id: 'anonymous', name: '', role: 'system', communities: [] };

export const PROBLEM_TYPE = (code: string) =>
  `urn:fangyi:problem:${code.toLowerCase().replaceAll('_', '-')}`;

/** Longest path an answer names as its `instance`; a longer one is an attack and is not echoed. */
const MAX_INSTANCE_LENGTH = 200;

/**
 * The one way an answer is refused: RFC 9457 problem+json with a registered code. `instance` is
 * the path without its query string (which may carry a leaked ?access_token=), and only when it is short.
 */
function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: ErrorCode,
  title: string,
  detail?: string,
  fields?: readonly FieldIssue[],
  extensions: Readonly<Record<string, string>> = {},
) {
  const path = pathOf(request.url);
  // Extensions first, so that no extension can overwrite a member the standard defines.
  const body: Record<string, unknown> = {
    ...extensions,
    type: PROBLEM_TYPE(code),
    title,
    status,
    code,
  };
  if (path.length <= MAX_INSTANCE_LENGTH) body.instance = path;
  body.correlationId = request.correlationId || String(request.id);
  if (detail) body.detail = detail;
  if (fields && fields.length > 0) body.errors = fields;
  return reply.status(status).type('application/problem+json').send(body);
}

/** Longest path parameter the router takes; ids are at most 128, so a longer one is named by zod up to here. */
const MAX_PARAM_LENGTH = 200;

/** The framework's own refusals (its FST_ codes), as ours: no FST_ code, no echoed path or body. */
const FRAMEWORK_ERRORS: Readonly<
  Record<string, { code: ErrorCode; field: string; message: string }>
> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    field: 'headers.content-type',
    message: 'must be application/json',
  },
  FST_ERR_CTP_INVALID_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    field: 'headers.content-type',
    message: 'must be application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', field: 'body', message: 'too large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'BAD_REQUEST',
    field: 'headers.content-length',
    message: 'does not match the body',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_JSON',
    field: 'body',
    message: 'empty; send a JSON document',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'MALFORMED_JSON',
    field: 'body',
    message: 'not valid JSON',
  },
  FST_ERR_BAD_URL: { code: 'BAD_PATH', field: 'path', message: 'not a valid URL path' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'PATH_TOO_LONG',
    field: 'path',
    message: `a path segment is longer than ${MAX_PARAM_LENGTH} characters`,
  },
};

/** A status the kit has no code for becomes the nearest registered one. */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  return 'BAD_REQUEST';
}

class TooManyRequestsError extends Error {
  readonly statusCode = 429;
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('too many requests');
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Headers on every answer: a content security policy that lets the roster and report pages work
 * (inline styles, GET forms to themselves, no scripts at all) and nothing else; no referrer, so a
 * page's address (its query: a date, a cursor) never travels to another site; no framing, no sniffing.
 */
const HELMET_OPTIONS = {
  global: true,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      styleSrc: ["'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** A fastify app with the kit's logging, ids, errors, health, readiness and OpenAPI document. `listen` is the caller's. */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  assertTokenSecret(options.authSecret, 'authSecret (FANGYI_JWT_SECRET)');
  // A code defined twice (by two services' registries, or one of the kit's) stops the start.
  const registry: ErrorRegistry = mergeErrors(COMMON_ERRORS, options.errors ?? {});
  // Whatever logger the composition root made, requests are logged without query string or headers.
  const logger = options.logger.child({}, { serializers: LOG_SERIALIZERS });
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => {
      const known = FRAMEWORK_ERRORS[(error as { code?: string }).code ?? ''];
      const code =
        known?.code ?? codeForStatus((error as { statusCode?: number }).statusCode ?? 400);
      const d = registry[code]!;
      // The router refused before any hook ran, so helmet's headers are set here by hand.
      reply.header('x-request-id', request.id);
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', 'no-store');
      return sendProblem(
        reply,
        request,
        d.status,
        code,
        d.title,
        undefined,
        known ? [{ field: known.field, message: known.message }] : [],
      );
    },
  });
  // SIGTERM: the requests in flight are answered, then their connections end (drain.ts).
  drainOnClose(app);
  app.decorate(
    'openapi',
    new OpenApiRegistry(`Fangyi ${options.service}`, options.version ?? '0.1.0'),
  );
  app.decorateRequest('correlationId', '');
  const metrics =
    options.metrics ?? createMetrics({ service: options.service, defaultMetrics: false });
  app.decorate('metrics', metrics);
  // Every answer, by the route's pattern (never the path itself, which holds ids) and status.
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  const tracer = options.tracing?.tracer;
  if (tracer) {
    // A server span per request, the caller's traceparent its parent; routes run inside it (route()).
    // Probes and scrapes (every few seconds, from the platform) are not traced.
    app.addHook('onRequest', (request, _reply, done) => {
      if (OPEN_PATHS.has(pathOf(request.url))) return done();
      const header = request.headers.traceparent;
      const route = request.routeOptions.url ?? 'unmatched';
      const span = startSpanFrom(
        tracer,
        `${request.method} ${route}`,
        typeof header === 'string' ? header : undefined,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': request.method, 'http.route': route },
        },
      );
      requestTraces.set(request, { span, trace: { tracer, context: contextWithSpan(span) } });
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      const traced = requestTraces.get(request);
      if (traced) {
        traced.span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) failSpan(traced.span, new Error(`status ${reply.statusCode}`));
        traced.span.end();
      }
      done();
    });
  }
  app.register(fastifyHelmet, HELMET_OPTIONS);

  // JSON only (a text/plain body is 415, not a string handed to the route), parsed strictly.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers['x-correlation-id'];
    request.correlationId =
      typeof header === 'string' && header.length > 0 && header.length <= 200
        ? header
        : String(request.id);
    request.log = request.log.child({ correlationId: request.correlationId });
    reply.header('x-request-id', request.id);
    reply.header('x-correlation-id', request.correlationId);
  });

  const clock = options.clock ?? (() => new Date());
  const users = new WeakMap<FastifyRequest, User>();
  const authenticate = (request: FastifyRequest): User => {
    const known = users.get(request);
    if (known) return known;
    // A bearer header (scripts) or the session cookie (the console, the pages): never a token in
    // the URL, which browsers keep in history and send on in Referer headers.
    const { user, via } = requestUser(
      { authorization: request.headers.authorization, cookie: request.headers.cookie },
      options.authSecret,
      clock(),
    );
    if (via === 'session' && options.sessionCheck && !options.sessionCheck(user))
      throw new DomainError('UNAUTHENTICATED', 'this account can no longer sign in');
    users.set(request, user);
    return user;
  };
  app.decorate('authenticate', authenticate);

  const limits = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
  if (limits) {
    app.register(fastifyRateLimit, {
      global: false,
      max: limits.max,
      timeWindow: limits.timeWindowMs,
      // Per user, so the district's registrars behind one gateway do not share a budget; a
      // request without a valid token counts against its address.
      keyGenerator: (request) => {
        try {
          return `user:${authenticate(request).id}`;
        } catch {
          return `ip:${request.ip}`;
        }
      },
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(Math.ceil(context.ttl / 1000)),
    });
    // The plugin's own per-route hooks would miss the routes added before it loads: one root hook instead.
    let limiter: ReturnType<ServiceApp['rateLimit']> | undefined;
    app.addHook('onRequest', async (request, reply) => {
      if (OPEN_PATHS.has(pathOf(request.url)) || limits.exempt?.(request)) return;
      limiter ??= app.rateLimit();
      await limiter.call(app, request, reply);
    });
  }

  // Every JSON answer of every route, masked for its reader by the one policy table (masking.ts):
  // routes answer with the plain values they read, and none masks by hand. Text answers (pages,
  // CSV) are not walked: they are rendered from data that holds no personal numbers.
  app.addHook('preSerialization', async (request, _reply, payload) => {
    const user = users.get(request);
    return maskAnswer(payload, user ? maskPolicyFor(user.role) : MASK_ALL);
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof RequestValidationError) {
      const d = registry.VALIDATION_FAILED!;
      return sendProblem(
        reply,
        request,
        d.status,
        'VALIDATION_FAILED',
        d.title,
        `invalid: ${error.fields.map((f) => f.field).join(', ')}`,
        error.fields,
      );
    }
    if (error instanceof DomainError) {
      const d = registry[error.code] ?? { status: 422, title: error.code };
      return sendProblem(
        reply,
        request,
        d.status,
        error.code,
        d.title,
        error.detail,
        error.fields,
        error.extensions,
      );
    }
    if (error instanceof WrongExpectedRevisionError) {
      const d = registry.CONCURRENCY_CONFLICT!;
      return sendProblem(
        reply,
        request,
        d.status,
        'CONCURRENCY_CONFLICT',
        d.title,
        `expected revision ${String(error.expected)}, current ${String(error.actual)}`,
      );
    }
    if (error instanceof TooManyRequestsError) {
      const d = registry.TOO_MANY_REQUESTS!;
      return sendProblem(
        reply,
        request,
        d.status,
        'TOO_MANY_REQUESTS',
        d.title,
        `retry in ${error.retryAfterSeconds} s`,
      );
    }
    // The framework's own errors: our code, never its FST_ code or its message (which echoes input).
    const e = error as { statusCode?: number; code?: string };
    const known = FRAMEWORK_ERRORS[e.code ?? ''];
    if (known) {
      const d = registry[known.code]!;
      return sendProblem(reply, request, d.status, known.code, d.title, undefined, [
        { field: known.field, message: known.message },
      ]);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      const code = codeForStatus(e.statusCode);
      const d = registry[code]!;
      return sendProblem(reply, request, d.status, code, d.title);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, 500, 'INTERNAL', registry.INTERNAL!.title);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      404,
      'NOT_FOUND',
      registry.NOT_FOUND!.title,
      `no route for ${request.method} on this path`,
    ),
  );

  app.get('/health', async () => ({ status: 'ok', service: options.service }));
  app.get('/ready', async (request, reply) => {
    const report = options.readiness
      ? await options
          .readiness()
          .catch((err: unknown) => ({ ok: false, checks: { readiness: String(err) } }))
      : { ok: true, checks: {} };
    if (!report.ok)
      return sendProblem(
        reply,
        request,
        503,
        'NOT_READY',
        registry.NOT_READY!.title,
        JSON.stringify(report.checks),
      );
    return { status: 'ready', service: options.service, checks: report.checks };
  });
  app.get('/openapi.json', async () => app.openapi.document());
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app;
}

/** Each traced request's server span and the trace its route runs in. */
const requestTraces = new WeakMap<FastifyRequest, { span: Span; trace: ActiveTrace }>();

type Schema = z.ZodType | undefined;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B extends Schema, P extends Schema, Q extends Schema> {
  readonly body: Infer<B>;
  readonly params: Infer<P>;
  readonly query: Infer<Q>;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** The caller, from their bearer token (the route has already checked it and its role). */
  readonly user: User;
  /** The caller as events record them. */
  actor(): Actor;
  /** Answers with another status than the route's declared one (e.g. 200 for a resend that changed nothing). */
  status(code: number): void;
}

export interface RouteSpec<B extends Schema, P extends Schema, Q extends Schema> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly tags?: readonly string[];
  /** Roles allowed (the admin always is). Absent: any signed-in user. */
  readonly roles?: readonly Role[];
  /** Open to anyone without a token. */
  readonly public?: boolean;
  readonly body?: B;
  readonly params?: P;
  readonly query?: Q;
  /** Status of a successful answer (default 200). */
  readonly status?: number;
  /** JSON Schema of the successful answer, for the OpenAPI document only. */
  readonly response?: z.ZodType;
  /**
   * Where the domain facts a decider names came in, beyond the defaults: a key of the params or
   * query schema maps there (`caseId` → `params.caseId`), anything else to `body.` (see inRequest).
   */
  readonly fields?: FieldPaths;
  readonly handler: (ctx: RouteContext<B, P, Q>) => Promise<unknown>;
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
}

function parsePart(
  schema: z.ZodType | undefined,
  value: unknown,
  part: string,
  issues: FieldIssue[],
): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    const path = i.path.map(String);
    // Unknown keys are reported by zod on the parent; name each one so the caller sees which.
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys)
        issues.push({ field: [part, ...path, key].join('.'), message: 'unknown field' });
    } else {
      issues.push({ field: [part, ...path].join('.'), message: i.message });
    }
  }
  return undefined;
}

/** `{ key: 'part.key' }` for each key of an object schema. */
function pathsOf(schema: z.ZodType | undefined, part: string): FieldPaths {
  return schema instanceof z.ZodObject
    ? Object.fromEntries(Object.keys(schema.shape).map((k) => [k, `${part}.${k}`]))
    : {};
}

/** Registers a route whose body, params and query are validated with zod; failures are 400s naming each field. */
export function route<
  B extends Schema = undefined,
  P extends Schema = undefined,
  Q extends Schema = undefined,
>(app: ServiceApp, spec: RouteSpec<B, P, Q>): void {
  const openapiPath = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const parameters: unknown[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema, 'input') as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        schema: s,
      });
    }
  }
  app.openapi.add({
    method: spec.method.toLowerCase(),
    path: openapiPath,
    operation: {
      summary: spec.summary,
      tags: spec.tags ?? [],
      ...(parameters.length ? { parameters } : {}),
      ...(spec.public ? {} : { security: [{ bearer: [] }] }),
      ...(spec.roles ? { 'x-roles': spec.roles } : {}),
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } },
            },
          }
        : {}),
      responses: {
        [String(spec.status ?? 200)]: {
          description: 'OK',
          ...(spec.response
            ? { content: { 'application/json': { schema: toJsonSchema(spec.response, 'output') } } }
            : {}),
        },
        '4XX': {
          description: 'Problem',
          content: {
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          },
        },
      },
    },
  });

  // The decider names the domain fact at fault; the answer names where it came in the request.
  const fieldPaths: FieldPaths = {
    ...pathsOf(spec.query, 'query'),
    ...pathsOf(spec.params, 'params'),
    ...spec.fields,
  };
  const handler = (ctx: RouteContext<B, P, Q>) =>
    spec.handler(ctx).catch((error: unknown) => {
      throw inRequest(error, fieldPaths);
    });
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      // Every answer of an authenticated route may hold personal data: no cache keeps it.
      if (!spec.public) reply.header('cache-control', 'no-store');
      // A token in a URL is refused before anything else (and never echoed): the URL has leaked
      // it already, so it must not also work.
      if (Object.hasOwn((request.query ?? {}) as object, 'access_token')) {
        throw new RequestValidationError([
          {
            field: 'query.access_token',
            message: 'a token is never accepted in a URL: send Authorization: Bearer, or sign in',
          },
        ]);
      }
      const user = spec.public ? ANONYMOUS : app.authenticate(request);
      if (spec.roles) requireRole(user, spec.roles);
      const issues: FieldIssue[] = [];
      const params = parsePart(spec.params, request.params, 'params', issues);
      const query = parsePart(spec.query, request.query ?? {}, 'query', issues);
      const body = parsePart(spec.body, request.body, 'body', issues);
      if (issues.length > 0) throw new RequestValidationError(issues);
      let status = spec.status ?? 200;
      const traced = requestTraces.get(request);
      const run = <T>(fn: () => T): T => (traced ? runTraced(traced.trace, fn) : fn());
      const result = await run(() =>
        handler({
          body: body as Infer<B>,
          params: params as Infer<P>,
          query: query as Infer<Q>,
          request,
          reply,
          user,
          actor: () => actorOf(user),
          status: (code) => {
            status = code;
          },
        }),
      );
      if (!reply.sent) reply.status(status);
      return result;
    },
  });
}
