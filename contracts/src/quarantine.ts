import { z } from 'zod';
import { UUID_V7_PATTERN } from './ids.ts';
import { freeTextSchema, nameSchema } from './text.ts';

/** Business dates are calendar days in the district's time zone, written YYYY-MM-DD. */
export const BusinessDateSchema = z.iso.date();
export const SlotSchema = z.enum(['am', 'pm']);
export type Slot = z.infer<typeof SlotSchema>;

export const SYMPTOMS = [
  'cough',
  'sore-throat',
  'fatigue',
  'shortness-of-breath',
  'muscle-ache',
  'headache',
  'chills',
  'diarrhoea',
  'loss-of-taste-or-smell',
  'runny-nose',
  'other',
] as const;
export const SymptomSchema = z.enum(SYMPTOMS);
export type Symptom = z.infer<typeof SymptomSchema>;

export const REACHED_VIA = ['phone', 'wechat', 'visit'] as const;
export const ReachedViaSchema = z.enum(REACHED_VIA);
export type ReachedVia = z.infer<typeof ReachedViaSchema>;

/** Who took the temperature: the person, someone at home, the caller on a visit, a doctor or nurse. */
export const MEASURERS = ['self', 'household-member', 'caller', 'medical-staff'] as const;
/** Where it was taken; `unknown` for checks recorded before this was asked (version 1). */
export const THERMOMETER_SITES = ['axillary', 'oral', 'ear', 'forehead', 'unknown'] as const;
export const MeasuredBySchema = z.strictObject({
  who: z.enum(MEASURERS),
  site: z.enum(THERMOMETER_SITES),
});
export type MeasuredBy = z.infer<typeof MeasuredBySchema>;

/**
 * Who measured, when nobody said: on a visit the caller did, otherwise the person themselves. The
 * same rule upcasts version-1 checks, so old and new history read alike.
 */
export function defaultMeasuredBy(reachedVia: ReachedVia): MeasuredBy {
  return { who: reachedVia === 'visit' ? 'caller' : 'self', site: 'unknown' };
}

export const QUARANTINE_REASONS = [
  'arrival-from-risk-area',
  'close-contact',
  'symptoms-reported',
  'other',
] as const;
export const QuarantineReasonSchema = z.enum(QUARANTINE_REASONS);

// What counts as a fever and how long a home quarantine lasts are the district's configuration
// (feverThresholdC, quarantinePeriodDays in config/district.json); these bound any reading.
export const TEMPERATURE_MIN_C = 34.0;
export const TEMPERATURE_MAX_C = 43.0;

export const TemperatureSchema = z.number().min(TEMPERATURE_MIN_C).max(TEMPERATURE_MAX_C);

/** A fever: at or above the district's threshold (37.3 °C in Kutao). */
export const isFever = (temperatureC: number, feverThresholdC: number): boolean =>
  temperatureC >= feverThresholdC;

/** Abnormal, for a symptom check or a door-to-door screening: a fever or any symptom. */
export const isAbnormal = (
  temperatureC: number,
  symptoms: readonly string[],
  feverThresholdC: number,
): boolean => isFever(temperatureC, feverThresholdC) || symptoms.length > 0;
const id = z.string().min(1).max(128);
/** A person's or hospital's name as commands take it (see text.ts); events keep what was recorded. */
const name = nameSchema(100);
const recordedName = z.string().trim().min(1).max(100);
const shortText = freeTextSchema(500);

// ---- commands (what arrives over HTTP, before the service adds ids, actor and time) ----

export const StartHomeQuarantineSchema = z.strictObject({
  personId: id,
  personName: name,
  community: id,
  startDate: BusinessDateSchema,
  /** Days of home quarantine; the district's quarantinePeriodDays when absent. */
  periodDays: z.number().int().min(1).max(60).optional(),
  reason: QuarantineReasonSchema,
  reasonNote: shortText.optional(),
  assignedCaller: id,
});
export type StartHomeQuarantineInput = z.infer<typeof StartHomeQuarantineSchema>;

