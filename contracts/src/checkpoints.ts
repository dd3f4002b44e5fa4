import { z } from 'zod';
import { IdNumberSchema, RecordedIdNumberSchema } from './idNumber.ts';
import { PersonalValueSchema } from './personal.ts';
import { BusinessDateSchema, TemperatureSchema } from './quarantine.ts';
import { freeTextSchema, nameSchema } from './text.ts';

// Event and command schemas of the checkpoints context (卡口): checkpoints, their shifts,
// and the crossings, refusals (劝返) and quarantine breaches recorded at them.

const id = z.string().min(1).max(128);
/** Names of checkpoints, places and people as commands take them (see text.ts); events keep what was recorded. */
const name = nameSchema(100);
const recordedName = z.string().trim().min(1).max(100);
const instant = z.iso.datetime({ offset: true });

export const CHECKPOINT_KINDS = ['road', 'alley', 'estate-gate'] as const;
export const CheckpointKindSchema = z.enum(CHECKPOINT_KINDS);
export type CheckpointKind = z.infer<typeof CheckpointKindSchema>;

export const STAFF_ROLES = ['community-staff', 'police', 'volunteer', 'property'] as const;
export const StaffRoleSchema = z.enum(STAFF_ROLES);

export const REFUSAL_REASONS = [
  'no-pass',
  'fever',
  'outside-person',
  'quarantined',
  'other',
] as const;
export const RefusalReasonSchema = z.enum(REFUSAL_REASONS);
export type RefusalReason = z.infer<typeof RefusalReasonSchema>;

export const DIRECTIONS = ['entry', 'exit'] as const;
export const DirectionSchema = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof DirectionSchema>;

/**
 * A checkpoint may be run jointly by communities of two districts (Kutao's and Nanzhang of
 * Zhangcunhe), so each community of a checkpoint is recorded with its district, as the district's
 * configuration (config/district.json) placed it when the checkpoint was opened.
 */
export const CheckpointCommunitySchema = z.object({ community: id, district: id });
export type CheckpointCommunity = z.infer<typeof CheckpointCommunitySchema>;

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

// ---- commands (what arrives over HTTP, before the service adds ids, actor and time) ----

const checkpointFields = {
  name,
  location: nameSchema(200),
  kind: CheckpointKindSchema,
  /** Hours a day the checkpoint must be staffed; Zhangcun's east and west gates: 24. */
  staffedHours: z.number().int().min(1).max(24).default(24),
};

export const OpenCheckpointSchema = z.strictObject({
  ...checkpointFields,
  communities: z.array(id).min(1).max(20).refine(distinct, 'communities must not repeat'),
});
export type OpenCheckpointInput = z.infer<typeof OpenCheckpointSchema>;

export const MergeCheckpointsSchema = z.strictObject({
  /** Chosen by the client so that a retry of a half-done merge completes it instead of opening a second one. */
  checkpointId: z.uuid(),
  sources: z.array(id).min(2).max(20).refine(distinct, 'sources must not repeat'),
  ...checkpointFields,
});
export type MergeCheckpointsInput = z.infer<typeof MergeCheckpointsSchema>;

export const CloseCheckpointSchema = z.strictObject({ reason: freeTextSchema(500, { min: 1 }) });
export type CloseCheckpointInput = z.infer<typeof CloseCheckpointSchema>;

export const ShiftStaffSchema = z.strictObject({ id, name, community: id, role: StaffRoleSchema });
export type ShiftStaff = z.infer<typeof ShiftStaffSchema>;

export const StartShiftSchema = z.strictObject({
  staff: z.array(ShiftStaffSchema).min(1).max(50),
  startedAt: instant,
  /** Hands over from the shift on duty in the same step: it ends when this one starts, leaving no gap. */
  handoverNote: freeTextSchema(1000, { min: 1 }).optional(),
});
export type StartShiftInput = z.infer<typeof StartShiftSchema>;

