import { describe, it } from 'vitest';
import type { HouseholdEvent } from '@fangyi/contracts';
import { deciderSpec } from '@fangyi/testkit';
import { householdDecider, type HouseholdCommand } from './household.ts';

const spec = deciderSpec(householdDecider);

const register = (
  kind: 'owner-occupied' | 'rental' | 'apartment-hotel' = 'rental',
): HouseholdCommand => ({
  type: 'RegisterHousehold',
  data: {
    householdId: 'h1',
    community: 'zhangcun',
    grid: 'zhangcun-03',
    address: '张村河路12号3户',
    kind,
  },
});
const registered = (
  kind: 'owner-occupied' | 'rental' | 'apartment-hotel' = 'rental',
): HouseholdEvent => ({
  type: 'residents.household-registered',
  data: {
    householdId: 'h1',
    community: 'zhangcun',
    grid: 'zhangcun-03',
    address: '张村河路12号3户',
    kind,
  },
});
const suspend: HouseholdCommand = {
  type: 'SuspendRental',
  data: {
    householdId: 'h1',
    reason: 'illegal-rental-report',
    sourceComplaintId: 'cmp-1',
    today: '2020-02-03',
  },
};
const suspended: HouseholdEvent = {
  type: 'residents.rental-suspended',
  data: {
    householdId: 'h1',
    community: 'zhangcun',
    reason: 'illegal-rental-report',
    sourceComplaintId: 'cmp-1',
    suspendedOn: '2020-02-03',
  },
};
const lift: HouseholdCommand = {
  type: 'LiftRentalSuspension',
  data: { householdId: 'h1', note: '整改完毕', today: '2020-02-20' },
};

describe('RegisterHousehold', () => {
  it('registers a household in its community and grid', () => {
    spec.given([]).when(register()).then([registered()]);
  });

  it('keeps the property estate of a household in an estate not yet under a community', () => {
    spec
      .given([])
      .when({
        type: 'RegisterHousehold',
        data: {
          householdId: 'h1',
          community: 'kutao',
          estate: 'taoyuanju',
          grid: 'taoyuanju-1',
          address: '桃源居5号楼',
          kind: 'owner-occupied',
        },
      })
      .then([
        {
          type: 'residents.household-registered',
          data: {
            householdId: 'h1',
            community: 'kutao',
            estate: 'taoyuanju',
            grid: 'taoyuanju-1',
            address: '桃源居5号楼',
            kind: 'owner-occupied',
          },
        },
      ]);
  });

  it('refuses to register the same household twice', () => {
    spec
      .given([registered()])
      .when(register())
      .thenThrows('HOUSEHOLD_ALREADY_EXISTS', { fields: ['householdId'] });
  });
});

describe('SuspendRental', () => {
  it('suspends the renting of a rental household, naming the complaint that led to it', () => {
    spec.given([registered()]).when(suspend).then([suspended]);
  });

  it('suspends an apartment hotel too', () => {
    spec
      .given([registered('apartment-hotel')])
      .when(suspend)
      .then([suspended]);
  });

  it('refuses an owner-occupied household: it takes no tenants', () => {
    spec
      .given([registered('owner-occupied')])
      .when(suspend)
      .thenThrows('RENTAL_SUSPENSION_NOT_APPLICABLE', { fields: ['householdId'] });
  });

  it('refuses a second suspension while the first holds', () => {
    spec
      .given([registered(), suspended])
      .when({
        ...suspend,
        data: { ...suspend.data, sourceComplaintId: 'cmp-2' },
      } as HouseholdCommand)
      .thenThrows('RENTAL_ALREADY_SUSPENDED', { fields: ['householdId'] });
  });

  it('suspends again after the suspension was lifted', () => {
    spec
      .given([
        registered(),
        suspended,
        {
          type: 'residents.rental-suspension-lifted',
          data: { householdId: 'h1', community: 'zhangcun', liftedOn: '2020-02-10' },
        },
      ])
      .when(suspend)
      .then([suspended]);
  });

  it('refuses an unknown household', () => {
    spec
      .given([])
      .when(suspend)
      .thenThrows('HOUSEHOLD_NOT_FOUND', { fields: ['householdId'] });
  });
});

describe('LiftRentalSuspension', () => {
  it('lifts a suspension with a note', () => {
    spec
      .given([registered(), suspended])
      .when(lift)
      .then([
        {
          type: 'residents.rental-suspension-lifted',
          data: {
            householdId: 'h1',
            community: 'zhangcun',
            note: '整改完毕',
            liftedOn: '2020-02-20',
          },
        },
      ]);
  });

  it('refuses when renting is not suspended', () => {
    spec.given([registered()]).when(lift).thenThrows('RENTAL_NOT_SUSPENDED');
  });

  it('refuses an unknown household', () => {
    spec.given([]).when(lift).thenThrows('HOUSEHOLD_NOT_FOUND');
  });

  it('lifts, for an overturned report, only the suspension that report caused', () => {
    const forComplaint = (id: string): HouseholdCommand => ({
      type: 'LiftRentalSuspension',
      data: { householdId: 'h1', today: '2020-02-20', onlyForComplaintId: id },
    });
    spec
      .given([registered(), suspended])
      .when(forComplaint('cmp-1'))
      .then([
        {
          type: 'residents.rental-suspension-lifted',
          data: { householdId: 'h1', community: 'zhangcun', liftedOn: '2020-02-20' },
        },
      ]);
    spec.given([registered(), suspended]).when(forComplaint('cmp-2')).then([]);
  });
});