export const LogSymptomCheckSchema = z.strictObject({
  date: BusinessDateSchema,
  slot: SlotSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema).max(SYMPTOMS.length).default([]),
  symptomNote: shortText.optional(),
  reachedVia: ReachedViaSchema,
  /** Who took the temperature and where; by default as `defaultMeasuredBy` says. */
  measuredBy: MeasuredBySchema.optional(),
  /** When the caller reached the person, if not now: a check entered late keeps its real time. */
  checkedAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * The check's id, made by the client (a UUIDv7) so that a check sent again (a phone that lost
   * the answer, an offline queue) is recorded once: the same id for the same slot is answered 200
   * with the check already there; another id for a checked slot is SLOT_ALREADY_CHECKED.
   */
  checkId: z.string().regex(UUID_V7_PATTERN, 'must be a UUIDv7').optional(),
  /** Set to true to replace the check already logged for this slot. */
  correction: z.boolean().default(false),
  correctionReason: shortText.optional(),
});
export type LogSymptomCheckInput = z.infer<typeof LogSymptomCheckSchema>;

// ---- events (data of the envelope) ----

export const HomeQuarantineStartedV1 = z.object({
  caseId: id,
  personId: id,
  personName: recordedName,
  community: id,
  startDate: BusinessDateSchema,
  /** Last day of the period, inclusive. */
  endDate: BusinessDateSchema,
  periodDays: z.number().int().positive(),
  reason: QuarantineReasonSchema,
  reasonNote: z.string().optional(),
  assignedCaller: id,
  /** The event that made a policy start the case (e.g. residents.person-arrived); absent when started by hand. */
  sourceEventId: id.optional(),
});
export type HomeQuarantineStarted = z.infer<typeof HomeQuarantineStartedV1>;

const checkFields = {
  caseId: id,
  checkId: id,
  date: BusinessDateSchema,
  slot: SlotSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema),
  symptomNote: z.string().optional(),
  reachedVia: ReachedViaSchema,
  /** Fever (at or above the district's threshold when logged) or any symptom. */
  abnormal: z.boolean(),
};

export const SymptomCheckLoggedV1 = z.object(checkFields);
export type SymptomCheckLoggedV1Data = z.infer<typeof SymptomCheckLoggedV1>;

/**
 * Version 2 (2026-12): `reachedVia` is renamed `contactChannel` (how the caller reached the
 * person, not how the temperature was taken) and the check says who measured and where
 * (`measuredBy`). Corrections keep version 1's shape.
 */
const { reachedVia: _reachedVia, ...checkFieldsV2 } = checkFields;
export const SymptomCheckLoggedV2 = z.object({
  ...checkFieldsV2,
  contactChannel: ReachedViaSchema,
  measuredBy: MeasuredBySchema,
});
export type SymptomCheckLogged = z.infer<typeof SymptomCheckLoggedV2>;

/** Version 1 → 2: the field renamed, `measuredBy` as `defaultMeasuredBy` infers it (site unknown). */
export function upcastSymptomCheckLoggedV1(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('reachedVia' in data)) return data;
  const { reachedVia, ...rest } = data as { reachedVia: unknown };
  const parsed = ReachedViaSchema.safeParse(reachedVia);
  return {
    ...rest,
    contactChannel: reachedVia,
    ...(parsed.success ? { measuredBy: defaultMeasuredBy(parsed.data) } : {}),
  };
}

export const SymptomCheckCorrectedV1 = z.object({
  ...checkFields,
  /** The check this one replaces. */
  correctsCheckId: id,
  correctionReason: z.string().optional(),
});
export type SymptomCheckCorrected = z.infer<typeof SymptomCheckCorrectedV1>;

export const EscalationRaisedV1 = z.object({
  caseId: id,
  escalationId: id,
  checkId: id,
  date: BusinessDateSchema,
  slot: SlotSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema),
  reason: z.enum(['fever', 'symptoms', 'fever-and-symptoms']),
});
export type EscalationRaised = z.infer<typeof EscalationRaisedV1>;

export const CHECK_ATTEMPT_FAILURES = ['no-answer', 'phone-off', 'refused', 'other'] as const;
export const CheckAttemptFailureSchema = z.enum(CHECK_ATTEMPT_FAILURES);
export type CheckAttemptFailure = z.infer<typeof CheckAttemptFailureSchema>;

export const QUARANTINE_OUTCOMES = [
  'completed',
  'sent-to-hospital',
  'moved-away',
  'lost-to-follow-up',
] as const;
export const QuarantineOutcomeSchema = z.enum(QUARANTINE_OUTCOMES);
export type QuarantineOutcome = z.infer<typeof QuarantineOutcomeSchema>;

