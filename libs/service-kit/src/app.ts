import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor, Role } from '@fangyi/contracts';
import { actorOf, bearerUser, requireRole, type User } from './auth.ts';
import { WrongExpectedRevisionError } from '@fangyi/eventstore';
import { COMMON_ERRORS, DomainError, inRequest, type ErrorRegistry, type FieldIssue, type FieldPaths } from './errors.ts';
import type { Logger } from './logger.ts';

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
  /** The secret that signs bearer tokens (HS256). Every route but /health, /ready and /openapi.json needs a token. */
  readonly authSecret: string;
  readonly clock?: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
  interface FastifyInstance {
    openapi: OpenApiRegistry;
    authenticate(request: FastifyRequest): User;
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
              errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              correlationId: { type: 'string' },
            },
          },
        },
      },
    };
  }
}

const ANONYMOUS: User = { id: 'anonymous', name: '', role: 'system', communities: [] };

const PROBLEM_TYPE = (code: string) => `urn:fangyi:problem:${code.toLowerCase().replaceAll('_', '-')}`;

function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, title: string, detail?: string, fields?: readonly FieldIssue[]) {
  const body: Record<string, unknown> = { type: PROBLEM_TYPE(code), title, status, code, instance: request.url, correlationId: request.correlationId };
  if (detail) body.detail = detail;
  if (fields && fields.length > 0) body.errors = fields;
  return reply.status(status).type('application/problem+json').send(body);
}

/** A fastify app with the kit's logging, ids, errors, health, readiness and OpenAPI document. `listen` is the caller's. */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const registry: ErrorRegistry = { ...COMMON_ERRORS, ...options.errors };
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  app.decorate('openapi', new OpenApiRegistry(`Fangyi ${options.service}`, options.version ?? '0.1.0'));
  app.decorateRequest('correlationId', '');

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers['x-correlation-id'];
    request.correlationId = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : String(request.id);
    request.log = request.log.child({ correlationId: request.correlationId });
    reply.header('x-request-id', request.id);
    reply.header('x-correlation-id', request.correlationId);
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof RequestValidationError) {
      const d = registry.VALIDATION_FAILED!;
      return sendProblem(reply, request, d.status, 'VALIDATION_FAILED', d.title, `invalid: ${error.fields.map((f) => f.field).join(', ')}`, error.fields);
    }
    if (error instanceof DomainError) {
      const d = registry[error.code] ?? { status: 422, title: error.code };
      return sendProblem(reply, request, d.status, error.code, d.title, error.detail, error.fields);
    }
    if (error instanceof WrongExpectedRevisionError) {
      const d = registry.CONCURRENCY_CONFLICT!;
      return sendProblem(reply, request, d.status, 'CONCURRENCY_CONFLICT', d.title, `expected revision ${String(error.expected)}, current ${String(error.actual)}`);
    }
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 413) return sendProblem(reply, request, 413, 'BODY_TOO_LARGE', registry.BODY_TOO_LARGE!.title, e.message, [{ field: 'body', message: 'too large' }]);
    if (e.statusCode === 415) return sendProblem(reply, request, 415, 'UNSUPPORTED_MEDIA_TYPE', registry.UNSUPPORTED_MEDIA_TYPE!.title, e.message, [{ field: 'headers.content-type', message: 'must be application/json' }]);
    if (e.statusCode === 400 && (error instanceof SyntaxError || String(e.code).startsWith('FST_ERR_CTP'))) {
      return sendProblem(reply, request, 400, 'MALFORMED_JSON', registry.MALFORMED_JSON!.title, e.message, [{ field: 'body', message: e.message ?? 'not valid JSON' }]);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return sendProblem(reply, request, e.statusCode, e.code ?? 'BAD_REQUEST', e.message ?? 'Bad request');
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, 500, 'INTERNAL', registry.INTERNAL!.title);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'NOT_FOUND', registry.NOT_FOUND!.title, `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  app.get('/health', async () => ({ status: 'ok', service: options.service }));
  app.get('/ready', async (request, reply) => {
    const report = options.readiness ? await options.readiness().catch((err: unknown) => ({ ok: false, checks: { readiness: String(err) } })) : { ok: true, checks: {} };
    if (!report.ok) return sendProblem(reply, request, 503, 'NOT_READY', registry.NOT_READY!.title, JSON.stringify(report.checks));
    return { status: 'ready', service: options.service, checks: report.checks };
  });
  app.get('/openapi.json', async () => app.openapi.document());

  const clock = options.clock ?? (() => new Date());
  app.decorate('authenticate', (request: FastifyRequest): User => {
    const header = request.headers.authorization;
    // A page opened in a browser may carry its token in the query string instead.
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.access_token;
    return bearerUser(header ?? (typeof fromQuery === 'string' ? `Bearer ${fromQuery}` : undefined), options.authSecret, clock());
  });
  return app;
}

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

function parsePart(schema: z.ZodType | undefined, value: unknown, part: string, issues: FieldIssue[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  for (const i of result.error.issues) {
    const path = i.path.map(String);
    // Unknown keys are reported by zod on the parent; name each one so the caller sees which.
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) issues.push({ field: [part, ...path, key].join('.'), message: 'unknown field' });
    } else {
      issues.push({ field: [part, ...path].join('.'), message: i.message });
    }
  }
  return undefined;
}

/** `{ key: 'part.key' }` for each key of an object schema. */
function pathsOf(schema: z.ZodType | undefined, part: string): FieldPaths {
  return schema instanceof z.ZodObject ? Object.fromEntries(Object.keys(schema.shape).map((k) => [k, `${part}.${k}`])) : {};
}

/** Registers a route whose body, params and query are validated with zod; failures are 400s naming each field. */
export function route<B extends Schema = undefined, P extends Schema = undefined, Q extends Schema = undefined>(
  app: ServiceApp,
  spec: RouteSpec<B, P, Q>,
): void {
  const openapiPath = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const parameters: unknown[] = [];
  for (const [where, schema] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, s] of Object.entries(json.properties ?? {})) {
      parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s });
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
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } } } } : {}),
      responses: {
        [String(spec.status ?? 200)]: {
          description: 'OK',
          ...(spec.response ? { content: { 'application/json': { schema: toJsonSchema(spec.response, 'output') } } } : {}),
        },
        '4XX': { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    },
  });

  // The decider names the domain fact at fault; the answer names where it came in the request.
  const fieldPaths: FieldPaths = { ...pathsOf(spec.query, 'query'), ...pathsOf(spec.params, 'params'), ...spec.fields };
  const handler = (ctx: RouteContext<B, P, Q>) =>
    spec.handler(ctx).catch((error: unknown) => {
      throw inRequest(error, fieldPaths);
    });
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      const user = spec.public ? ANONYMOUS : app.authenticate(request);
      if (spec.roles) requireRole(user, spec.roles);
      const issues: FieldIssue[] = [];
      const params = parsePart(spec.params, request.params, 'params', issues);
      // A browser page may carry its token as ?access_token=; it is the kit's, not the route's.
      const { access_token: _token, ...rawQuery } = (request.query ?? {}) as Record<string, unknown>;
      const query = parsePart(spec.query, rawQuery, 'query', issues);
      const body = parsePart(spec.body, request.body, 'body', issues);
      if (issues.length > 0) throw new RequestValidationError(issues);
      let status = spec.status ?? 200;
      const result = await handler({
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
      });
      if (!reply.sent) reply.status(status);
      return result;
    },
  });
}
