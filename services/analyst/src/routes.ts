import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Envelope } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { AS_OF_QUERY, cutLabel, cutOf } from '@fangyi/roster';
import {
  DomainError,
  maskAnswer,
  maskPolicyFor,
  requireCommunity,
  requireInScope,
  route,
  worksIn,
  type Clock,
  type District,
  type PersonalDataVault,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import { exportLines, filterOf, type ExportCriteria } from './export.ts';
import { personTimeline } from './timeline.ts';
import { registerPolicyPreview } from './preview/routes.ts';

export interface AnalystDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly timeZone: string;
  /** Opens a person's phone, so the timeline finds the complaints they reported; without it, only phones recorded in clear. */
  readonly vault?: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: names the subject a reporter's phone is sealed for. */
  readonly namingKey?: Buffer;
  /** The district's configuration (places, period, windows, threshold); the shipped Kutao file when not given. */
  readonly district?: District;
}

const ANALYSTS = ['analyst'] as const;
const list = z
  .string()
  .max(4000)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(200)).min(1).max(100));
const instant = z.iso.datetime({ offset: true });

const ExportQuery = z
  .strictObject({
    stream: list.optional(),
    streamPrefix: list.optional(),
    type: list.optional(),
    community: z.string().min(1).max(128).optional(),
    /** recordedAt ≥ from */
    from: instant.optional(),
    /** recordedAt < to */
    to: instant.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: 'must be after from',
  });

/** Who may read what: a user of some communities exports only one of them, named. */
function scoped(user: User, criteria: ExportCriteria): ExportCriteria {
  if (criteria.community) {
    requireCommunity(user, criteria.community);
    return criteria;
  }
  if (worksIn(user, '*')) return criteria;
  throw new DomainError(
    'VALIDATION_FAILED',
    `${user.id} works in ${user.communities.join(', ')}: name one as community`,
    [{ field: 'query.community', message: `required: one of ${user.communities.join(', ')}` }],
  );
}

/** The analysts' reads of the history: the export and one person's timeline. */
export function registerAnalyst(app: ServiceApp, deps: AnalystDeps): void {
  registerExport(app, deps);
  registerTimeline(app, deps);
  registerPolicyPreview(app, deps);
}

export function registerExport(app: ServiceApp, deps: AnalystDeps): void {
  route(app, {
    method: 'GET',
    url: '/analyst/export',
    summary:
      'The event history as NDJSON, one envelope a line in log order, streamed; filtered by stream, stream prefix, type (comma lists), community and recordedAt range [from, to); personal numbers masked by role',
    tags: ['analyst'],
    query: ExportQuery,
    roles: ANALYSTS,
    handler: async ({ query, user, reply }) => {
      const criteria = scoped(user, {
        ...(query.stream ? { streams: query.stream } : {}),
        ...(query.streamPrefix ? { streamPrefixes: query.streamPrefix } : {}),
        ...(query.type ? { types: query.type } : {}),
        ...(query.community ? { community: query.community } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      });
      const policy = maskPolicyFor(user.role);
      // A stream is not walked by the kit's masking hook: each envelope is masked here, by the same table.
      const lines = exportLines(
        deps.eventStore,
        filterOf(criteria),
        (e) => maskAnswer(withoutPosition(e), policy) as Envelope,
      );
      reply.type('application/x-ndjson; charset=utf-8');
      return Readable.from(lines, { objectMode: false, highWaterMark: 64 * 1024 });
    },
  });
}

const TIMELINE_READERS = ['analyst', 'report-officer', 'registrar'] as const;

export function registerTimeline(app: ServiceApp, deps: AnalystDeps): void {
  route(app, {
    method: 'GET',
    url: '/analyst/people/:personId/timeline',
    summary:
      "One person's story across residents, quarantine, checkpoints and complaints (about their household, or reported by them), in the order it happened, each event with its actor, occurredAt, recordedAt, a one-line summary (zh-CN) and its cause and effects on the timeline; ?asOf= only what had happened by an instant (however late recorded), ?knownAt= only what was recorded by then",
    tags: ['analyst'],
    params: z.strictObject({ personId: z.string().min(1).max(128) }),
    query: z.strictObject(AS_OF_QUERY),
    roles: TIMELINE_READERS,
    handler: async ({ params, query, user }) => {
      const notFound = () => new DomainError('NOT_FOUND', `no person ${params.personId}`);
      const cut = cutOf(query, deps.clock, deps);
      const timeline = await personTimeline(deps.eventStore, params.personId, {
        ...(deps.vault ? { vault: deps.vault } : {}),
        ...(deps.namingKey ? { namingKey: deps.namingKey } : {}),
        ...(cut ? { cut } : {}),
      });
      if (!timeline) throw notFound();
      requireInScope(user, timeline.community, notFound);
      return cut ? { ...timeline, cut: cutLabel(cut) } : timeline;
    },
  });
}

function withoutPosition<T extends { position?: unknown }>(e: T): Omit<T, 'position'> {
  const { position: _p, ...rest } = e;
  return rest;
}
