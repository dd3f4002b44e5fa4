import type { Problem } from './i18n.ts';

/**
 * The console's one way to the services: same-origin fetch with the session cookie (httpOnly:
 * this code never sees the token), JSON in and out, refusals as problem+json.
 */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.code);
    this.problem = problem;
  }
}

/** No answer at all: no signal, or the server is away. */
export class OfflineError extends Error {
  constructor() {
    super('offline');
  }
}

let onSignedOut: () => void = () => {};
export const whenSignedOut = (listener: () => void) => {
  onSignedOut = listener;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new OfflineError();
  }
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const problem: Problem = type.includes('json')
      ? await response.json()
      : { status: response.status, code: response.status >= 500 ? 'INTERNAL' : 'BAD_REQUEST' };
    if (response.status === 401 && path !== '/staff/session') onSignedOut();
    throw new ApiError({ ...problem, status: response.status });
  }
  return (type.includes('json') ? response.json() : response.text()) as Promise<T>;
}

/** A text answer (CSV) as it came. */
export async function apiText(path: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin' });
  } catch {
    throw new OfflineError();
  }
  if (!response.ok) {
    const problem: Problem = (response.headers.get('content-type') ?? '').includes('json')
      ? await response.json()
      : { status: response.status, code: 'INTERNAL' };
    if (response.status === 401) onSignedOut();
    throw new ApiError({ ...problem, status: response.status });
  }
  return response.text();
}

/** A UUIDv7 made on the phone: a command id that stays the same however often it is sent. */
export function uuidv7(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface SessionUser {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly communities: readonly string[];
  readonly expiresAt: string | null;
}
