import { z } from 'zod';
import { BusinessDateSchema } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { ProjectionStore } from '@fangyi/projections';
import {
  DomainError,
  IdParamSchema,
  fault,
  loadAggregate,
  requireCommunity,
  requireInScope,
  worksIn,
  SHIPPED_DISTRICT,
  type Clock,
  type District,
  type PersonalDataVault,
  type User,
} from '@fangyi/service-kit';
import {
  checkpointDecider,
  checkpointStreamId,
  type CheckpointState,
} from './checkpoint/checkpoint.ts';
import type { CheckpointList } from './checkpointList/projection.ts';
import type { ResidentsDirectory } from './residentsDirectory/projection.ts';

export interface CheckpointsDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeZone: string;
  /** "People under quarantine", kept by startCheckpointsProjections. */
  readonly projectionStore: ProjectionStore;
  /** The checkpoint list (startCheckpointList), started and stopped by the composition root. */
  readonly checkpointList: CheckpointList;
  /** The people and passes the residents register holds (startResidentsDirectory): crossings name only those. */
  readonly residents: ResidentsDirectory;
  /** The district's communities with their districts, and its fever threshold; default the shipped Kutao district. */
  readonly district?: District;
  /** Seals the ID numbers typed at the gate and opens them for the crossing log. */
  readonly vault: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: names the subject an ID number is sealed for (see idNumberSubject). */
  readonly namingKey: Buffer;
}

/** community → district, of the communities only (a checkpoint is run by communities, not estates). */
export function communityDistrictsOf(deps: CheckpointsDeps): Readonly<Record<string, string>> {
  const district = deps.district ?? SHIPPED_DISTRICT;
  return Object.fromEntries(district.communities.map((c) => [c, district.communityDistricts[c]!]));
}

/** Who may read checkpoints, their shifts and crossings (the admin always may). */
export const READERS = ['checkpoint-staff', 'registrar', 'report-officer', 'analyst'] as const;

export const CheckpointParams = z.strictObject({ id: IdParamSchema });
/** The deciders name the checkpoint `checkpointId`; in these routes' paths it is `:id`. */
export const CHECKPOINT_PATHS = { checkpointId: 'params.id' } as const;
export const DateQuery = z.strictObject({ date: BusinessDateSchema.optional() });

/** Instants in events are UTC ISO strings, whatever offset the client wrote. */
export const utc = (instant: string) => new Date(instant).toISOString();

export type KnownCheckpoint = Exclude<CheckpointState, { status: 'none' }>;

export const checkpointNotFound = (checkpointId: string) => () =>
  new DomainError(
    'CHECKPOINT_NOT_FOUND',
    `checkpoint ${checkpointId}`,
    fault('checkpointId', 'no such checkpoint'),
  );

/**
 * A jointly run checkpoint belongs to each of its communities: working in any one of them gives
 * access; working in none, it answers as an unknown checkpoint (404, the same body).
 */
export function requireAnyCommunityOf(
  user: User,
  state: KnownCheckpoint,
  notFound = checkpointNotFound(state.checkpointId),
): void {
  if (!state.communities.some((c) => worksIn(user, c.community)))
    requireInScope(user, state.communities[0]?.community ?? '', notFound);
}

/**
 * Closing or merging a checkpoint changes every community it serves: the registrar must work in
 * all of them (403 for one who sees it but not all its communities; 404 for one who sees none).
 */
export function requireAllCommunitiesOf(
  user: User,
  state: KnownCheckpoint,
  notFound = checkpointNotFound(state.checkpointId),
): void {
  requireAnyCommunityOf(user, state, notFound);
  for (const c of state.communities) requireCommunity(user, c.community);
}

export async function loadCheckpoint(
  eventStore: EventStore,
  checkpointId: string,
): Promise<{ state: KnownCheckpoint; revision: number }> {
  const { state, revision } = await loadAggregate(
    eventStore,
    checkpointStreamId(checkpointId),
    checkpointDecider,
  );
  if (state.status === 'none') throw checkpointNotFound(checkpointId)();
  return { state, revision };
}

export { expectedRevisionOf } from '@fangyi/service-kit';
