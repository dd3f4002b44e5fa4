import {
  RENTAL_KINDS,
  type HouseholdEvent,
  type HouseholdKind,
  type LiftRentalSuspensionInput,
  type RegisterHouseholdInput,
  type SuspendRentalInput,
} from '@fangyi/contracts';
import { DomainError, defineErrors, fault } from '@fangyi/service-kit/errors';

export const householdErrors = defineErrors({
  HOUSEHOLD_NOT_FOUND: { status: 404, title: 'No household with this id' },
  HOUSEHOLD_ALREADY_EXISTS: { status: 409, title: 'This household has already been registered' },
  RENTAL_SUSPENSION_NOT_APPLICABLE: {
    status: 409,
    title:
      'Only rental households and apartment hotels take tenants, so only they can have renting suspended',
  },
  RENTAL_ALREADY_SUSPENDED: {
    status: 409,
    title: 'Renting is already suspended for this household',
  },
  RENTAL_NOT_SUSPENDED: { status: 409, title: 'Renting is not suspended for this household' },
});

export const householdStreamId = (householdId: string) => `household-${householdId}`;

// ---- commands: what the route (or a policy) hands the decider, ids and today included ----

export type RegisterHousehold = {
  type: 'RegisterHousehold';
  data: RegisterHouseholdInput & { householdId: string };
};
export type SuspendRental = {
  type: 'SuspendRental';
  data: SuspendRentalInput & { householdId: string; today: string };
};
export type LiftRentalSuspension = {
  type: 'LiftRentalSuspension';
  /** `onlyForComplaintId`: lift only a suspension that this complaint caused (a report overturned lifts its own ban, no other). */
  data: LiftRentalSuspensionInput & {
    householdId: string;
    today: string;
    onlyForComplaintId?: string;
  };
};
export type HouseholdCommand = RegisterHousehold | SuspendRental | LiftRentalSuspension;

// ---- state ----

export type RentalStatus =
  | { readonly status: 'open' }
  | {
      readonly status: 'suspended';
      readonly reason: string;
      readonly since: string;
      readonly sourceComplaintId: string | null;
    };

export type HouseholdState =
  | { readonly status: 'none' }
  | {
      readonly status: 'registered';
      readonly householdId: string;
      readonly community: string;
      readonly estate: string | null;
      readonly grid: string;
      readonly address: string;
      readonly kind: HouseholdKind;
      readonly rental: RentalStatus;
    };

export const initialState = (): HouseholdState => ({ status: 'none' });

export function evolve(state: HouseholdState, event: HouseholdEvent): HouseholdState {
  switch (event.type) {
    case 'residents.household-registered': {
      const d = event.data;
      return {
        status: 'registered',
        householdId: d.householdId,
        community: d.community,
        estate: d.estate ?? null,
        grid: d.grid,
        address: d.address,
        kind: d.kind,
        rental: { status: 'open' },
      };
    }
    case 'residents.rental-suspended':
      if (state.status !== 'registered') return state;
      return {
        ...state,
        rental: {
          status: 'suspended',
          reason: event.data.reason,
          since: event.data.suspendedOn,
          sourceComplaintId: event.data.sourceComplaintId ?? null,
        },
      };
    case 'residents.rental-suspension-lifted':
      return state.status === 'registered' ? { ...state, rental: { status: 'open' } } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export function decide(command: HouseholdCommand, state: HouseholdState): HouseholdEvent[] {
  switch (command.type) {
    case 'RegisterHousehold': {
      if (state.status !== 'none')
        throw new DomainError(
          'HOUSEHOLD_ALREADY_EXISTS',
          `household ${command.data.householdId}`,
          fault('householdId', 'already registered'),
        );
      const { estate, ...d } = command.data;
      return [
        { type: 'residents.household-registered', data: { ...d, ...(estate ? { estate } : {}) } },
      ];
    }
    case 'SuspendRental': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'HOUSEHOLD_NOT_FOUND',
          `household ${d.householdId}`,
          fault('householdId', 'no such household'),
        );
      if (!RENTAL_KINDS.includes(state.kind))
        throw new DomainError(
          'RENTAL_SUSPENSION_NOT_APPLICABLE',
          `household ${d.householdId} is ${state.kind}`,
          fault('householdId', `is ${state.kind}, not let`),
        );
      // The HTTP caller learns it was already done; the complaints policy treats this code as done.
      if (state.rental.status === 'suspended')
        throw new DomainError(
          'RENTAL_ALREADY_SUSPENDED',
          `since ${state.rental.since} (${state.rental.reason})`,
          fault('householdId', `suspended since ${state.rental.since}`),
        );
      return [
        {
          type: 'residents.rental-suspended',
          data: {
            householdId: d.householdId,
            community: state.community,
            reason: d.reason,
            ...(d.note ? { note: d.note } : {}),
            ...(d.sourceComplaintId ? { sourceComplaintId: d.sourceComplaintId } : {}),
            suspendedOn: d.today,
          },
        },
      ];
    }
    case 'LiftRentalSuspension': {
      const d = command.data;
      if (state.status === 'none')
        throw new DomainError(
          'HOUSEHOLD_NOT_FOUND',
          `household ${d.householdId}`,
          fault('householdId', 'no such household'),
        );
      if (state.rental.status !== 'suspended')
        throw new DomainError(
          'RENTAL_NOT_SUSPENDED',
          `household ${d.householdId}`,
          fault('householdId', 'renting is not suspended'),
        );
      if (
        d.onlyForComplaintId !== undefined &&
        state.rental.sourceComplaintId !== d.onlyForComplaintId
      )
        return [];
      return [
        {
          type: 'residents.rental-suspension-lifted',
          data: {
            householdId: d.householdId,
            community: state.community,
            ...(d.note ? { note: d.note } : {}),
            liftedOn: d.today,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      throw new Error('unknown command');
    }
  }
}

export const householdDecider = { initialState, evolve, decide };
