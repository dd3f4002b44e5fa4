import { z } from 'zod';
import { ID_NUMBER_PATTERN, IdNumberSchema, idNumberFacts } from './idNumber.ts';
import {
  ArrivalAssessmentOutcomeSchema,
  ArrivalAssessmentReasonSchema,
  BusinessDateSchema,
  SYMPTOMS,
  SymptomSchema,
  TemperatureSchema,
} from './quarantine.ts';
import { PersonalValueSchema } from './personal.ts';
import { freeTextSchema, nameSchema } from './text.ts';

// Event and command schemas of the residents context: households (户), the people living in them,
// door-to-door screenings (排查) and passes (通行证).

const id = z.string().min(1).max(128);
/** Community, grid and estate ids are slugs: `zhangcun`, `zhangcun-03`, `taoyuanju`. */
const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and - only');
/** Names of people and places as commands take them (see text.ts); events keep what was recorded. */
const name = nameSchema(100);
const place = nameSchema(100);
const note = freeTextSchema(500);
const recordedName = z.string().trim().min(1).max(100);

export const HOUSEHOLD_KINDS = ['owner-occupied', 'rental', 'apartment-hotel'] as const;
export const HouseholdKindSchema = z.enum(HOUSEHOLD_KINDS);
export type HouseholdKind = z.infer<typeof HouseholdKindSchema>;

/** Kinds that take tenants, and so can have their renting suspended. */
export const RENTAL_KINDS: readonly HouseholdKind[] = ['rental', 'apartment-hotel'];

export const RENTAL_SUSPENSION_REASONS = [
  /** A substantiated illegal-rental complaint (set by the complaints policy). */
  'illegal-rental-report',
  /** The community has stopped renting to outside people altogether (Kutao). */
  'community-rental-ban',
  'other',
] as const;
export const RentalSuspensionReasonSchema = z.enum(RENTAL_SUSPENSION_REASONS);

export const REGISTRATIONS = ['local', 'outside'] as const;
export const RegistrationSchema = z.enum(REGISTRATIONS);
export type Registration = z.infer<typeof RegistrationSchema>;

export const SEXES = ['male', 'female'] as const;
export const SexSchema = z.enum(SEXES);
export type Sex = z.infer<typeof SexSchema>;

export const SCREENING_RESULTS = ['normal', 'abnormal'] as const;
export const ScreeningResultSchema = z.enum(SCREENING_RESULTS);
export type ScreeningResult = z.infer<typeof ScreeningResultSchema>;

export const PASS_REVOCATION_REASONS = [
  /** Set by the quarantine policy. */
  'home-quarantine-started',
  /** A later screening found fever or symptoms. */
  'abnormal-screening',
  /** The person came back from elsewhere and has to be screened again. */
  'new-arrival',
  'moved-out',
  'lost',
  'misuse',
  'other',
] as const;
export const PassRevocationReasonSchema = z.enum(PASS_REVOCATION_REASONS);
export type PassRevocationReason = z.infer<typeof PassRevocationReasonSchema>;

/** A pass is issued for at most this many days; after that the person is screened again. */
export const PASS_MAX_VALIDITY_DAYS = 30;

/** The shared ID number rule (GB 11643), under the name residents has always used. */
export const ResidentIdNumberSchema = IdNumberSchema;

/** An 11-digit mainland mobile number. */
export const MobilePhoneSchema = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mobile number starting with 1');

export const TravelEntrySchema = z
  .strictObject({
    place,
    from: BusinessDateSchema,
    to: BusinessDateSchema,
  })
  .refine((t) => t.from <= t.to, { message: 'must not be before from', path: ['to'] });
export type TravelEntry = z.infer<typeof TravelEntrySchema>;

// ---- commands (what arrives over HTTP, before the service adds ids, actor and time) ----

export const RegisterHouseholdSchema = z.strictObject({
  community: slug,
  /** A property estate not (yet) under a community, e.g. taoyuanju. */
  estate: slug.optional(),
  grid: slug,
  address: nameSchema(200),
  kind: HouseholdKindSchema,
});
export type RegisterHouseholdInput = z.infer<typeof RegisterHouseholdSchema>;

export const SuspendRentalSchema = z.strictObject({
  reason: RentalSuspensionReasonSchema,
  note: note.optional(),
  sourceComplaintId: id.optional(),
});
export type SuspendRentalInput = z.infer<typeof SuspendRentalSchema>;

