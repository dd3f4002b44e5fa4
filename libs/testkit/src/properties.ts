import fc from 'fast-check';
import { expect } from 'vitest';
import { currentVersionOf, parseEnvelope, uuidv7 } from '@fangyi/contracts';
import type { User } from '@fangyi/service-kit';
import { authHeader } from './auth.ts';

/**
 * Property runs are bounded and seeded so the suite stays quick and a failure replays:
 * fast-check prints the seed and the shrunk counterexample; FANGYI_PROPERTY_SEED sets the seed.
 */
export const PROPERTY_SEED = Number(process.env.FANGYI_PROPERTY_SEED ?? 20200123);
export const propertyRuns = (numRuns: number) => ({ numRuns, seed: PROPERTY_SEED });

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
};

/** The vocabulary's strings that fit the schema's format or pattern; all of them when none does. */
function fitting(schema: JsonSchema, vocabulary: readonly string[]): readonly string[] {
  const test = (v: string) => {
    if (schema.format === 'date' && !/^\d{4}-\d\d-\d\d$/.test(v)) return false;
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT/.test(v)) return false;
    if (schema.pattern) {
      try {
        return new RegExp(schema.pattern, 'u').test(v);
      } catch {
        return true;
      }
    }
    return true;
  };
  const fit = vocabulary.filter(test);
  return fit.length > 0 ? fit : vocabulary;
}

/** Values nobody means: wrong types, empty, huge, control and bidi characters, lone surrogates, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -0,
    '',
    ' ',
    '0',
    'null',
    '__proto__',
    '\u202E',
    '\uD800',
    '\u0000',
    '😀',
    '刘\u200B伟',
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(
    JSON.parse('{"__proto__":{"role":"admin"},"constructor":{"prototype":{"polluted":true}}}'),
  ),
);

/** A value the schema would plausibly take, drawn from the service's own vocabulary where it is a string. */
function plausible(
  schema: JsonSchema | undefined,
  vocabulary: readonly string[],
  depth: number,
  hostile = true,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostile ? hostileValue : fc.constant(undefined);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && branches.length > 0)
    return fc.oneof(...branches.map((b) => plausible(b, vocabulary, depth + 1, hostile)));
  if (schema.allOf && schema.allOf.length > 0)
    return plausible(schema.allOf[0], vocabulary, depth + 1, hostile);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return hostile
        ? fc.oneof(
            { weight: 6, arbitrary: fc.constantFrom(...fitting(schema, vocabulary)) },
            { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
          )
        : fc.constantFrom(...fitting(schema, vocabulary));
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -5, max: schema.maximum ?? 100 });
    case 'number':
      return fc.double({ min: schema.minimum ?? 30, max: schema.maximum ?? 45, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(plausible(schema.items, vocabulary, depth + 1, hostile), { maxLength: 3 });
    case 'object':
      return shapedObject(schema, vocabulary, depth + 1, hostile);
    default:
      return hostile ? hostileValue : fc.constant(undefined);
  }
}

/** An object with the schema's keys, some left out, some with hostile values, sometimes an extra or a forbidden key. */
function shapedObject(
  schema: JsonSchema,
  vocabulary: readonly string[],
  depth: number,
  hostile = true,
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(schema.properties ?? {});
  const field = (key: string) =>
    (hostile
      ? fc.oneof(
          { weight: 12, arbitrary: plausible(schema.properties![key], vocabulary, depth) },
          { weight: 1, arbitrary: hostileValue },
        )
      : plausible(schema.properties![key], vocabulary, depth, false)
    ).map((v) => [key, v] as const);
  const required = new Set(schema.required ?? []);
  // Mostly the required keys and some optional ones; sometimes any subset at all.
  const mostly = fc
    .subarray(keys.filter((k) => !required.has(k)))
    .map((optional) => keys.filter((k) => required.has(k) || optional.includes(k)));
  const present = hostile
    ? fc.oneof({ weight: 3, arbitrary: mostly }, { weight: 1, arbitrary: fc.subarray(keys) })
    : mostly;
  type Entry = readonly [string, unknown];
  const extras: fc.Arbitrary<Entry[]> = fc.array(
    fc.tuple(
      fc.constantFrom('extra', '__proto__', 'constructor', 'prototype', 'é', ''),
      hostileValue,
    ),
    { maxLength: 1 },
  );
  const fields: fc.Arbitrary<Entry[]> = present.chain((ks) =>
    ks.length === 0
      ? fc.constant<Entry[]>([])
      : fc.tuple(...ks.map(field)).map((t): Entry[] => [...t]),
  );
  const noExtras: fc.Arbitrary<Entry[]> = fc.constant([]);
  return fc
    .tuple(
      fields,
      hostile
        ? fc.oneof({ weight: 5, arbitrary: noExtras }, { weight: 1, arbitrary: extras })
        : noExtras,
    )
    .map(([f, extra]) => Object.fromEntries([...f, ...extra]));
}

