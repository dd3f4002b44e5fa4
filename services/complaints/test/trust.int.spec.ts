import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  testVault,
  authHeader,
  testUser,
} from '@fangyi/testkit';
import {
  buildComplaintsApp,
  complaintPolicyFromEnv,
  startHouseholdDirectory,
  streamIdOf,
  type HouseholdDirectory,
} from '../src/index.ts';

// A complaint keeps what the reporter said, emoji included, but no hidden controls; a reporter's
// name is clean; and every refusal names the field at fault, with nothing appended.

const now = new Date('2020-02-03T01:30:00.000Z');

describe('complaints: clean names and text, refusals that name the field', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let households: HouseholdDirectory;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-c-trust-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    households = await startHouseholdDirectory({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildComplaintsApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(),
      policy: complaintPolicyFromEnv({ FANGYI_COMPLAINT_HANDLERS: 'kutao=handler-kutao' }),
      households,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
      timeZone: 'Asia/Shanghai',
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await households.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const handler = authHeader(testUser('complaint-handler', ['kutao'], 'handler-kutao'));
  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, headers: handler });
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;
  const fileBody = (o: Record<string, unknown> = {}) => ({
    channel: 'phone',
    category: 'sanitation',
    community: 'kutao',
    description: '垃圾三天没人收',
    reporter: { anonymous: false, name: '张伟', phone: '13912345678' },
    receivedAt: '2020-02-03T09:00:00+08:00',
    ...o,
  });
  const file = async (o: Record<string, unknown> = {}) => {
    const res = await post('/complaints', fileBody(o));
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ complaintId: string }>().complaintId;
  };
  const eventsOf = async (id: string) =>
    (await eventStore.readStream(streamIdOf(id))).map((e) => ({
      type: e.type,
      data: e.data as Record<string, unknown>,
    }));

  describe('names and text', () => {
    it.each([
      ['a zero-width space', '张\u200B伟'],
      ['a right-to-left override', '张伟\u202E'],
      ['a bell', '张\u0007伟'],
      ['a lone surrogate', '\uD800张伟'],
      ['an emoji', '张伟😀'],
    ])(
      'a reporter name with %s is 400 naming body.reporter.name; nothing is appended',
      async (_what, name) => {
        const before = await allEvents();
        const res = await post(
          '/complaints',
          fileBody({ reporter: { anonymous: false, name, phone: '13912345678' } }),
        );
        expect(res.statusCode).toBe(400);
        expect(res.json().errors).toEqual([
          { field: 'body.reporter.name', message: expect.any(String) },
        ]);
        expect(await allEvents()).toBe(before);
      },
    );

    it('keeps emoji and newlines in a description, NFC-normalizes and trims the reporter name', async () => {
      const id = await file({
        description: ' 垃圾三天没人收😡\n楼道里很臭 ',
        reporter: { anonymous: false, name: ' Jose\u0301 ', phone: '13912345678' },
      });
      const [filed] = await eventsOf(id);
      expect(filed!.data.description).toBe('垃圾三天没人收😡\n楼道里很臭');
      expect((filed!.data.reporter as { name: string }).name).toBe('Jos\u00e9');
    });

    it.each([
      ['a bell', '垃圾\u0007'],
      ['a right-to-left override', '垃圾\u202E没人收'],
      ['a lone surrogate', '垃圾\uD800'],
    ])('a description with %s is 400 naming body.description', async (_what, description) => {
      const before = await allEvents();
      const res = await post('/complaints', fileBody({ description }));
      expect(res.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body.description' }],
      });
      expect(await allEvents()).toBe(before);
    });
  });

  describe('every 409 names the field at fault, and nothing is appended', () => {
    it('a note before triage: params.complaintId', async () => {
      const id = await file();
      const before = await allEvents();
      const res = await post(`/complaints/${id}/notes`, { note: '去看了' });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'COMPLAINT_NOT_TRIAGED',
        errors: [{ field: 'params.complaintId' }],
      });
      expect(await allEvents()).toBe(before);
    });

    it('a public note as the reply to a reachable reporter: body.channel; closing before resolving: params.complaintId', async () => {
      const id = await file();
      expect(
        (await post(`/complaints/${id}/triage`, { assignee: 'handler-kutao', agency: 'community' }))
          .statusCode,
      ).toBe(200);
      const before = await allEvents();
      const reply = await post(`/complaints/${id}/reply`, {
        channel: 'public-note',
        message: '已处理',
      });
      expect(reply.statusCode).toBe(409);
      expect(reply.json()).toMatchObject({
        code: 'PUBLIC_NOTE_NOT_A_REPLY',
        errors: [{ field: 'body.channel' }],
      });
      const close = await post(`/complaints/${id}/closure`, {});
      expect(close.json()).toMatchObject({
        code: 'COMPLAINT_NOT_RESOLVED',
        errors: [{ field: 'params.complaintId' }],
      });
      const duplicate = await post(`/complaints/${id}/resolution`, {
        resolution: 'duplicate',
        note: '重复',
      });
      expect(duplicate.json()).toMatchObject({
        code: 'DUPLICATE_OF_REQUIRED',
        errors: [{ field: 'body.duplicateOf' }],
      });
      const future = await post(`/complaints/${id}/notes`, {
        note: '去看了',
        at: '2020-02-03T12:00:00+08:00',
      });
      expect(future.json()).toMatchObject({
        code: 'NOTE_IN_FUTURE',
        errors: [{ field: 'body.at' }],
      });
      expect(await allEvents()).toBe(before);
    });

    it('an unknown complaint is 404 naming params.complaintId', async () => {
      const res = await post(`/complaints/${uuidv7()}/triage`, {
        assignee: 'handler-kutao',
        agency: 'community',
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'COMPLAINT_NOT_FOUND',
        errors: [{ field: 'params.complaintId' }],
      });
    });
  });
});