export const SUPPLY_ITEMS = ['thermometer', 'disinfectant', 'food', 'medicine', 'other'] as const;
export const SupplyItemSchema = z.enum(SUPPLY_ITEMS);
export type SupplyItem = z.infer<typeof SupplyItemSchema>;

export const DISINFECTION_PLACES = ['home', 'vehicle', 'street'] as const;
export const DisinfectionPlaceSchema = z.enum(DISINFECTION_PLACES);
export type DisinfectionPlace = z.infer<typeof DisinfectionPlaceSchema>;

export const CROSSING_DIRECTIONS = ['entry', 'exit'] as const;
export const CrossingDirectionSchema = z.enum(CROSSING_DIRECTIONS);

const instant = z.iso.datetime({ offset: true });
/** Why something was changed by hand: required, so the history says who changed what and why. */
const reasonText = freeTextSchema(500, { min: 1 });
const note = freeTextSchema(500);

// ---- more commands ----

export const RecordCheckAttemptFailedSchema = z.strictObject({
  date: BusinessDateSchema,
  slot: SlotSchema,
  reason: CheckAttemptFailureSchema,
  note: note.optional(),
  /** When the caller tried, if not now. */
  attemptedAt: instant.optional(),
});
export type RecordCheckAttemptFailedInput = z.infer<typeof RecordCheckAttemptFailedSchema>;

export const ReassignCallerSchema = z.strictObject({
  caller: id,
  reason: reasonText,
});
export type ReassignCallerInput = z.infer<typeof ReassignCallerSchema>;

export const ChangePeriodSchema = z.strictObject({
  /** The new last day of the period, inclusive. */
  newEndDate: BusinessDateSchema,
  reason: reasonText,
});
export type ChangePeriodInput = z.infer<typeof ChangePeriodSchema>;

export const EndHomeQuarantineSchema = z.strictObject({
  outcome: QuarantineOutcomeSchema,
  /** The day the case ended; today when absent. */
  endedOn: BusinessDateSchema.optional(),
  note: note.optional(),
});
export type EndHomeQuarantineInput = z.infer<typeof EndHomeQuarantineSchema>;

export const AcknowledgeEscalationSchema = z.strictObject({ note: note.optional() });
export const ReferEscalationSchema = z.strictObject({ hospital: name, note: note.optional() });
export const ResolveEscalationSchema = z.strictObject({ note: reasonText });

export const DeliverSuppliesSchema = z.strictObject({
  items: z
    .array(SupplyItemSchema)
    .min(1)
    .max(SUPPLY_ITEMS.length)
    .refine((items) => new Set(items).size === items.length, 'each item once'),
  note: note.optional(),
});
export type DeliverSuppliesInput = z.infer<typeof DeliverSuppliesSchema>;

export const RecordDisinfectionSchema = z.strictObject({
  place: DisinfectionPlaceSchema,
  note: note.optional(),
});
export type RecordDisinfectionInput = z.infer<typeof RecordDisinfectionSchema>;

// ---- more events ----

export const CallerReassignedV1 = z.object({
  caseId: id,
  previousCaller: id,
  newCaller: id,
  reason: z.string(),
});
export type CallerReassigned = z.infer<typeof CallerReassignedV1>;

export const PeriodChangedV1 = z.object({
  caseId: id,
  previousEndDate: BusinessDateSchema,
  newEndDate: BusinessDateSchema,
  /** Days from the start date to the new end date, inclusive. */
  periodDays: z.number().int().positive(),
  reason: z.string(),
});
export type PeriodChanged = z.infer<typeof PeriodChangedV1>;

export const HomeQuarantineEndedV1 = z.object({
  caseId: id,
  personId: id,
  community: id,
  outcome: QuarantineOutcomeSchema,
  endedOn: BusinessDateSchema,
  note: z.string().optional(),
});
export type HomeQuarantineEnded = z.infer<typeof HomeQuarantineEndedV1>;

/** The person could not be reached: recorded, but not a check; the slot stays open. */
export const CheckAttemptFailedV1 = z.object({
  caseId: id,
  attemptId: id,
  date: BusinessDateSchema,
  slot: SlotSchema,
  reason: CheckAttemptFailureSchema,
  note: z.string().optional(),
  attemptedAt: instant,
});
export type CheckAttemptFailed = z.infer<typeof CheckAttemptFailedV1>;

