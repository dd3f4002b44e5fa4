import type { ServiceApp } from '@fangyi/service-kit';
import { addDays } from '@fangyi/service-kit/time';

/**
 * A few people under home quarantine in the Kutao district, entered through the services' own
 * HTTP commands (never by writing read models), so the roster has something to show at once.
 * Moujia's two tenants who came back from Hubei are the report's own case; the others are
 * synthetic. Dates are relative to today so the demo always looks live.
 */
interface DemoPerson {
  personId: string;
  personName: string;
  community: string;
  daysAgo: number;
  reason: 'arrival-from-risk-area' | 'close-contact';
  reasonNote: string;
  caller: string;
  /** Per past day: am and pm temperatures; null = no check that slot. */
  history: (readonly [number | null, number | null])[];
  todayAm?: number;
}

const PEOPLE: DemoPerson[] = [
  { personId: 'demo-moujia-01', personName: '张伟', community: 'moujia', daysAgo: 3, reason: 'arrival-from-risk-area', reasonNote: '湖北返回租户，正月初四返回', caller: 'caller-moujia-1', history: [[36.4, 36.6], [36.5, 36.7], [36.5, 36.4]], todayAm: 36.5 },
  { personId: 'demo-moujia-02', personName: '刘洋', community: 'moujia', daysAgo: 3, reason: 'arrival-from-risk-area', reasonNote: '湖北返回租户，正月初四返回', caller: 'caller-moujia-1', history: [[36.6, 36.8], [36.7, 37.6], [36.6, 36.5]] },
  { personId: 'demo-zhangcun-01', personName: '陈静', community: 'zhangcun', daysAgo: 9, reason: 'arrival-from-risk-area', reasonNote: '外地户籍，自湖北返回', caller: 'caller-zhangcun-1', history: [[36.3, 36.5], [36.4, null]], todayAm: 36.6 },
  { personId: 'demo-wenzhang-01', personName: '赵磊', community: 'wenzhang', daysAgo: 1, reason: 'close-contact', reasonNote: '密切接触者', caller: 'caller-wenzhang-1', history: [[36.5, 36.6]] },
  { personId: 'demo-zhengzhang-01', personName: '孙丽', community: 'zhengzhang', daysAgo: 0, reason: 'close-contact', reasonNote: '密切接触者', caller: 'caller-zhengzhang-1', history: [] },
];

export async function seedDemo(app: ServiceApp, today: string, tokenOf: (userId: string) => string): Promise<number> {
  const registrar = { authorization: `Bearer ${tokenOf('registrar-kutao')}` };
  let started = 0;
  for (const p of PEOPLE) {
    const startDate = addDays(today, -p.daysAgo);
    const res = await app.inject({
      method: 'POST',
      url: '/quarantine/cases',
      headers: registrar,
      payload: { personId: p.personId, personName: p.personName, community: p.community, startDate, reason: p.reason, reasonNote: p.reasonNote, assignedCaller: p.caller },
    });
    if (res.statusCode !== 201) throw new Error(`demo: starting a case failed: ${res.body}`);
    started++;
    const { caseId } = res.json<{ caseId: string }>();
    const caller = { authorization: `Bearer ${tokenOf(p.caller)}` };
    const log = async (date: string, slot: 'am' | 'pm', temperatureC: number) => {
      const r = await app.inject({
        method: 'POST',
        url: `/quarantine/cases/${caseId}/checks`,
        headers: caller,
        payload: {
          date,
          slot,
          temperatureC,
          reachedVia: 'phone',
          symptoms: temperatureC >= 37.3 ? ['fatigue'] : [],
          // Past checks keep their real time: 09:00 and 15:00 in Shanghai.
          ...(date < today ? { checkedAt: `${date}T${slot === 'am' ? '09' : '15'}:00:00+08:00` } : {}),
        },
      });
      if (r.statusCode !== 201) throw new Error(`demo: logging a check failed: ${r.body}`);
    };
    // history[0] is the start date, history[i] the i-th day after.
    for (const [i, [am, pm]] of p.history.entries()) {
      const date = addDays(startDate, i);
      if (date >= today) break;
      if (am !== null) await log(date, 'am', am);
      if (pm !== null) await log(date, 'pm', pm);
    }
    if (p.todayAm !== undefined) await log(today, 'am', p.todayAm);
  }
  return started;
}