export const EndShiftSchema = z.strictObject({
  endedAt: instant,
  handoverNote: freeTextSchema(1000),
});
export type EndShiftInput = z.infer<typeof EndShiftSchema>;

const personFields = {
  personId: id.optional(),
  name: name.optional(),
  idNumber: IdNumberSchema.optional(),
};

export const RecordCrossingSchema = z
  .strictObject({
    ...personFields,
    temperatureC: TemperatureSchema,
    /** A pass number as typed; cleaned like a name so that it can be matched. */
    passNumber: nameSchema(64).optional(),
    /** As checked by the staff at the gate. */
    passValid: z.boolean(),
    at: instant,
    /**
     * Chosen by the client so that resending the same crossing (no answer on a poor connection)
     * records it once: the same id with the same content answers with the crossing already recorded.
     * Unique per checkpoint and business day (the day's stream remembers it); absent: the server makes one.
     */
    crossingId: z.uuid().optional(),
  })
  .refine((c) => c.personId !== undefined || c.name !== undefined || c.idNumber !== undefined, {
    path: ['personId'],
    message: 'give personId, name or idNumber: a crossing must say who crossed',
  });
export type RecordCrossingInput = z.infer<typeof RecordCrossingSchema>;

export const RecordRefusalSchema = z.strictObject({
  ...personFields,
  reason: RefusalReasonSchema,
  note: freeTextSchema(500),
  at: instant,
  /** The entry being turned back, e.g. one recorded with a fever; it must be one of the same day's. */
  crossingId: id.optional(),
  /** The refusal's own id, chosen by the client so that a resend records it once; as `crossingId` of a crossing. */
  refusalId: z.uuid().optional(),
});
export type RecordRefusalInput = z.infer<typeof RecordRefusalSchema>;

// ---- events (data of the envelope) ----

export const CheckpointOpenedV1 = z.object({
  checkpointId: id,
  name: recordedName,
  location: z.string(),
  communities: z.array(CheckpointCommunitySchema).min(1),
  kind: CheckpointKindSchema,
  staffedHours: z.number().int().min(1).max(24),
  /** Set when this checkpoint replaces several: the merged-from checkpoints are closed into it. */
  mergedFrom: z.array(id).optional(),
  openedAt: instant,
});
export type CheckpointOpened = z.infer<typeof CheckpointOpenedV1>;

export const CheckpointMergedIntoV1 = z.object({
  checkpointId: id,
  mergedInto: id,
  closedAt: instant,
});
export type CheckpointMergedInto = z.infer<typeof CheckpointMergedIntoV1>;

export const CheckpointClosedV1 = z.object({
  checkpointId: id,
  reason: z.string(),
  closedAt: instant,
});
export type CheckpointClosed = z.infer<typeof CheckpointClosedV1>;

export const ShiftStartedV1 = z.object({
  checkpointId: id,
  shiftId: id,
  staff: z.array(z.object({ id, name: recordedName, community: id, role: StaffRoleSchema })).min(1),
  startedAt: instant,
});
export type ShiftStarted = z.infer<typeof ShiftStartedV1>;

export const ShiftEndedV1 = z.object({
  checkpointId: id,
  shiftId: id,
  endedAt: instant,
  handoverNote: z.string(),
});
export type ShiftEnded = z.infer<typeof ShiftEndedV1>;

const crossingFields = {
  checkpointId: id,
  crossingId: id,
  shiftId: id,
  /** The business day of `at`, which names the crossing stream. */
  date: BusinessDateSchema,
  personId: id.optional(),
  name: recordedName.optional(),
  idNumber: RecordedIdNumberSchema.optional(),
  temperatureC: TemperatureSchema,
  /** 37.3 °C and above: an entry with a fever is recorded, and the staff must then send a refusal. */
  fever: z.boolean(),
  passNumber: z.string().optional(),
  passValid: z.boolean(),
  at: instant,
  /** Set when neither a registered person nor an issued pass was named: the name and ID number are as told at the gate. */
  unidentified: z.literal(true).optional(),
};
export const EntryRecordedV1 = z.object(crossingFields);
export const ExitRecordedV1 = z.object(crossingFields);
/**
 * Version 2: an ID number typed at the gate is sealed (see personal.ts) with the key of that
 * number's own subject, so forgetting whoever holds it makes it unreadable in every crossing.
 * Version 1 data is valid version 2 data (a clear number opens as it is) until the migration seals it.
 */
