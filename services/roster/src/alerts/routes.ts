import { z } from 'zod';
import type { ProjectionStore } from '@fangyi/projections';
import { requireCommunity, route, worksIn, type Clock, type ServiceApp } from '@fangyi/service-kit';
import { ALERTS_COLLECTION, type Alert } from './projection.ts';

export interface AlertsDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
}

const id = z.string().min(1).max(128);

const AlertsQuery = z.strictObject({
  community: id.optional(),
  caller: id.optional(),
  kind: z.enum(['escalation', 'breach']).optional(),
  /** `true`: only escalations recorded as not acknowledged in time. */
  overdue: z.enum(['true', 'false']).optional(),
});

/** Who reads the alerts: the callers and registrars (the community's control lead among them) of their communities, the report officer, analysts. */
const ALERT_READERS = ['caller', 'registrar', 'report-officer', 'analyst'] as const;

/** Open alerts with their age as of `now`, oldest first (ties by id, so pages are stable). */
export function alertsAsOf(alerts: readonly Alert[], now: Date) {
  return alerts
    .map((a) => ({
      ...a,
      ageMinutes: Math.max(0, Math.floor((now.getTime() - Date.parse(a.since)) / 60_000)),
    }))
    .sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
}

/** The alerts view: open escalations and checkpoint breaches, oldest first, overdue ones marked. */
export function alertsRoutes(app: ServiceApp, deps: AlertsDeps): void {
  route(app, {
    method: 'GET',
    url: '/roster/alerts',
    summary:
      'Open escalations (not yet acknowledged) and checkpoint breaches of running cases, with their age, oldest first; escalations not acknowledged in time are marked overdue',
    tags: ['roster'],
    query: AlertsQuery,
    roles: ALERT_READERS,
    handler: async ({ query, user }) => {
      if (query.community) requireCommunity(user, query.community);
      const now = deps.clock();
      let alerts = (await deps.store.list<Alert>(ALERTS_COLLECTION)).filter((a) =>
        worksIn(user, a.community),
      );
      if (query.community) alerts = alerts.filter((a) => a.community === query.community);
      if (query.caller) alerts = alerts.filter((a) => a.assignedCaller === query.caller);
      if (query.kind) alerts = alerts.filter((a) => a.kind === query.kind);
      if (query.overdue)
        alerts = alerts.filter(
          (a) => (a.kind === 'escalation' && a.overdue) === (query.overdue === 'true'),
        );
      const listed = alertsAsOf(alerts, now);
      return {
        asOf: now.toISOString(),
        totals: {
          alerts: listed.length,
          escalations: listed.filter((a) => a.kind === 'escalation').length,
          overdue: listed.filter((a) => a.kind === 'escalation' && a.overdue).length,
          breaches: listed.filter((a) => a.kind === 'breach').length,
        },
        alerts: listed,
      };
    },
  });
}
