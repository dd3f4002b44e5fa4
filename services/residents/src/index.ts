export {
  buildResidentsApp,
  registerResidents,
  residentsErrors,
  type ResidentsAppDeps,
} from './app.ts';
export type { ResidentsDeps } from './http.ts';
export {
  householdDecider,
  householdStreamId,
  householdErrors,
  type HouseholdState,
} from './household/household.ts';
export {
  personDecider,
  personStreamId,
  personErrors,
  passStatus,
  type PersonState,
  type PassStatus,
} from './person/person.ts';
export { idNumberStreamId } from './person/idNumberReservation.ts';
export {
  startResidentsPolicies,
  POLICY_ACTOR,
  type ResidentsPoliciesDeps,
} from './policies/policies.ts';
export {
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
  type HouseholdPeopleFeedOptions,
} from './householdPeople/feed.ts';
export {
  householdPeopleProjection,
  HouseholdPeople,
  type Membership,
  type MemberPerson,
} from './householdPeople/projection.ts';
