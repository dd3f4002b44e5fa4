/**
 * How the seed talks to Fangyi: over HTTP to a running system (the embedded process, or the
 * distributed gateway), or in-process through fastify's inject. Either way every record goes
 * through the services' own commands: validation, decisions, events.
 */
export interface SeedResponse {
  readonly status: number;
  readonly body: unknown;
}

export type SeedTransport = (request: {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  token: string;
  body?: unknown;
}) => Promise<SeedResponse>;

export function httpTransport(baseUrl: string): SeedTransport {
  return async ({ method, path, token, body }) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
}

export interface InjectLike {
  inject(options: {
    method: 'GET' | 'POST' | 'DELETE';
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }): Promise<{ statusCode: number; body: string }>;
}

export function injectTransport(app: InjectLike): SeedTransport {
  return async ({ method, path, token, body }) => {
    const res = await app.inject({
      method,
      url: path,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : null };
  };
}

export class SeedError extends Error {}

/** Sends a command and insists on the expected status: a seed that half-works is worse than none. */
export async function send<T = Record<string, unknown>>(
  transport: SeedTransport,
  token: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  expected: readonly number[] = [200, 201, 204],
): Promise<T> {
  let res = await transport({ method, path, token, ...(body === undefined ? {} : { body }) });
  // A deployment with rate limits on answers a bulk seed 429 now and then: wait as told, then resend.
  for (let attempt = 1; res.status === 429 && attempt <= 20; attempt++) {
    const seconds = Number(
      (res.body as { detail?: string } | null)?.detail?.match(/retry in (\d+)/)?.[1] ?? 1,
    );
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(seconds, 1), 60) * 1000));
    res = await transport({ method, path, token, ...(body === undefined ? {} : { body }) });
  }
  if (!expected.includes(res.status))
    throw new SeedError(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}
