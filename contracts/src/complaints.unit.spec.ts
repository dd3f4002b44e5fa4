import { describe, expect, it } from 'vitest';
import { complaintsEvents } from './complaints.ts';

describe('complaint events name estates by id', () => {
  const filed = {
    complaintId: 'c1',
    channel: 'phone',
    category: 'sanitation',
    description: '垃圾没有清运',
    reporter: { anonymous: true },
    receivedAt: '2020-02-03T02:00:00.000Z',
    replyWithinHours: 24,
    replyDueAt: '2020-02-04T02:00:00.000Z',
    status: 'received',
    statusNote: '已受理',
  };
  const schema = complaintsEvents['complaints.complaint-filed'].schema;

  it("replays today's estates and any estate a district's configuration no longer lists: which estates exist is checked by the routes, not the history", () => {
    for (const estate of [
      'taoyuanju',
      'enma-villas',
      'yishan-bancheng-1',
      'an-estate-since-removed',
    ]) {
      expect(schema.safeParse({ ...filed, estate, district: 'kutao' }).success).toBe(true);
    }
    expect(schema.safeParse({ ...filed, estate: '' }).success).toBe(false);
  });
});