export const LiftRentalSuspensionSchema = z.strictObject({ note: note.optional() });
export type LiftRentalSuspensionInput = z.infer<typeof LiftRentalSuspensionSchema>;

export const RegisterPersonSchema = z
  .strictObject({
    householdId: id,
    name,
    idNumber: ResidentIdNumberSchema,
    phone: MobilePhoneSchema,
    sex: SexSchema.optional(),
    birthDate: BusinessDateSchema.optional(),
    registration: RegistrationSchema,
    originProvince: place.optional(),
    originCity: place.optional(),
    arrivedOn: BusinessDateSchema.optional(),
    travelHistory: z.array(TravelEntrySchema).max(50).default([]),
  })
  .superRefine((p, ctx) => {
    // Where someone comes from is the point of registering an outside person, and of an arrival.
    if (p.registration === 'outside' || p.arrivedOn !== undefined) {
      const why =
        p.registration === 'outside'
          ? 'required for an outside-registered person'
          : 'required with arrivedOn';
      if (!p.originProvince)
        ctx.addIssue({ code: 'custom', path: ['originProvince'], message: why });
      if (!p.originCity) ctx.addIssue({ code: 'custom', path: ['originCity'], message: why });
    }
    const facts = ID_NUMBER_PATTERN.test(p.idNumber) ? idNumberFacts(p.idNumber) : null;
    if (facts && p.birthDate !== undefined && p.birthDate !== facts.birthDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['birthDate'],
        message: `does not match the ID number (${facts.birthDate})`,
      });
    }
    if (facts && p.sex !== undefined && p.sex !== facts.sex) {
      ctx.addIssue({ code: 'custom', path: ['sex'], message: 'does not match the ID number' });
    }
  });
export type RegisterPersonInput = z.infer<typeof RegisterPersonSchema>;

export const RecordArrivalSchema = z.strictObject({
  arrivedOn: BusinessDateSchema,
  originProvince: place,
  originCity: place,
});
export type RecordArrivalInput = z.infer<typeof RecordArrivalSchema>;

export const MoveInSchema = z.strictObject({
  householdId: id,
  movedInOn: BusinessDateSchema,
});
export type MoveInInput = z.infer<typeof MoveInSchema>;

export const MoveOutSchema = z.strictObject({
  movedOutOn: BusinessDateSchema,
  destination: place.optional(),
});
export type MoveOutInput = z.infer<typeof MoveOutSchema>;

export const RecordScreeningSchema = z.strictObject({
  date: BusinessDateSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema).max(SYMPTOMS.length).default([]),
  symptomNote: note.optional(),
});
export type RecordScreeningInput = z.infer<typeof RecordScreeningSchema>;

export const IssuePassSchema = z.strictObject({ validUntil: BusinessDateSchema });
export type IssuePassInput = z.infer<typeof IssuePassSchema>;

export const FORGET_REASONS = [
  /** The person asked to be forgotten. */
  'subject-request',
  /** The data is kept no longer than the period the district set. */
  'retention-expired',
  'legal-order',
  'other',
] as const;
export const ForgetReasonSchema = z.enum(FORGET_REASONS);
export type ForgetReason = z.infer<typeof ForgetReasonSchema>;

/** Forgetting takes a reason from a list, not free text: the event must hold no personal data. */
export const ForgetPersonSchema = z.strictObject({ reason: ForgetReasonSchema });
export type ForgetPersonInput = z.infer<typeof ForgetPersonSchema>;

export const RevokePassSchema = z.strictObject({
  reason: PassRevocationReasonSchema,
  note: note.optional(),
});
export type RevokePassInput = z.infer<typeof RevokePassSchema>;

// ---- events (data of the envelope) ----

export const HouseholdRegisteredV1 = z.object({
  householdId: id,
  community: id,
  estate: id.optional(),
  grid: id,
  address: z.string(),
  kind: HouseholdKindSchema,
});
export type HouseholdRegistered = z.infer<typeof HouseholdRegisteredV1>;

export const RentalSuspendedV1 = z.object({
  householdId: id,
  community: id,
  reason: RentalSuspensionReasonSchema,
  note: z.string().optional(),
  /** The substantiated complaint that led to it, when one did. */
  sourceComplaintId: id.optional(),
  suspendedOn: BusinessDateSchema,
});
export type RentalSuspended = z.infer<typeof RentalSuspendedV1>;

