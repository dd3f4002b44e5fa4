/**
 * One registry of error codes: a stable code, an HTTP status and a title for people.
 * Domain code throws DomainError with a code; the service kit's error handler turns it into
 * an RFC 9457 problem+json answer. Services add their own codes with `defineErrors` and register
 * them for the type checker (see `RegisteredErrors`), so a misspelled or unregistered code does
 * not compile; `mergeErrors` refuses a code defined twice when the service starts.
 */
import { TEMPERATURE_MAX_C, TEMPERATURE_MIN_C } from '@fangyi/contracts';

export interface ErrorDefinition {
  readonly status: number;
  readonly title: string;
}

export type ErrorRegistry = Readonly<Record<string, ErrorDefinition>>;

export const COMMON_ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  BAD_REQUEST: { status: 400, title: 'The request is not well-formed HTTP' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  FORBIDDEN_KEY: {
    status: 400,
    title: 'The request body has a key that is never accepted (__proto__, constructor, prototype)',
  },
  DUPLICATE_KEY: { status: 400, title: 'The request body names the same key twice' },
  BAD_PATH: { status: 400, title: 'The request path is not valid' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  FORBIDDEN: { status: 403, title: 'Not allowed for this user' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONCURRENCY_CONFLICT: {
    status: 409,
    title: 'Changed by someone else meanwhile; reload and try again',
  },
  PRECONDITION_FAILED: { status: 412, title: 'The If-Match revision is not the current one' },
  BODY_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  PATH_TOO_LONG: { status: 414, title: 'A part of the request path is too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Send application/json' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests; wait and try again' },
  // One rule of several contexts (a symptom check, a screening, a crossing), so one definition.
  TEMPERATURE_OUT_OF_RANGE: {
    status: 409,
    title: `Temperature must be between ${TEMPERATURE_MIN_C} and ${TEMPERATURE_MAX_C} °C`,
  },
  INTERNAL: { status: 500, title: 'Internal error' },
  NOT_READY: { status: 503, title: 'Not ready' },
} as const satisfies ErrorRegistry;

/**
 * The codes a DomainError may carry. Each service adds its registry by declaration merging:
 *
 * ```ts
 * declare module '@fangyi/service-kit/errors' {
 *   interface RegisteredErrors extends Registered<typeof quarantineErrors> {}
 * }
 * ```
 *
 * Two registries that give one code different definitions then fail the type check as well.
 */
export interface RegisteredErrors extends Registered<typeof COMMON_ERRORS> {}

/** The registry's shape as declaration merging wants it (an object type with known keys). */
export type Registered<R extends ErrorRegistry> = { readonly [K in keyof R]: R[K] };

export type ErrorCode = keyof RegisteredErrors & string;

export function defineErrors<const T extends ErrorRegistry>(errors: T): T {
  return errors;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (
  x: infer I,
) => void
  ? I
  : never;

/** Registries merged into one; a code defined by two of them stops the process with its name. */
export function mergeErrors<const T extends readonly ErrorRegistry[]>(
  ...registries: T
): UnionToIntersection<T[number]> {
  const merged: Record<string, ErrorDefinition> = {};
  for (const registry of registries) {
    for (const [code, definition] of Object.entries(registry)) {
      if (Object.hasOwn(merged, code)) throw new Error(`error code ${code} is defined twice`);
      merged[code] = definition;
    }
  }
  return merged as UnionToIntersection<T[number]>;
}

export interface FieldIssue {
  /**
   * Where the problem is. In an HTTP answer, a request path (`body.temperatureC`, `params.caseId`);
   * thrown by a decider, the domain fact at fault (`temperatureC`, `caseId`), which the route maps
   * to where it came in (see `inRequest`).
   */
  readonly field: string;
  readonly message: string;
}

/** One field issue, as a decider names it: `new DomainError(code, detail, fault('date', 'in the future'))`. */
export const fault = (field: string, message: string): FieldIssue[] => [{ field, message }];

/** Request paths by domain fact: `{ caseId: 'params.caseId', person: 'params.personId' }`. */
export type FieldPaths = Readonly<Record<string, string>>;

const REQUEST_PART = /^(body|params|query|headers)(\.|$)/;

/**
 * The error with its domain fields named where they came in the request: a fact listed in `paths`
 * by its path there (the first segment: `sources.1` → `<paths.sources>.1`), any other under `body.`.
 * Fields that already name a request part are left as they are; anything but a DomainError is returned unchanged.
 */
export function inRequest(error: unknown, paths: FieldPaths = {}): unknown {
  if (!(error instanceof DomainError) || error.fields.length === 0) return error;
  if (error.fields.every((f) => REQUEST_PART.test(f.field))) return error;
  const fields = error.fields.map((f) => {
    if (REQUEST_PART.test(f.field)) return f;
    const [head, ...rest] = f.field.split('.');
    const at = paths[head!] ?? `body.${head}`;
    return { field: [at, ...rest].join('.'), message: f.message };
  });
  const mapped = new DomainError(error.code, error.detail, fields, error.extensions);
  mapped.stack = error.stack;
  return mapped;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  /** Answered as problem+json `errors[]`: the fields at fault, each with what is wrong. */
  readonly fields: readonly FieldIssue[];
  /**
   * RFC 9457 extension members a client acts on, e.g. the running case a second start ran into
   * (`existingCaseId`). Ids only: never personal data, never input echoed back.
   */
  readonly extensions: Readonly<Record<string, string>>;
  constructor(
    code: ErrorCode,
    detail?: string,
    fields: readonly FieldIssue[] = [],
    extensions: Readonly<Record<string, string>> = {},
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'DomainError';
    this.code = code;
    this.detail = detail;
    this.fields = fields;
    this.extensions = extensions;
  }
}