const crossingFieldsV2 = { ...crossingFields, idNumber: PersonalValueSchema.optional() };
export const EntryRecordedV2 = z.object(crossingFieldsV2);
export type EntryRecorded = z.infer<typeof EntryRecordedV2>;
export const ExitRecordedV2 = z.object(crossingFieldsV2);
export type ExitRecorded = z.infer<typeof ExitRecordedV2>;

export const RefusalRecordedV1 = z.object({
  checkpointId: id,
  refusalId: id,
  shiftId: id,
  date: BusinessDateSchema,
  personId: id.optional(),
  name: recordedName.optional(),
  idNumber: RecordedIdNumberSchema.optional(),
  reason: RefusalReasonSchema,
  note: z.string(),
  crossingId: id.optional(),
  at: instant,
});
/** Version 2: the ID number sealed, as for crossings. */
export const RefusalRecordedV2 = RefusalRecordedV1.extend({
  idNumber: PersonalValueSchema.optional(),
});
export type RefusalRecorded = z.infer<typeof RefusalRecordedV2>;

export const QuarantineBreachRecordedV1 = z.object({
  breachId: id,
  checkpointId: id,
  crossingId: id,
  personId: id,
  caseId: id.optional(),
  direction: DirectionSchema,
  at: instant,
});
export type QuarantineBreachRecorded = z.infer<typeof QuarantineBreachRecordedV1>;

export const checkpointsEvents = {
  'checkpoints.checkpoint-opened': { version: 1, schema: CheckpointOpenedV1 },
  'checkpoints.checkpoint-merged-into': { version: 1, schema: CheckpointMergedIntoV1 },
  'checkpoints.checkpoint-closed': { version: 1, schema: CheckpointClosedV1 },
  'checkpoints.shift-started': { version: 1, schema: ShiftStartedV1 },
  'checkpoints.shift-ended': { version: 1, schema: ShiftEndedV1 },
  'checkpoints.entry-recorded': {
    version: 2,
    schema: EntryRecordedV2,
    upcast: { 1: (data: unknown) => data },
  },
  'checkpoints.exit-recorded': {
    version: 2,
    schema: ExitRecordedV2,
    upcast: { 1: (data: unknown) => data },
  },
  'checkpoints.refusal-recorded': {
    version: 2,
    schema: RefusalRecordedV2,
    upcast: { 1: (data: unknown) => data },
  },
  'checkpoints.quarantine-breach-recorded': { version: 1, schema: QuarantineBreachRecordedV1 },
} as const satisfies Record<
  string,
  { version: number; schema: z.ZodType; upcast?: Record<number, (data: unknown) => unknown> }
>;

export type CheckpointEvent =
  | { type: 'checkpoints.checkpoint-opened'; data: CheckpointOpened }
  | { type: 'checkpoints.checkpoint-merged-into'; data: CheckpointMergedInto }
  | { type: 'checkpoints.checkpoint-closed'; data: CheckpointClosed }
  | { type: 'checkpoints.shift-started'; data: ShiftStarted }
  | { type: 'checkpoints.shift-ended'; data: ShiftEnded };

export type CrossingEvent =
  | { type: 'checkpoints.entry-recorded'; data: EntryRecorded }
  | { type: 'checkpoints.exit-recorded'; data: ExitRecorded }
  | { type: 'checkpoints.refusal-recorded'; data: RefusalRecorded }
  | { type: 'checkpoints.quarantine-breach-recorded'; data: QuarantineBreachRecorded };