/** A request body for a route: mostly near its schema, sometimes anything at all, sometimes not JSON. */
export function bodyFor(
  schema: JsonSchema | undefined,
  vocabulary: readonly string[],
): fc.Arbitrary<{ raw: string }> {
  const near = schema
    ? shapedObject(
        schema.type === 'object' || schema.properties ? schema : { type: 'object', properties: {} },
        vocabulary,
        0,
      )
    : fc.constant({});
  return fc.oneof(
    { weight: 8, arbitrary: near.map((b) => ({ raw: JSON.stringify(b) })) },
    { weight: 1, arbitrary: hostileValue.map((v) => ({ raw: JSON.stringify(v) ?? 'null' })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          '{',
          '{"a":1,"a":2}',
          '{"__proto__":{"x":1}}',
          '[',
          'nul',
          '\u0000',
          '{"a":"\uD800"}',
        )
        .map((raw) => ({ raw })),
    },
  );
}

export interface RouteUnderTest {
  readonly method: string;
  readonly path: string;
  readonly body?: JsonSchema;
}

interface InjectingApp {
  inject(options: {
    method: string;
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }): Promise<{ statusCode: number; body: string }>;
  openapi: { document(): Record<string, unknown> };
}

/** The app's write routes as its OpenAPI document lists them, with their body schemas. */
export function writeRoutesOf(app: InjectingApp): RouteUnderTest[] {
  const paths = (app.openapi.document().paths ?? {}) as Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
  const routes: RouteUnderTest[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (method === 'get') continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      routes.push({ method: method.toUpperCase(), path, ...(body ? { body } : {}) });
    }
  }
  return routes;
}

export interface RoutePropertyOptions {
  /** How many events the event store's log holds now. */
  readonly countEvents: () => Promise<number>;
  /** Who sends the requests (one that may use the routes, so the bodies reach the deciders). */
  readonly users: readonly User[];
  /** Ids for path parameters: of things that exist, so a body reaches its decider. */
  readonly ids: readonly string[];
  /** Strings the service's bodies take (dates, communities, enums the schema does not list), mixed with random ones. */
  readonly vocabulary: readonly string[];
  readonly numRuns?: number;
  readonly headers?: fc.Arbitrary<Record<string, string>>;
}

export interface RoutePropertyReport {
  readonly requests: number;
  readonly byStatus: Readonly<Record<number, number>>;
}

/**
 * Generated bodies against one route: never a 5xx, and a 4xx appends nothing (the log is counted
 * before and after each request). Returns what the run answered, so a test can show that some
 * bodies got through to the decider and some were refused.
 */
export async function checkRouteProperty(
  app: InjectingApp,
  route: RouteUnderTest,
  options: RoutePropertyOptions,
): Promise<RoutePropertyReport> {
  const byStatus: Record<number, number> = {};
  let requests = 0;
  const param = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...options.ids) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('x', 'a'.repeat(150), '%E2%80%AE', '..', '%00', '__proto__'),
    },
  );
  const url = fc.tuple(...(route.path.match(/\{[^}]+\}/g) ?? []).map(() => param)).map((values) => {
    let i = 0;
    return route.path.replace(/\{[^}]+\}/g, () => values[i++]!);
  });
  await fc.assert(
    fc.asyncProperty(
      url,
      bodyFor(route.body, options.vocabulary),
      fc.constantFrom(...options.users),
      options.headers ?? fc.constant({}),
      async (target, { raw }, user, headers) => {
        const before = await options.countEvents();
        const res = await app.inject({
          method: route.method,
          url: target,
          headers: { ...authHeader(user), 'content-type': 'application/json', ...headers },
          payload: raw,
        });
        requests++;
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
        expect(
          res.statusCode,
          `${route.method} ${target} ${raw.slice(0, 300)} → ${res.body.slice(0, 300)}`,
        ).toBeLessThan(500);
        if (res.statusCode >= 400)
          expect(
            await options.countEvents(),
            `${route.method} ${target} answered ${res.statusCode} but appended`,
          ).toBe(before);
      },
    ),
    propertyRuns(options.numRuns ?? 100),
  );
  return { requests, byStatus };
}