export const RentalSuspensionLiftedV1 = z.object({
  householdId: id,
  community: id,
  note: z.string().optional(),
  liftedOn: BusinessDateSchema,
});
export type RentalSuspensionLifted = z.infer<typeof RentalSuspensionLiftedV1>;

export const PersonRegisteredV1 = z.object({
  personId: id,
  householdId: id,
  community: id,
  name: recordedName,
  idNumber: z.string(),
  phone: z.string(),
  sex: SexSchema,
  birthDate: BusinessDateSchema,
  registration: RegistrationSchema,
  originProvince: z.string().optional(),
  originCity: z.string().optional(),
  arrivedOn: BusinessDateSchema.optional(),
  travelHistory: z.array(
    z.object({ place: z.string(), from: BusinessDateSchema, to: BusinessDateSchema }),
  ),
});

/**
 * Version 2: `idNumber` and `phone` are sealed (see personal.ts) with the person's own key. The
 * shape is still a string, but a reader of version 1 would show a sealed value as if it were the
 * number, so the version says which it is. Version 1 data is valid version 2 data (clear values
 * are opened as they are) until the migration seals it.
 */
export const PersonRegisteredV2 = PersonRegisteredV1.extend({
  idNumber: PersonalValueSchema,
  phone: PersonalValueSchema,
});
export type PersonRegistered = z.infer<typeof PersonRegisteredV2>;

/** Someone came into the district from elsewhere: the quarantine context decides what follows. */
export const PersonArrivedV1 = z.object({
  personId: id,
  personName: recordedName,
  householdId: id,
  community: id,
  originProvince: z.string(),
  originCity: z.string(),
  arrivedOn: BusinessDateSchema,
  registration: RegistrationSchema.optional(),
});
export type PersonArrived = z.infer<typeof PersonArrivedV1>;

export const PersonMovedInV1 = z.object({
  personId: id,
  fromHouseholdId: id,
  householdId: id,
  community: id,
  movedInOn: BusinessDateSchema,
});
export type PersonMovedIn = z.infer<typeof PersonMovedInV1>;

export const PersonMovedOutV1 = z.object({
  personId: id,
  householdId: id,
  community: id,
  movedOutOn: BusinessDateSchema,
  destination: z.string().optional(),
});
export type PersonMovedOut = z.infer<typeof PersonMovedOutV1>;

export const ScreeningRecordedV1 = z.object({
  personId: id,
  screeningId: id,
  householdId: id,
  community: id,
  date: BusinessDateSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema),
  symptomNote: z.string().optional(),
  /** Abnormal: fever (≥ 37.3 °C) or any symptom. */
  result: ScreeningResultSchema,
  /** The staff member who visited, from their token. */
  visitedBy: id,
});
export type ScreeningRecorded = z.infer<typeof ScreeningRecordedV1>;

export const PassIssuedV1 = z.object({
  personId: id,
  passId: id,
  community: id,
  issuedOn: BusinessDateSchema,
  /** Last valid day, inclusive. */
  validUntil: BusinessDateSchema,
  /** The normal screening the pass rests on. */
  screeningId: id,
});
export type PassIssued = z.infer<typeof PassIssuedV1>;

export const PassRevokedV1 = z.object({
  personId: id,
  passId: id,
  reason: PassRevocationReasonSchema,
  note: z.string().optional(),
  revokedOn: BusinessDateSchema,
});
export type PassRevoked = z.infer<typeof PassRevokedV1>;

export const QuarantineMarkedV1 = z.object({
  personId: id,
  /** The home quarantine case in the quarantine context. */
  caseId: id,
  startDate: BusinessDateSchema,
  endDate: BusinessDateSchema.optional(),
});
export type QuarantineMarked = z.infer<typeof QuarantineMarkedV1>;

export const QuarantineClearedV1 = z.object({
  personId: id,
  caseId: id,
  endedOn: BusinessDateSchema,
  outcome: z.string().max(64),
});
export type QuarantineCleared = z.infer<typeof QuarantineClearedV1>;

/**
 * What the quarantine context decided about one of the person's arrivals (from
 * quarantine.arrival-assessed): a home quarantine case, or none and why. The arrival is the one with
 * the same date and origin (an arrival is recorded once per date and origin).
 */