/** A slot whose window closed with no check; recorded once per case, date and slot by the scheduler. */
export const SymptomCheckMissedV1 = z.object({
  caseId: id,
  date: BusinessDateSchema,
  slot: SlotSchema,
});
export type SymptomCheckMissed = z.infer<typeof SymptomCheckMissedV1>;

export const EscalationAcknowledgedV1 = z.object({
  caseId: id,
  escalationId: id,
  by: id,
  at: instant,
  note: z.string().optional(),
});
export type EscalationAcknowledged = z.infer<typeof EscalationAcknowledgedV1>;

/**
 * An escalation nobody acknowledged within the configured time (FANGYI_ESCALATION_ACK_MINUTES,
 * default 30): recorded once per escalation by the escalation timer, so the alert reaches the
 * community lead and the history shows how long it waited.
 */
export const EscalationOverdueV1 = z.object({
  caseId: id,
  escalationId: id,
  /** When the escalation was raised (recorded). */
  raisedAt: instant,
  /** raisedAt plus the allowed time: when it became overdue. */
  dueAt: instant,
  overdueAfterMinutes: z.number().int().positive(),
});
export type EscalationOverdue = z.infer<typeof EscalationOverdueV1>;

export const EscalationReferredToHospitalV1 = z.object({
  caseId: id,
  escalationId: id,
  hospital: recordedName,
  by: id,
  at: instant,
  note: z.string().optional(),
});
export type EscalationReferredToHospital = z.infer<typeof EscalationReferredToHospitalV1>;

export const EscalationResolvedV1 = z.object({
  caseId: id,
  escalationId: id,
  note: z.string(),
  by: id,
  at: instant,
});
export type EscalationResolved = z.infer<typeof EscalationResolvedV1>;

export const SuppliesDeliveredV1 = z.object({
  caseId: id,
  deliveryId: id,
  items: z.array(SupplyItemSchema).min(1),
  note: z.string().optional(),
  deliveredAt: instant,
});
export type SuppliesDelivered = z.infer<typeof SuppliesDeliveredV1>;

export const DisinfectionRecordedV1 = z.object({
  caseId: id,
  disinfectionId: id,
  place: DisinfectionPlaceSchema,
  note: z.string().optional(),
  at: instant,
});
export type DisinfectionRecorded = z.infer<typeof DisinfectionRecordedV1>;

/** A checkpoint saw the person cross while under home quarantine (from checkpoints.quarantine-breach-recorded). */
export const BreachRecordedV1 = z.object({
  caseId: id,
  breachId: id,
  checkpointId: id,
  at: instant,
  direction: CrossingDirectionSchema,
  sourceEventId: id,
});
export type BreachRecorded = z.infer<typeof BreachRecordedV1>;

// ---- arrival assessments: what the arrival policy decided, and why ----

/** `home-quarantine-started`: a case was started for the arrival; `no-home-quarantine`: none, for the reason given. */
export const ARRIVAL_ASSESSMENT_OUTCOMES = [
  'home-quarantine-started',
  'no-home-quarantine',
] as const;
export const ArrivalAssessmentOutcomeSchema = z.enum(ARRIVAL_ASSESSMENT_OUTCOMES);
export type ArrivalAssessmentOutcome = z.infer<typeof ArrivalAssessmentOutcomeSchema>;

export const ARRIVAL_ASSESSMENT_REASONS = [
  /** From a configured risk area, within its period: a case is started. */
  'from-risk-area',
  'not-from-risk-area',
  /** From a risk area, but the period counted from the arrival has already run out. */
  'period-already-over',
  /** From a risk area, but the person already has a running case (named in caseId). */
  'already-under-quarantine',
] as const;
export const ArrivalAssessmentReasonSchema = z.enum(ARRIVAL_ASSESSMENT_REASONS);
export type ArrivalAssessmentReason = z.infer<typeof ArrivalAssessmentReasonSchema>;

/**
 * The arrival policy's decision on one residents.person-arrived, whichever it was, so that a
 * decision not to act is in the history too. Stream `arrivalAssessment-<id of the arrival event>`.
 */