/** What every route of one kind answered under its property: how many routes, and the statuses summed over them. */
export interface RoutesPropertyReport {
  readonly routes: number;
  readonly byStatus: Readonly<Record<number, number>>;
}

async function checkEveryRoute<R>(
  routes: readonly R[],
  check: (route: R) => Promise<RoutePropertyReport>,
): Promise<RoutesPropertyReport> {
  const byStatus: Record<number, number> = {};
  for (const route of routes) {
    const report = await check(route);
    for (const [s, n] of Object.entries(report.byStatus))
      byStatus[Number(s)] = (byStatus[Number(s)] ?? 0) + n;
  }
  return { routes: routes.length, byStatus };
}

/** `checkRouteProperty` on every write route of the app, one after the other. */
export function checkWriteRoutes(
  app: InjectingApp,
  options: RoutePropertyOptions,
): Promise<RoutesPropertyReport> {
  return checkEveryRoute(writeRoutesOf(app), (route) => checkRouteProperty(app, route, options));
}

/**
 * Valid inputs of a contract schema (what a route hands on after parsing): objects drawn near the
 * schema from the vocabulary, kept only when the schema accepts them, as parsed.
 */
export function inputOf<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  jsonSchema: JsonSchema,
  vocabulary: readonly string[],
): fc.Arbitrary<T> {
  return shapedObject(jsonSchema, vocabulary, 0, false)
    .map((candidate) => schema.safeParse(candidate))
    .filter((r): r is { success: true; data: T } => r.success)
    .map((r) => r.data);
}

interface PureDecider<C, E, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
}

export interface DeciderPropertyReport {
  readonly accepted: number;
  readonly refused: number;
  readonly refusals: Readonly<Record<string, number>>;
}

/**
 * Generated command sequences against a decider: each command either returns events (which the
 * contract accepts, and which evolve folds) or throws a DomainError with a registered code; a
 * refusal returns no events and leaves the state as it was; decide never changes the state it is given.
 */
export function checkDeciderProperty<
  C extends { type: string },
  E extends { type: string; data: unknown },
  S,
>(
  decider: PureDecider<C, E, S>,
  commands: fc.Arbitrary<C>,
  options: {
    readonly codes: Readonly<Record<string, unknown>>;
    readonly validEvent: (event: E) => void;
    /** Commands that start most sequences (a registration), so the rest reach more than an empty state. */
    readonly first?: fc.Arbitrary<C>;
    readonly numRuns?: number;
    readonly maxCommands?: number;
  },
): DeciderPropertyReport {
  let accepted = 0;
  let refused = 0;
  const refusals: Record<string, number> = {};
  fc.assert(
    fc.property(
      fc.option(options.first ?? commands, { nil: undefined, freq: 4 }),
      fc.array(commands, { minLength: 1, maxLength: options.maxCommands ?? 25 }),
      (start, rest) => {
        const sequence = start === undefined ? rest : [start, ...rest];
        let state = decider.initialState();
        for (const command of sequence) {
          const before = structuredClone(state);
          let events: E[] | undefined;
          try {
            events = decider.decide(command, state);
          } catch (error) {
            expect((error as Error).name, `${command.type} threw ${String(error)}`).toBe(
              'DomainError',
            );
            const code = (error as { code: string }).code;
            expect(Object.hasOwn(options.codes, code), `${code} is registered`).toBe(true);
            refusals[code] = (refusals[code] ?? 0) + 1;
            refused++;
          }
          expect(state, `${command.type} changed the state it was given`).toEqual(before);
          if (events === undefined) continue;
          expect(Array.isArray(events)).toBe(true);
          accepted++;
          for (const event of events) {
            options.validEvent(event);
            // The command loop keeps folded states between commands (the aggregate cache): evolve must
            // return a new state and leave the one it was given as it was.
            const given = structuredClone(state);
            const next = decider.evolve(state, event);
            expect(state, `evolve(${event.type}) changed the state it was given`).toEqual(given);
            state = next;
          }
        }
      },
    ),
    propertyRuns(options.numRuns ?? 150),
  );
  return { accepted, refused, refusals };
}