export const QuarantineAssessedV1 = z.object({
  personId: id,
  arrivedOn: BusinessDateSchema,
  originProvince: z.string(),
  originCity: z.string(),
  outcome: ArrivalAssessmentOutcomeSchema,
  reason: ArrivalAssessmentReasonSchema,
  caseId: id.optional(),
  note: z.string().max(500),
  /** The quarantine.arrival-assessed event this records. */
  assessmentEventId: id,
});
export type QuarantineAssessed = z.infer<typeof QuarantineAssessedV1>;

/**
 * The person's key was deleted: their ID and phone numbers are unreadable everywhere from now on.
 * Holds no personal data itself; the rest of the person's history replays as before.
 */
export const PersonForgottenV1 = z.object({
  personId: id,
  community: id,
  reason: ForgetReasonSchema,
  forgottenOn: BusinessDateSchema,
});
export type PersonForgotten = z.infer<typeof PersonForgottenV1>;

/**
 * An ID number (身份证号) is taken by this person. Recorded on the stream `idNumber-<HMAC-SHA256 hex
 * of the upper-case ID number under the reservation key>` before the person's registration, with expected revision no-stream, so that
 * one ID number is registered once. Neither the stream name nor the data holds the ID number itself.
 */
export const IdNumberReservedV1 = z.object({ personId: id });
/**
 * Version 2: the person id is sealed with that person's key, so once they are forgotten the
 * reservation no longer says whose the number was (whoever holds the reservation key could otherwise
 * run ID numbers through the HMAC and land on the person's remaining history), and the number can be
 * registered anew. Version 1 (a clear id) upcasts unchanged.
 */
export const IdNumberReservedV2 = z.object({ personId: PersonalValueSchema });
export type IdNumberReserved = z.infer<typeof IdNumberReservedV2>;

export const residentsEvents = {
  'residents.household-registered': { version: 1, schema: HouseholdRegisteredV1 },
  'residents.rental-suspended': { version: 1, schema: RentalSuspendedV1 },
  'residents.rental-suspension-lifted': { version: 1, schema: RentalSuspensionLiftedV1 },
  'residents.person-registered': {
    version: 2,
    schema: PersonRegisteredV2,
    upcast: { 1: (data: unknown) => data },
  },
  'residents.person-arrived': { version: 1, schema: PersonArrivedV1 },
  'residents.person-moved-in': { version: 1, schema: PersonMovedInV1 },
  'residents.person-moved-out': { version: 1, schema: PersonMovedOutV1 },
  'residents.screening-recorded': { version: 1, schema: ScreeningRecordedV1 },
  'residents.pass-issued': { version: 1, schema: PassIssuedV1 },
  'residents.pass-revoked': { version: 1, schema: PassRevokedV1 },
  'residents.quarantine-marked': { version: 1, schema: QuarantineMarkedV1 },
  'residents.quarantine-cleared': { version: 1, schema: QuarantineClearedV1 },
  'residents.quarantine-assessed': { version: 1, schema: QuarantineAssessedV1 },
  'residents.id-number-reserved': {
    version: 2,
    schema: IdNumberReservedV2,
    upcast: { 1: (data: unknown) => data },
  },
  'residents.person-forgotten': { version: 1, schema: PersonForgottenV1 },
} as const satisfies Record<
  string,
  { version: number; schema: z.ZodType; upcast?: Record<number, (data: unknown) => unknown> }
>;

export type HouseholdEvent =
  | { type: 'residents.household-registered'; data: HouseholdRegistered }
  | { type: 'residents.rental-suspended'; data: RentalSuspended }
  | { type: 'residents.rental-suspension-lifted'; data: RentalSuspensionLifted };

export type PersonEvent =
  | { type: 'residents.person-registered'; data: PersonRegistered }
  | { type: 'residents.person-arrived'; data: PersonArrived }
  | { type: 'residents.person-moved-in'; data: PersonMovedIn }
  | { type: 'residents.person-moved-out'; data: PersonMovedOut }
  | { type: 'residents.screening-recorded'; data: ScreeningRecorded }
  | { type: 'residents.pass-issued'; data: PassIssued }
  | { type: 'residents.pass-revoked'; data: PassRevoked }
  | { type: 'residents.quarantine-marked'; data: QuarantineMarked }
  | { type: 'residents.quarantine-cleared'; data: QuarantineCleared }
  | { type: 'residents.quarantine-assessed'; data: QuarantineAssessed }
  | { type: 'residents.person-forgotten'; data: PersonForgotten };

export type IdNumberReservationEvent = {
  type: 'residents.id-number-reserved';
  data: IdNumberReserved;
};
