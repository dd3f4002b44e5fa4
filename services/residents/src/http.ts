import { z } from 'zod';
import type { Actor } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import {
  IdParamSchema,
  SHIPPED_DISTRICT,
  type Clock,
  type District,
  type PersonalDataVault,
  type User,
} from '@fangyi/service-kit';
import type { HouseholdPeopleFeed } from './householdPeople/feed.ts';

/** What every residents route needs; the composition root makes them. */
export interface ResidentsDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeZone: string;
  /** Seals ID and phone numbers with each person's key, opens them for answers, forgets people. */
  readonly vault: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: the HMAC key naming ID-number reservation streams (never rotated). */
  readonly reservationKey: Buffer;
  /** The household → people read model, started (and stopped) by the composition root. */
  readonly householdPeople: HouseholdPeopleFeed;
  /** The district's places (communities, estates, grids) and fever threshold; default the shipped Kutao district. */
  readonly district?: District;
}

export const districtOfDeps = (deps: ResidentsDeps): District => deps.district ?? SHIPPED_DISTRICT;

/** The part of a route's context a command needs. */
export interface CommandContext {
  readonly user: User;
  actor(): Actor;
  readonly request: { readonly correlationId: string; readonly headers: unknown };
}

export const HouseholdParams = z.strictObject({ householdId: IdParamSchema });
export const PersonParams = z.strictObject({ personId: IdParamSchema });

export { expectedRevisionOf, toHistory } from '@fangyi/service-kit';
