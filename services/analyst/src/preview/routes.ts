import {
  DomainError,
  SHIPPED_DISTRICT,
  requireCommunity,
  route,
  worksIn,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import type { AnalystDeps } from '../routes.ts';
import { runPolicyPreview } from './index.ts';
import { PreviewRequestSchema, todayPolicyOf, type PreviewRequest } from './settings.ts';

const ANALYSTS = ['analyst'] as const;

/** A user of some communities previews one of them, named; a district-wide user any or all. */
function scoped(user: User, request: PreviewRequest, part: 'query' | 'body'): PreviewRequest {
  if (request.community) {
    requireCommunity(user, request.community);
    return request;
  }
  if (worksIn(user, '*')) return request;
  throw new DomainError(
    'VALIDATION_FAILED',
    `${user.id} works in ${user.communities.join(', ')}: name one as community`,
    [{ field: `${part}.community`, message: `required: one of ${user.communities.join(', ')}` }],
  );
}

const summary =
  "The recorded history replayed under another follow-up policy (period days, slot windows, fever threshold, risk areas), beside today's: checks due, done and missed, escalations, people under quarantine and callers needed, per community and day. Settings absent are today's.";

/** GET /analyst/policy-preview?periodDays=21&slots=07:00-10:00,… and the same as a JSON body to POST. */
export function registerPolicyPreview(app: ServiceApp, deps: AnalystDeps): void {
  // Today's policy is the district's (config/district.json), as the services apply it.
  const today = todayPolicyOf(deps.district ?? SHIPPED_DISTRICT);
  route(app, {
    method: 'GET',
    url: '/analyst/policy-preview',
    summary,
    tags: ['analyst'],
    query: PreviewRequestSchema,
    roles: ANALYSTS,
    handler: async ({ query, user }) =>
      runPolicyPreview(deps.eventStore, scoped(user, query, 'query'), {
        now: deps.clock(),
        timeZone: deps.timeZone,
        today,
      }),
  });
  route(app, {
    method: 'POST',
    url: '/analyst/policy-preview',
    summary,
    tags: ['analyst'],
    body: PreviewRequestSchema,
    roles: ANALYSTS,
    // Reads only: answered 200, nothing is recorded.
    handler: async ({ body, user }) =>
      runPolicyPreview(deps.eventStore, scoped(user, body, 'body'), {
        now: deps.clock(),
        timeZone: deps.timeZone,
        today,
      }),
  });
}
