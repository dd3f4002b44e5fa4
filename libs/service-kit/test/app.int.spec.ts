import { Writable } from 'node:stream';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_AUTH_SECRET, authHeader, testToken, testUser } from '@fangyi/testkit';
import {
  COMMON_ERRORS,
  DomainError,
  IdParamSchema,
  createLogger,
  createServiceApp,
  defineErrors,
  mergeErrors,
  revealed,
  route,
  type RateLimitSettings,
  type ServiceApp,
} from '../src/index.ts';

const caller = testUser('caller', ['moujia'], 'caller-moujia-1');
const other = testUser('caller', ['zhangcun'], 'caller-zhangcun-1');

/** Every line the app logs, as written: what an operator (or an attacker with the logs) reads. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'kit-test', level: 'debug', destination }) };
}

const apps: ServiceApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function testApp(
  options: {
    rateLimit?: RateLimitSettings | false;
    logger?: ReturnType<typeof capturedLogger>['logger'];
  } = {},
) {
  const app = createServiceApp({
    service: 'kit-test',
    logger: options.logger ?? capturedLogger().logger,
    authSecret: TEST_AUTH_SECRET,
    clock: () => new Date('2020-01-29T01:30:00Z'),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
  });
  route(app, {
    method: 'GET',
    url: '/things/:id',
    summary: 'one thing',
    params: z.strictObject({ id: IdParamSchema }),
    handler: async ({ params }) => {
      if (params.id === 'boom') throw new Error(`internal failure on ${params.id}`);
      return { id: params.id, idNumber: '370202199001011234' };
    },
  });
  route(app, {
    method: 'POST',
    url: '/things',
    summary: 'make a thing',
    body: z.strictObject({ name: z.string().min(1), when: z.string().optional() }),
    status: 201,
    handler: async ({ body }) => {
      if (body.when === 'tomorrow')
        throw new DomainError('VALIDATION_FAILED', 'the day has not come', [
          { field: 'body.when', message: 'in the future' },
        ]);
      return { name: body.name };
    },
  });
  route(app, {
    method: 'GET',
    url: '/page',
    summary: 'a page',
    handler: async ({ reply }) => {
      reply.type('text/html; charset=utf-8');
      return '<!doctype html><style>b{color:red}</style><form method="get" action="/page"><b style="display:inline">x</b></form>';
    },
  });
  apps.push(app);
  return app;
}

describe('createServiceApp: every refusal is a stable, leak-free problem+json', () => {
  it('names a forbidden key as such (not "not valid JSON"), and a key given twice', async () => {
    const app = testApp();
    const proto = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { ...authHeader(caller), 'content-type': 'application/json' },
      payload: '{"name":"x","__proto__":{"role":"admin"}}',
    });
    expect(proto.statusCode).toBe(400);
    expect(proto.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(proto.json()).toMatchObject({
      code: 'FORBIDDEN_KEY',
      errors: [{ field: 'body.__proto__', message: 'forbidden key' }],
    });
    const ctor = await app.inject({
      method: 'POST',
      url: '/things',
      headers: authHeader(caller),
      payload: { name: 'x', constructor: { prototype: {} } },
    });
    expect(ctor.json()).toMatchObject({
      code: 'FORBIDDEN_KEY',
      errors: [{ field: 'body.constructor' }],
    });
    const twice = await app.inject({
      method: 'POST',
      url: '/things',
      headers: { ...authHeader(caller), 'content-type': 'application/json' },
      payload: '{"name":"a","name":"b"}',
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toMatchObject({
      code: 'DUPLICATE_KEY',
      errors: [{ field: 'body.name', message: 'given more than once' }],
    });
    const ok = await app.inject({
      method: 'POST',
      url: '/things',
      headers: authHeader(caller),
      payload: { name: 'a' },
    });
    expect(ok.statusCode).toBe(201);
  });

  it('answers a body that is not JSON with 415 naming the content type', async () => {
    const app = testApp();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await app.inject({
        method: 'POST',
        url: '/things',
        headers: { ...authHeader(caller), 'content-type': type },
        payload: 'name=x',
      });
      expect(res.statusCode, type).toBe(415);
      expect(res.json(), type).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        errors: [{ field: 'headers.content-type' }],
      });
    }
  });

  it("maps the framework's own errors to ours: a 10,000-character id is our code, not FST_, and is not echoed", async () => {
    const app = testApp();
    const long = 'a'.repeat(10_000);
    const res = await app.inject({
      method: 'GET',
      url: `/things/${long}?access_token=${testToken(caller)}`,
    });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({
      status: 414,
      code: 'PATH_TOO_LONG',
      errors: [{ field: 'path' }],
    });
    expect(res.body).not.toContain('FST_');
    expect(res.body).not.toContain('aaaaaaaaaa');
    expect(res.body.length).toBeLessThan(600);
    // Refused by the router before any hook ran, it still carries the headers every answer has.
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // An id a little too long is still named by the route's own validation.
    const named = await app.inject({
      method: 'GET',
      url: `/things/${'b'.repeat(150)}`,
      headers: authHeader(caller),
    });
    expect(named.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'params.id' }],
    });
    const badUrl = await app.inject({
      method: 'GET',
      url: '/things/%E0%A4%A',
      headers: authHeader(caller),
    });
    expect(badUrl.body).not.toContain('FST_');
    expect(badUrl.json()).toMatchObject({ status: 400, code: 'BAD_PATH' });
    const noRoute = await app.inject({ method: 'GET', url: `/nothing/${'c'.repeat(3000)}` });
    expect(noRoute.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(noRoute.body).not.toContain('cccccccccc');
  });

  it('carries errors[].field for a domain error as for a validation error', async () => {
    const res = await testApp().inject({
      method: 'POST',
      url: '/things',
      headers: authHeader(caller),
      payload: { name: 'x', when: 'tomorrow' },
    });
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'the day has not come',
      errors: [{ field: 'body.when', message: 'in the future' }],
    });
  });

  it('refuses a token in the URL (400 naming query.access_token, before authentication), and writes no token to any log line or body, from the query string or a header', async () => {
    const { lines, logger } = capturedLogger();
    const app = testApp({ logger });
    const queryToken = testToken(caller);
    const headerToken = testToken(other);
    const forged = `${queryToken.slice(0, -6)}AAAAAA`;
    const answers = [
      await app.inject({ method: 'GET', url: `/things/t1?access_token=${queryToken}` }),
      await app.inject({
        method: 'GET',
        url: `/things/boom`,
        headers: { authorization: `Bearer ${headerToken}` },
      }),
      await app.inject({
        method: 'GET',
        url: `/things/t2`,
        headers: { authorization: `Bearer ${headerToken}`, cookie: `session=${headerToken}` },
      }),
      await app.inject({ method: 'GET', url: `/things/t3?access_token=${forged}` }),
      await app.inject({
        method: 'GET',
        url: `/things/${'z'.repeat(150)}?access_token=${queryToken}`,
      }),
      await app.inject({ method: 'GET', url: `/nowhere?access_token=${queryToken}` }),
      await app.inject({
        method: 'GET',
        url: `/things/${'a'.repeat(10_000)}?access_token=${queryToken}`,
      }),
      await app.inject({
        method: 'POST',
        url: `/things?access_token=${queryToken}`,
        headers: { 'content-type': 'text/plain' },
        payload: 'x',
      }),
    ];
    // A valid token in the URL does not work: the link has leaked it already.
    expect(answers.map((a) => a.statusCode)).toEqual([400, 500, 200, 400, 400, 404, 414, 415]);
    expect(answers[0]!.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'query.access_token' }],
    });
    expect(lines.length).toBeGreaterThanOrEqual(answers.length * 2);
    expect(lines.some((l) => l.includes('/things/t1'))).toBe(true); // the path is logged, its query is not
    for (const secret of [
      queryToken,
      headerToken,
      forged,
      ...queryToken.split('.'),
      ...headerToken.split('.'),
    ]) {
      for (const line of lines) expect(line).not.toContain(secret);
      for (const answer of answers) expect(answer.body).not.toContain(secret);
    }
    expect(lines.join('\n')).not.toContain('access_token');
    for (const answer of answers.filter((a) => a.statusCode >= 400)) {
      const instance = answer.json().instance as string | undefined;
      if (instance !== undefined) expect(instance).not.toContain('?');
    }
    // Personal numbers in logged objects are redacted too.
    logger.info({ person: { idNumber: '370202199001011234' } }, 'a person');
    expect(lines.at(-1)).not.toContain('370202199001011234');
  });

  it('refuses at start an error code defined twice', () => {
    expect(() =>
      mergeErrors(COMMON_ERRORS, defineErrors({ NOT_FOUND: { status: 404, title: 'Not here' } })),
    ).toThrow('error code NOT_FOUND is defined twice');
    const a = defineErrors({ SLOT_TAKEN: { status: 409, title: 'a' } });
    const b = defineErrors({ SLOT_TAKEN: { status: 409, title: 'b' } });
    expect(() => mergeErrors(a, b)).toThrow('error code SLOT_TAKEN is defined twice');
    expect(() =>
      createServiceApp({
        service: 't',
        logger: capturedLogger().logger,
        authSecret: TEST_AUTH_SECRET,
        errors: defineErrors({ FORBIDDEN: { status: 403, title: 'x' } }),
      }),
    ).toThrow(/FORBIDDEN is defined twice/);
    // And the type checker refuses a code no registry defines.
    // @ts-expect-error not a registered error code
    expect(new DomainError('NO_SUCH_CODE_ANYWHERE').code).toBe('NO_SUCH_CODE_ANYWHERE');
  });
});

describe('createServiceApp: headers on every answer', () => {
  it('sends security headers, with a content security policy that allows the pages (inline styles, forms to themselves) and no script', async () => {
    const app = testApp();
    for (const res of [
      await app.inject({ method: 'GET', url: `/page?access_token=${testToken(caller)}` }),
      await app.inject({ method: 'GET', url: '/things/x' }),
      await app.inject({ method: 'GET', url: '/health' }),
    ]) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("style-src 'unsafe-inline'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('script-src');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    }
  });

  it('marks every authenticated answer no-store (personal data), success or refusal; /health stays cacheable', async () => {
    const app = testApp();
    const ok = await app.inject({ method: 'GET', url: '/things/x', headers: authHeader(caller) });
    expect(ok.json().idNumber).toBeDefined();
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(
      (await app.inject({ method: 'GET', url: `/page?access_token=${testToken(caller)}` })).headers[
        'cache-control'
      ],
    ).toBe('no-store');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/things',
          headers: authHeader(caller),
          payload: { name: '' },
        })
      ).headers['cache-control'],
    ).toBe('no-store');
    expect(
      (await app.inject({ method: 'GET', url: '/health' })).headers['cache-control'],
    ).toBeUndefined();
  });
});

describe('createServiceApp: rate limits', () => {
  it('limits each user on their own, answers 429 problem+json with Retry-After, and never limits /health', async () => {
    const app = testApp({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    const get = (user = caller) =>
      app.inject({ method: 'GET', url: '/things/x', headers: authHeader(user) });
    for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(200);
    const limited = await get();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(limited.json()).toMatchObject({
      status: 429,
      code: 'TOO_MANY_REQUESTS',
      detail: expect.stringMatching(/^retry in \d+ s$/),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another user behind the same address (the gateway) keeps their own budget.
    expect((await get(other)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('counts requests without a valid token against their address, so a stream of made-up tokens is limited too', async () => {
    const app = testApp({ rateLimit: { max: 2, timeWindowMs: 60_000 } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        (
          await app.inject({
            method: 'GET',
            url: '/things/x',
            headers: { authorization: `Bearer made-up-${i}` },
          })
        ).statusCode,
      );
    expect(codes).toEqual([401, 401, 429, 429]);
  });

  it('can be turned off, and exempts what the composition root says (the embedded start seeding itself)', async () => {
    const off = testApp({ rateLimit: false });
    for (let i = 0; i < 5; i++)
      expect(
        (await off.inject({ method: 'GET', url: '/things/x', headers: authHeader(caller) }))
          .statusCode,
      ).toBe(200);
    let seeding = true;
    const app = testApp({ rateLimit: { max: 1, timeWindowMs: 60_000, exempt: () => seeding } });
    for (let i = 0; i < 5; i++)
      expect(
        (await app.inject({ method: 'GET', url: '/things/x', headers: authHeader(caller) }))
          .statusCode,
      ).toBe(200);
    seeding = false;
    expect(
      (await app.inject({ method: 'GET', url: '/things/x', headers: authHeader(caller) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/things/x', headers: authHeader(caller) }))
        .statusCode,
    ).toBe(429);
  });
});

describe('the response hook masks every JSON answer for its reader', () => {
  const person = { idNumber: '370202199001011234', phone: '13912345678' };
  function maskingApp() {
    const app = createServiceApp({
      service: 'kit-test',
      logger: capturedLogger().logger,
      authSecret: TEST_AUTH_SECRET,
      clock: () => new Date('2020-01-29T01:30:00Z'),
    });
    const shared = { people: [person] };
    route(app, { method: 'GET', url: '/people', summary: 'people', handler: async () => shared });
    route(app, {
      method: 'GET',
      url: '/open',
      summary: 'open',
      public: true,
      handler: async () => ({ ...person }),
    });
    route(app, {
      method: 'GET',
      url: '/revealed',
      summary: 'one revealed',
      handler: async () => ({ reporter: { phone: revealed(person.phone) }, owner: { ...person } }),
    });
    apps.push(app);
    return { app, shared };
  }

  it.each([
    ['registrar', person],
    ['caller', { idNumber: '3702**********1234', phone: '13912345678' }],
    ['analyst', { idNumber: '3702**********1234', phone: '139****5678' }],
  ] as const)(
    "answers a route that returns plain values to %s as the table says, leaving the route's object as it was",
    async (role, expected) => {
      const { app, shared } = maskingApp();
      const res = await app.inject({
        method: 'GET',
        url: '/people',
        headers: authHeader(testUser(role, ['moujia'])),
      });
      expect(res.json()).toEqual({ people: [expected] });
      expect(shared.people[0]).toEqual(person);
    },
  );

  it('masks everything for a reader without a token, and keeps a revealed value in clear, only that one', async () => {
    const { app } = maskingApp();
    expect((await app.inject({ method: 'GET', url: '/open' })).json()).toEqual({
      idNumber: '3702**********1234',
      phone: '139****5678',
    });
    const res = await app.inject({
      method: 'GET',
      url: '/revealed',
      headers: authHeader(testUser('analyst', ['moujia'])),
    });
    expect(res.json()).toEqual({
      reporter: { phone: '13912345678' },
      owner: { idNumber: '3702**********1234', phone: '139****5678' },
    });
  });
});