/** Fails unless the contract accepts the event as producers write it today (envelope, type, data). */
export function contractAccepts(event: { type: string; data: unknown }): void {
  const at = '2020-01-29T04:00:00.000Z';
  const envelope = {
    id: uuidv7(Date.parse(at)),
    type: event.type,
    schemaVersion: currentVersionOf(event.type),
    streamId: 'property-1',
    streamRevision: 0,
    occurredAt: at,
    recordedAt: at,
    actor: { id: 'property', role: 'system' },
    correlationId: 'property',
    causationId: null,
    data: event.data,
  };
  try {
    parseEnvelope(envelope);
  } catch (error) {
    throw new Error(
      `${event.type} is not one the contract accepts: ${JSON.stringify((error as { issues?: unknown }).issues ?? String(error))} in ${JSON.stringify(event.data)}`,
    );
  }
}

export interface ReadRouteUnderTest {
  readonly path: string;
  readonly query: readonly { readonly name: string; readonly schema: JsonSchema }[];
}

/** The app's read routes (GET) as its OpenAPI document lists them, with their query parameters; probes left out. */
export function readRoutesOf(app: InjectingApp): ReadRouteUnderTest[] {
  const paths = (app.openapi.document().paths ?? {}) as Record<
    string,
    Record<string, { parameters?: { name: string; in: string; schema: JsonSchema }[] }>
  >;
  const routes: ReadRouteUnderTest[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    const op = methods.get;
    if (!op || ['/health', '/ready', '/openapi.json'].includes(path)) continue;
    routes.push({
      path,
      query: (op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, schema: p.schema })),
    });
  }
  return routes;
}

/**
 * Generated query strings (the route's own parameters with plausible and hostile values, unknown
 * ones, repeated ones) and path ids against a read route: never a 5xx, and a read appends nothing.
 */
export async function checkReadRouteProperty(
  app: InjectingApp,
  route: ReadRouteUnderTest,
  options: RoutePropertyOptions,
): Promise<RoutePropertyReport> {
  const byStatus: Record<number, number> = {};
  let requests = 0;
  const param = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...options.ids) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('x', 'a'.repeat(150), '%E2%80%AE', '..', '%00', '__proto__'),
    },
  );
  const path = fc
    .tuple(...(route.path.match(/\{[^}]+\}/g) ?? []).map(() => param))
    .map((values) => {
      let i = 0;
      return route.path.replace(/\{[^}]+\}/g, () => values[i++]!);
    });
  const text = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
  const pair = fc.oneof(
    {
      weight: 6,
      arbitrary:
        route.query.length > 0
          ? fc
              .constantFrom(...route.query)
              .chain((q) =>
                plausible(q.schema, options.vocabulary, 0).map((v) => [q.name, text(v)] as const),
              )
          : fc.constant(['x', '1'] as const),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom(
          'unknown',
          '__proto__',
          'constructor',
          'access_token',
          ...route.query.map((q) => q.name),
        ),
        hostileValue.map(text),
      ),
    },
  );
  // A lone surrogate cannot be percent-encoded as UTF-8: it goes as the bytes a careless client sends.
  const encode = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return '%ED%A0%80';
    }
  };
  const query = fc
    .array(pair, { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`,
    );
  await fc.assert(
    fc.asyncProperty(path, query, fc.constantFrom(...options.users), async (target, qs, user) => {
      const before = await options.countEvents();
      const res = await app.inject({ method: 'GET', url: target + qs, headers: authHeader(user) });
      requests++;
      byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      expect(
        res.statusCode,
        `GET ${target}${qs.slice(0, 300)} → ${res.body.slice(0, 300)}`,
      ).toBeLessThan(500);
      expect(await options.countEvents(), `GET ${target} appended`).toBe(before);
    }),
    propertyRuns(options.numRuns ?? 100),
  );
  return { requests, byStatus };
}

/** `checkReadRouteProperty` on every read route of the app, one after the other. */
export function checkReadRoutes(
  app: InjectingApp,
  options: RoutePropertyOptions,
): Promise<RoutesPropertyReport> {
  return checkEveryRoute(readRoutesOf(app), (route) => checkReadRouteProperty(app, route, options));
}
