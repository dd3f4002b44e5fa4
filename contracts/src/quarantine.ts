import { z } from 'zod';

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

export const QUARANTINE_REASONS = ['arrival-from-risk-area', 'close-contact', 'symptoms-reported', 'other'] as const;
export const QuarantineReasonSchema = z.enum(QUARANTINE_REASONS);

/** 37.3 °C and above counts as fever. */
export const FEVER_THRESHOLD_C = 37.3;
export const TEMPERATURE_MIN_C = 34.0;
export const TEMPERATURE_MAX_C = 43.0;
export const DEFAULT_PERIOD_DAYS = 14;

export const TemperatureSchema = z.number().min(TEMPERATURE_MIN_C).max(TEMPERATURE_MAX_C);
const id = z.string().min(1).max(128);
const name = z.string().trim().min(1).max(100);

// ---- commands (what arrives over HTTP, before the service adds ids, actor and time) ----

export const StartHomeQuarantineSchema = z.strictObject({
  personId: id,
  personName: name,
  community: id,
  startDate: BusinessDateSchema,
  periodDays: z.number().int().min(1).max(60).default(DEFAULT_PERIOD_DAYS),
  reason: QuarantineReasonSchema,
  reasonNote: z.string().max(500).optional(),
  assignedCaller: id,
});
export type StartHomeQuarantineInput = z.infer<typeof StartHomeQuarantineSchema>;

export const LogSymptomCheckSchema = z.strictObject({
  date: BusinessDateSchema,
  slot: SlotSchema,
  temperatureC: TemperatureSchema,
  symptoms: z.array(SymptomSchema).max(SYMPTOMS.length).default([]),
  symptomNote: z.string().max(500).optional(),
  reachedVia: ReachedViaSchema,
  /** When the caller reached the person, if not now: a check entered late keeps its real time. */
  checkedAt: z.iso.datetime({ offset: true }).optional(),
  /** Set to true to replace the check already logged for this slot. */
  correction: z.boolean().default(false),
  correctionReason: z.string().max(500).optional(),
});
export type LogSymptomCheckInput = z.infer<typeof LogSymptomCheckSchema>;

// ---- events (data of the envelope) ----

export const HomeQuarantineStartedV1 = z.object({
  caseId: id,
  personId: id,
  personName: name,
  community: id,
  startDate: BusinessDateSchema,
  /** Last day of the period, inclusive. */
  endDate: BusinessDateSchema,
  periodDays: z.number().int().positive(),
  reason: QuarantineReasonSchema,
  reasonNote: z.string().optional(),
  assignedCaller: id,
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
  /** Fever (≥ 37.3 °C) or any symptom. */
  abnormal: z.boolean(),
};

export const SymptomCheckLoggedV1 = z.object(checkFields);
export type SymptomCheckLogged = z.infer<typeof SymptomCheckLoggedV1>;

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

export const quarantineEvents = {
  'quarantine.home-quarantine-started': { version: 1, schema: HomeQuarantineStartedV1 },
  'quarantine.symptom-check-logged': { version: 1, schema: SymptomCheckLoggedV1 },
  'quarantine.symptom-check-corrected': { version: 1, schema: SymptomCheckCorrectedV1 },
  'quarantine.escalation-raised': { version: 1, schema: EscalationRaisedV1 },
} as const;

export type QuarantineEvent =
  | { type: 'quarantine.home-quarantine-started'; data: HomeQuarantineStarted }
  | { type: 'quarantine.symptom-check-logged'; data: SymptomCheckLogged }
  | { type: 'quarantine.symptom-check-corrected'; data: SymptomCheckCorrected }
  | { type: 'quarantine.escalation-raised'; data: EscalationRaised };