export const ArrivalAssessedV1 = z.object({
  arrivalEventId: id,
  personId: id,
  community: id,
  arrivedOn: BusinessDateSchema,
  originProvince: z.string(),
  originCity: z.string(),
  outcome: ArrivalAssessmentOutcomeSchema,
  reason: ArrivalAssessmentReasonSchema,
  /** The case started, or the one already running. */
  caseId: id.optional(),
  /** The last day of the period counted from the arrival. */
  periodEndDate: BusinessDateSchema,
  /** For people: what was decided and why, in a sentence. */
  note: z.string().max(500),
});
export type ArrivalAssessed = z.infer<typeof ArrivalAssessedV1>;

export type ArrivalAssessmentEvent = { type: 'quarantine.arrival-assessed'; data: ArrivalAssessed };

/** The events of home quarantine case streams (`homeQuarantine-<caseId>`). */
const homeQuarantineCaseEvents = {
  'quarantine.home-quarantine-started': { version: 1, schema: HomeQuarantineStartedV1 },
  'quarantine.symptom-check-logged': {
    version: 2,
    schema: SymptomCheckLoggedV2,
    upcast: { 1: upcastSymptomCheckLoggedV1 },
  },
  'quarantine.symptom-check-corrected': { version: 1, schema: SymptomCheckCorrectedV1 },
  'quarantine.escalation-raised': { version: 1, schema: EscalationRaisedV1 },
  'quarantine.caller-reassigned': { version: 1, schema: CallerReassignedV1 },
  'quarantine.period-changed': { version: 1, schema: PeriodChangedV1 },
  'quarantine.home-quarantine-ended': { version: 1, schema: HomeQuarantineEndedV1 },
  'quarantine.check-attempt-failed': { version: 1, schema: CheckAttemptFailedV1 },
  'quarantine.symptom-check-missed': { version: 1, schema: SymptomCheckMissedV1 },
  'quarantine.escalation-acknowledged': { version: 1, schema: EscalationAcknowledgedV1 },
  'quarantine.escalation-overdue': { version: 1, schema: EscalationOverdueV1 },
  'quarantine.escalation-referred-to-hospital': {
    version: 1,
    schema: EscalationReferredToHospitalV1,
  },
  'quarantine.escalation-resolved': { version: 1, schema: EscalationResolvedV1 },
  'quarantine.supplies-delivered': { version: 1, schema: SuppliesDeliveredV1 },
  'quarantine.disinfection-recorded': { version: 1, schema: DisinfectionRecordedV1 },
  'quarantine.breach-recorded': { version: 1, schema: BreachRecordedV1 },
} as const;

export const quarantineEvents = {
  ...homeQuarantineCaseEvents,
  'quarantine.arrival-assessed': { version: 1, schema: ArrivalAssessedV1 },
} as const;

/** The types of the case streams' events (QuarantineEvent); arrival assessments are apart (ArrivalAssessmentEvent). */
export const QUARANTINE_EVENT_TYPES = Object.keys(
  homeQuarantineCaseEvents,
) as (keyof typeof homeQuarantineCaseEvents)[];

export type QuarantineEvent =
  | { type: 'quarantine.home-quarantine-started'; data: HomeQuarantineStarted }
  | { type: 'quarantine.symptom-check-logged'; data: SymptomCheckLogged }
  | { type: 'quarantine.symptom-check-corrected'; data: SymptomCheckCorrected }
  | { type: 'quarantine.escalation-raised'; data: EscalationRaised }
  | { type: 'quarantine.caller-reassigned'; data: CallerReassigned }
  | { type: 'quarantine.period-changed'; data: PeriodChanged }
  | { type: 'quarantine.home-quarantine-ended'; data: HomeQuarantineEnded }
  | { type: 'quarantine.check-attempt-failed'; data: CheckAttemptFailed }
  | { type: 'quarantine.symptom-check-missed'; data: SymptomCheckMissed }
  | { type: 'quarantine.escalation-acknowledged'; data: EscalationAcknowledged }
  | { type: 'quarantine.escalation-overdue'; data: EscalationOverdue }
  | { type: 'quarantine.escalation-referred-to-hospital'; data: EscalationReferredToHospital }
  | { type: 'quarantine.escalation-resolved'; data: EscalationResolved }
  | { type: 'quarantine.supplies-delivered'; data: SuppliesDelivered }
  | { type: 'quarantine.disinfection-recorded'; data: DisinfectionRecorded }
  | { type: 'quarantine.breach-recorded'; data: BreachRecorded };
