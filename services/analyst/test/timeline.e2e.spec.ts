import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, businessDate } from '@fangyi/service-kit';
import type { Timeline } from '../src/timeline.ts';
import { fangyi } from './cli.ts';
import { ANALYST, Embedded, HANDLER, REGISTRAR, liMingsStory, user } from './embedded.ts';

describe("one person's timeline across the four contexts (the embedded process)", () => {
  const app = new Embedded();
  let story: Awaited<ReturnType<typeof liMingsStory>>;
  beforeAll(async () => {
    await app.start();
    const today = businessDate(new Date(), 'Asia/Shanghai');
    story = await liMingsStory(app, today, addDays(today, -2));
  }, 60_000);
  afterAll(() => app.stop());

  const timeline = async (who = ANALYST) => {
    // The checkpoint breach reaches the case through a policy: wait until it is on the timeline.
    for (let i = 0; i < 100; i++) {
      const t = await app.ok<Timeline>(who, 'GET', `/analyst/people/${story.personId}/timeline`);
      if (t.entries.some((e) => e.type === 'quarantine.breach-recorded')) return t;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the breach never reached the case');
  };

  it('shows the arrival, the quarantine, the crossing and the complaint in order, each with its actor, both instants and a summary', async () => {
    const t = await timeline();
    expect(t).toMatchObject({ personId: story.personId, name: '李明', community: 'zhangcun' });
    const types = t.entries.map((e) => e.type);
    const at = (type: string) => {
      const i = types.indexOf(type);
      expect(i, `${type} in ${types.join(', ')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      'residents.person-registered',
      'residents.person-arrived',
      'quarantine.home-quarantine-started',
      'checkpoints.exit-recorded',
      'checkpoints.quarantine-breach-recorded',
      'quarantine.breach-recorded',
      'complaints.complaint-filed',
    ];
    const places = order.map(at);
    expect(places).toEqual([...places].sort((a, b) => a - b));
    expect(at('quarantine.arrival-assessed')).toBeGreaterThan(at('residents.person-arrived'));
    expect(types).toContain('residents.quarantine-marked');
    const entry = (type: string) => t.entries[at(type)]!;
    expect(entry('residents.person-registered').actor).toEqual({
      id: 'registrar-kutao',
      role: 'registrar',
    });
    expect(entry('quarantine.home-quarantine-started').actor).toEqual({
      id: 'policy-arrival-quarantine',
      role: 'system',
    });
    expect(entry('checkpoints.exit-recorded').actor).toEqual({
      id: 'checkpoint-staff-zhangcun',
      role: 'checkpoint-staff',
    });
    expect(entry('complaints.complaint-filed').actor).toEqual({
      id: 'complaint-handler-kutao',
      role: 'complaint-handler',
    });
    expect(entry('quarantine.home-quarantine-started').summary).toMatch(
      /^开始居家隔离 .*（14 天，来自风险地区），随访员 /,
    );
    expect(entry('checkpoints.exit-recorded').summary).toMatch(/^经卡口 .* 外出/);
    expect(entry('complaints.complaint-filed')).toMatchObject({
      relation: 'complaint-about-household',
      summary: expect.stringMatching(/^被投诉/),
    });
    for (const e of t.entries) {
      expect(Date.parse(e.recordedAt)).toBeGreaterThan(0);
      expect(Date.parse(e.occurredAt)).toBeGreaterThan(0);
    }
    // Occurred order, not recorded order, is the timeline's.
    const instants = t.entries.map((e) => Date.parse(e.occurredAt));
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
  });

  it('links cause and effect: arrival → case started by the policy → marked on the person; crossing → breach on the case', async () => {
    const t = await timeline();
    const byType = (type: string) => t.entries.find((e) => e.type === type)!;
    const arrived = byType('residents.person-arrived');
    const started = byType('quarantine.home-quarantine-started');
    expect(started.causedBy).toBe(arrived.eventId);
    expect(arrived.causes).toContain(started.eventId);
    expect(byType('residents.quarantine-marked').causedBy).toBe(started.eventId);
    expect(byType('quarantine.breach-recorded').causedBy).toBe(
      byType('checkpoints.quarantine-breach-recorded').eventId,
    );
  });

  it('shows the complaints he reported himself, found by his phone however it was written, with the relation saying so', async () => {
    // Li Ming calls in about a crowd at the market, giving his phone with spaces; someone else reports one too.
    const file = (reporter: object, description: string) =>
      app.ok<{ complaintId: string }>(HANDLER, 'POST', '/complaints', {
        channel: 'phone',
        category: 'other',
        community: 'zhangcun',
        description,
        reporter,
        receivedAt: new Date().toISOString(),
      });
    const { complaintId: his } = await file(
      { anonymous: false, name: '李明', phone: '139 7123 4567' },
      '菜市场门口聚集',
    );
    const { complaintId: theirs } = await file(
      { anonymous: false, name: '赵敏', phone: '13605321111' },
      '广场有人聚集',
    );
    const t = await timeline();
    const complaints = t.entries.filter((e) => e.context === 'complaints');
    expect(new Set(complaints.map((e) => e.streamId))).toEqual(
      new Set([`complaint-${story.complaintId}`, `complaint-${his}`]),
    );
    expect(complaints.some((e) => e.streamId === `complaint-${theirs}`)).toBe(false);
    const reported = complaints.filter((e) => e.streamId === `complaint-${his}`);
    expect(reported.length).toBeGreaterThan(0);
    expect(reported.every((e) => e.relation === 'complaint-reported')).toBe(true);
    expect(reported.find((e) => e.type === 'complaints.complaint-filed')!.summary).toMatch(
      /^提出投诉（其他，.*）：菜市场门口聚集/,
    );
    // The neighbour's complaint about his household keeps its relation.
    expect(
      complaints
        .filter((e) => e.streamId === `complaint-${story.complaintId}`)
        .every((e) => e.relation === 'complaint-about-household'),
    ).toBe(true);
    // The command line on the same data directory opens his phone with the key files kept there.
    const cli = await fangyi(['--data-dir', app.dataDir, 'timeline', story.personId, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const fromCli = (JSON.parse(cli.stdout) as Timeline).entries.filter(
      (e) => e.relation === 'complaint-reported',
    );
    expect(fromCli.map((e) => e.eventId)).toEqual(reported.map((e) => e.eventId));
  });

  it("masks personal numbers for an analyst, and answers 404 outside the reader's communities and 403 to a role that may not", async () => {
    const t = await timeline();
    const registered = t.entries.find((e) => e.type === 'residents.person-registered')!.data as {
      idNumber: string;
      phone: string;
    };
    expect(registered.idNumber).toMatch(/^.{4}\*+.{4}$/);
    expect(registered.phone).toMatch(/^.{3}\*+.{4}$/);
    const outsider = await app.call(
      user('registrar-zhangcunhe', 'registrar', ['nanzhang']),
      'GET',
      `/analyst/people/${story.personId}/timeline`,
    );
    const unknown = await app.call(
      user('registrar-zhangcunhe', 'registrar', ['nanzhang']),
      'GET',
      '/analyst/people/nobody/timeline',
    );
    expect(outsider.status).toBe(404);
    // The same answer as for a person who does not exist, but for the request's own id and path.
    const same = (r: typeof outsider, id: string) => ({
      ...(JSON.parse(r.text.replaceAll(id, 'X')) as object),
      correlationId: null,
    });
    expect(same(outsider, story.personId)).toEqual(same(unknown, 'nobody'));
    expect(
      (
        await app.call(
          user('caller-zhangcun-1', 'caller', ['zhangcun']),
          'GET',
          `/analyst/people/${story.personId}/timeline`,
        )
      ).status,
    ).toBe(403);
    expect(
      (await app.call(REGISTRAR, 'GET', `/analyst/people/${story.personId}/timeline`)).status,
    ).toBe(200);
  });

  it('exports the history over HTTP as NDJSON for analysts: filtered, masked per line, scoped to their communities', async () => {
    const res = await app.call(
      ANALYST,
      'GET',
      `/analyst/export?community=zhangcun&streamPrefix=person-,homeQuarantine-`,
    );
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/x-ndjson/);
    const lines = res.text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            streamId: string;
            type: string;
            data: Record<string, unknown>;
            position?: unknown;
          },
      );
    expect(new Set(lines.map((l) => l.streamId))).toEqual(
      new Set([`person-${story.personId}`, `homeQuarantine-${story.caseId}`]),
    );
    const registered = lines.find((l) => l.type === 'residents.person-registered')!;
    expect(registered.data.idNumber).toMatch(/^.{4}\*+.{4}$/);
    expect(registered.data.birthDate).toBeNull();
    expect(lines.every((l) => l.position === undefined)).toBe(true);
    const types = await app.call(ANALYST, 'GET', '/analyst/export?type=checkpoints.exit-recorded');
    expect(
      types.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).data.personId),
    ).toEqual([story.personId]);
    const empty = await app.call(
      ANALYST,
      'GET',
      '/analyst/export?community=zhangcun&from=2099-01-01T00:00:00Z',
    );
    expect([empty.status, empty.text]).toEqual([200, '']);

    const moujiaAnalyst = user('analyst-moujia', 'analyst', ['moujia']);
    const unnamed = await app.call<{ errors: { field: string }[] }>(
      moujiaAnalyst,
      'GET',
      '/analyst/export',
    );
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.errors.map((e) => e.field)).toEqual(['query.community']);
    expect(
      (await app.call(moujiaAnalyst, 'GET', '/analyst/export?community=zhangcun')).status,
    ).toBe(403);
    const bad = await app.call<{ errors: { field: string }[] }>(
      ANALYST,
      'GET',
      '/analyst/export?from=2020-02-02T00:00:00Z&to=2020-02-01T00:00:00Z&color=red',
    );
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e) => e.field).sort()).toEqual(['query.color', 'query.to']);
    expect((await app.call(REGISTRAR, 'GET', '/analyst/export?community=zhangcun')).status).toBe(
      403,
    );
  });
});
