import { z } from 'zod';
import {
  DomainError,
  requireCommunity,
  route,
  worksIn,
  type ServiceApp,
} from '@fangyi/service-kit';
import { READERS, communityDistrictsOf, type CheckpointsDeps } from '../http.ts';
import { LIST_STATUSES } from './projection.ts';

const ListQuery = z.strictObject({
  community: z.string().min(1).max(128).optional(),
  status: z.enum(LIST_STATUSES).optional(),
});

/** HTTP for the list of checkpoints of the caller's communities. */
export function checkpointListRoutes(app: ServiceApp, deps: CheckpointsDeps): void {
  const districts = communityDistrictsOf(deps);
  const readModel = deps.checkpointList;

  route(app, {
    method: 'GET',
    url: '/checkpoints',
    summary:
      "Checkpoints of the caller's communities (a joint one is listed for each of its communities), oldest first, optionally of one community or status " +
      '(open, closed, merged), with the shift on duty; up to date with every write made before the request',
    tags: ['checkpoints'],
    query: ListQuery,
    roles: [...READERS],
    handler: async ({ query, user }) => {
      if (query.community !== undefined) {
        // No checkpoint can serve a community the directory does not know (opening one is a 400), so asking for one is a mistake, not an empty answer.
        if (!districts[query.community])
          throw new DomainError('VALIDATION_FAILED', 'unknown community', [
            { field: 'query.community', message: `unknown community ${query.community}` },
          ]);
        // As GET /quarantine/cases: asking about a community outside one's own is refused, not answered with nothing.
        requireCommunity(user, query.community);
      }
      const all = await readModel.all();
      const checkpoints = all
        .filter((c) => c.communities.some((x) => worksIn(user, x.community)))
        .filter(
          (c) =>
            query.community === undefined ||
            c.communities.some((x) => x.community === query.community),
        )
        .filter((c) => query.status === undefined || c.status === query.status)
        .sort(
          (a, b) =>
            a.openedAt.localeCompare(b.openedAt) || a.checkpointId.localeCompare(b.checkpointId),
        );
      return { total: checkpoints.length, checkpoints };
    },
  });
}
