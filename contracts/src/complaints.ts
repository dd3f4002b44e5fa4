import { z } from 'zod';
import { ForgetReasonSchema } from './residents.ts';
import { BusinessDateSchema } from './quarantine.ts';
import { freeTextSchema, nameSchema } from './text.ts';

// Event and command schemas of the complaints context (投诉查处和回复). Complaints follow Open311 /
// FixMyStreet practice: a status with status notes (who, when), the agency responsible, the time a
// reply is expected by (replyDueAt) and the time of the last update.

export const COMPLAINT_CHANNELS = ['phone', 'wechat-group', 'in-person', 'letter'] as const;
export const ComplaintChannelSchema = z.enum(COMPLAINT_CHANNELS);
export type ComplaintChannel = z.infer<typeof ComplaintChannelSchema>;

export const COMPLAINT_CATEGORIES = [
  'illegal-rental',
  'quarantine-breach',
  'sanitation',
  'checkpoint-conduct',
  'supplies',
  'other',
] as const;
export const ComplaintCategorySchema = z.enum(COMPLAINT_CATEGORIES);
export type ComplaintCategory = z.infer<typeof ComplaintCategorySchema>;

export const COMPLAINT_STATUSES = [
  'received',
  'triaged',
  'investigating',
  'resolved',
  'closed',
] as const;
export const ComplaintStatusSchema = z.enum(COMPLAINT_STATUSES);
export type ComplaintStatus = z.infer<typeof ComplaintStatusSchema>;

export const RESOLUTIONS = [
  'substantiated',
  'unsubstantiated',
  'duplicate',
  'not-our-responsibility',
] as const;
export const ResolutionSchema = z.enum(RESOLUTIONS);
export type Resolution = z.infer<typeof ResolutionSchema>;

/** The unit responsible for a complaint (Open311 agency_responsible). */
export const AGENCIES = [
  'district',
  'community',
  'estate-officer',
  'police-station',
  'street-office',
  'property-management',
] as const;
export const AgencySchema = z.enum(AGENCIES);
export type Agency = z.infer<typeof AgencySchema>;

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const PrioritySchema = z.enum(PRIORITIES);

/**
 * How a reply reaches the reporter. `public-note` is for an anonymous reporter who left no contact:
 * the reply is posted as a public status note of the complaint instead of being sent.
 */
export const REPLY_CHANNELS = ['phone', 'wechat', 'in-person', 'letter', 'public-note'] as const;
export const ReplyChannelSchema = z.enum(REPLY_CHANNELS);
export type ReplyChannel = z.infer<typeof ReplyChannelSchema>;

/**
 * A property estate not yet under a community (物业小区), by id. Which estates exist, their names
 * and districts are the district's configuration (config/district.json), checked by the routes:
 * an event names an estate by id and replays whatever the configuration lists today.
 */
export const EstateSchema = z.string().trim().min(1).max(128);
export type Estate = z.infer<typeof EstateSchema>;

export const DESCRIPTION_MAX = 2000;
const id = z.string().trim().min(1).max(128);
/** A reporter's name as commands take it (see text.ts); events keep what was recorded. */
const name = nameSchema(100);
const recordedName = z.string().trim().min(1).max(100);
const timestamp = z.iso.datetime({ offset: true });
/** Mobile or landline numbers as people dictate them: digits, with an optional +, spaces or dashes. */
export const PhoneSchema = z
  .string()
  .trim()
  .regex(/^\+?\d[\d -]{4,19}$/, 'must be a phone number');
const text = (max: number) => freeTextSchema(max, { min: 1 });

/**
 * The reporter: named (name and phone), or anonymous. An anonymous reporter may still leave a phone
 * to be called back on without being named to anyone.
 */
export const ReporterSchema = z.discriminatedUnion('anonymous', [
  z.strictObject({ anonymous: z.literal(true), phone: PhoneSchema.optional() }),
  z.strictObject({ anonymous: z.literal(false), name, phone: PhoneSchema }),
]);
export type Reporter = z.infer<typeof ReporterSchema>;

/** A reporter as events recorded them, before names were cleaned. */
export const RecordedReporterSchema = z.discriminatedUnion('anonymous', [
  z.strictObject({ anonymous: z.literal(true), phone: z.string().optional() }),
  z.strictObject({ anonymous: z.literal(false), name: recordedName, phone: z.string() }),
]);

/** A reporter with no way to reach them: replies go out as public status notes and no reward can be paid. */
export const reporterContactable = (r: Reporter): boolean => !r.anonymous || r.phone !== undefined;

// ---- commands (what arrives over HTTP, before the service adds ids, actor and time) ----

export const FileComplaintSchema = z
  .strictObject({
    channel: ComplaintChannelSchema,
    category: ComplaintCategorySchema,
    /** Exactly one of community and estate. */
    community: id.optional(),
    estate: EstateSchema.optional(),
    description: text(DESCRIPTION_MAX),
    /** Where it happened, as the reporter describes it (address, landmark). */
    location: nameSchema(300).optional(),
    reporter: ReporterSchema,
    /** The household the complaint is about; for illegal-rental the host household, if the reporter knows it. */
    subjectHouseholdId: id.optional(),
    /** When the complaint reached the district (a letter read today may have arrived yesterday). */
    receivedAt: timestamp,
  })
  .superRefine((v, ctx) => {
    if ((v.community === undefined) === (v.estate === undefined)) {
      const message = 'give exactly one of community and estate';
      ctx.addIssue({
        code: 'custom',
        path: [v.community === undefined ? 'community' : 'estate'],
        message,
      });
    }
  });
export type FileComplaintInput = z.infer<typeof FileComplaintSchema>;

export const TriageComplaintSchema = z.strictObject({
  assignee: id,
  agency: AgencySchema,
  priority: PrioritySchema.default('normal'),
  note: text(500).optional(),
});
export type TriageComplaintInput = z.infer<typeof TriageComplaintSchema>;

export const AddInvestigationNoteSchema = z.strictObject({
  note: text(DESCRIPTION_MAX),
  /** When the step noted happened, if not now (a visit written up after returning). */
  at: timestamp.optional(),
});
export type AddInvestigationNoteInput = z.infer<typeof AddInvestigationNoteSchema>;

export const ResolveComplaintSchema = z.strictObject({
  resolution: ResolutionSchema,
  /** Required for a duplicate: the complaint it repeats. */
  duplicateOf: id.optional(),
  note: text(DESCRIPTION_MAX),
  /** Required for a substantiated illegal-rental report: the host household, which is fined. */
  householdId: id.optional(),
});
export type ResolveComplaintInput = z.infer<typeof ResolveComplaintSchema>;

export const ReplyToReporterSchema = z.strictObject({
  channel: ReplyChannelSchema,
  message: text(DESCRIPTION_MAX),
});
export type ReplyToReporterInput = z.infer<typeof ReplyToReporterSchema>;

export const CloseComplaintSchema = z.strictObject({ note: text(500).optional() });
export type CloseComplaintInput = z.infer<typeof CloseComplaintSchema>;

export const ReopenComplaintSchema = z.strictObject({ reason: text(1000) });
export type ReopenComplaintInput = z.infer<typeof ReopenComplaintSchema>;

// ---- events (data of the envelope) ----

/** Every event that changes the status carries the new status and its status note; who and when are in the envelope. */
const statusChange = {
  status: ComplaintStatusSchema,
  statusNote: z.string().min(1).max(DESCRIPTION_MAX),
};

export const ComplaintFiledV1 = z.object({
  complaintId: id,
  channel: ComplaintChannelSchema,
  category: ComplaintCategorySchema,
  community: id.optional(),
  estate: EstateSchema.optional(),
  /** The district an estate belongs to (absent for a community complaint). */
  district: id.optional(),
  description: z.string().max(DESCRIPTION_MAX),
  location: z.string().optional(),
  reporter: RecordedReporterSchema,
  subjectHouseholdId: id.optional(),
  receivedAt: timestamp,
  /** The reply-due policy in force for the category when the complaint was filed. */
  replyWithinHours: z.number().positive(),
  replyDueAt: timestamp,
  ...statusChange,
});
/**
 * Version 2: the reporter's phone is sealed (see personal.ts) with the key of that phone number's
 * own subject, so forgetting the reporter (or the resident with that phone) makes it unreadable.
 * The shape is unchanged (a string); the version says which it is.
 */
export const ComplaintFiledV2 = ComplaintFiledV1;
export type ComplaintFiled = z.infer<typeof ComplaintFiledV2>;

export const ComplaintTriagedV1 = z.object({
  complaintId: id,
  assignee: id,
  agency: AgencySchema,
  priority: PrioritySchema,
  /** Set when the complaint was already assigned: this is a reassignment. */
  previousAssignee: id.optional(),
  ...statusChange,
});
export type ComplaintTriaged = z.infer<typeof ComplaintTriagedV1>;

export const InvestigationNoteAddedV1 = z.object({
  complaintId: id,
  noteId: id,
  note: z.string().max(DESCRIPTION_MAX),
  at: timestamp,
  /** Present when this first note moved the complaint into investigation. */
  status: ComplaintStatusSchema.optional(),
  statusNote: z.string().optional(),
});
export type InvestigationNoteAdded = z.infer<typeof InvestigationNoteAddedV1>;

export const ComplaintResolvedV1 = z.object({
  complaintId: id,
  /** The community; for an estate complaint the estate id (estates are scoped like communities) and `estate` too. */
  community: id,
  estate: EstateSchema.optional(),
  category: ComplaintCategorySchema,
  resolution: ResolutionSchema,
  duplicateOf: id.optional(),
  /** For illegal-rental: the host household. */
  householdId: id.optional(),
  note: z.string().max(DESCRIPTION_MAX).optional(),
  /** A substantiated report whose reporter cannot be reached earns no reward: nobody to pay it to. */
  rewardWithheld: z.enum(['reporter-not-contactable']).optional(),
  ...statusChange,
});
export type ComplaintResolved = z.infer<typeof ComplaintResolvedV1>;

export const FineImposedV1 = z.object({
  complaintId: id,
  householdId: id,
  /** The fine in force when imposed (policy configuration). */
  amountYuan: z.number().int().positive(),
});
export type FineImposed = z.infer<typeof FineImposedV1>;

export const RewardGrantedV1 = z.object({
  complaintId: id,
  /** Absent for an anonymous reporter, who is paid through the contact they left. */
  reporterName: recordedName.optional(),
  amountYuan: z.number().int().positive(),
});
export type RewardGranted = z.infer<typeof RewardGrantedV1>;

export const WITHDRAWAL_REASONS = ['resolution-changed', 'household-corrected'] as const;

export const FineWithdrawnV1 = z.object({
  complaintId: id,
  householdId: id,
  amountYuan: z.number().int().positive(),
  reason: z.enum(WITHDRAWAL_REASONS),
});
export type FineWithdrawn = z.infer<typeof FineWithdrawnV1>;

export const RewardWithdrawnV1 = z.object({
  complaintId: id,
  reporterName: recordedName.optional(),
  amountYuan: z.number().int().positive(),
  reason: z.enum(WITHDRAWAL_REASONS),
});
export type RewardWithdrawn = z.infer<typeof RewardWithdrawnV1>;

export const ReporterRepliedV1 = z.object({
  complaintId: id,
  replyId: id,
  channel: ReplyChannelSchema,
  message: z.string().max(DESCRIPTION_MAX),
  at: timestamp,
  /** True when posted as a public status note (reporter without contact). */
  public: z.boolean(),
});
export type ReporterReplied = z.infer<typeof ReporterRepliedV1>;

export const ComplaintClosedV1 = z.object({ complaintId: id, ...statusChange });
export type ComplaintClosed = z.infer<typeof ComplaintClosedV1>;

export const ComplaintReopenedV1 = z.object({
  complaintId: id,
  reason: z.string().max(1000),
  /** The resolution that no longer stands; fines and rewards stay until the next resolution decides. */
  previousResolution: ResolutionSchema,
  ...statusChange,
});
export type ComplaintReopened = z.infer<typeof ComplaintReopenedV1>;

/** Forgetting a reporter by their phone number: every complaint's record of that phone becomes unreadable. */
export const ForgetReporterSchema = z.strictObject({
  phone: PhoneSchema,
  reason: ForgetReasonSchema,
});
export type ForgetReporterInput = z.infer<typeof ForgetReporterSchema>;

/**
 * A reporter was forgotten: the key of their phone number's subject is deleted. Recorded on the
 * stream `reporter-<subject>`; the subject is a keyed HMAC of the number, so the event names no one.
 */
export const ReporterForgottenV1 = z.object({
  subject: z.string().regex(/^phone-[0-9a-f]{64}$/),
  reason: ForgetReasonSchema,
  forgottenOn: BusinessDateSchema,
});
export type ReporterForgotten = z.infer<typeof ReporterForgottenV1>;

export const complaintsEvents = {
  'complaints.reporter-forgotten': { version: 1, schema: ReporterForgottenV1 },
  'complaints.complaint-filed': {
    version: 2,
    schema: ComplaintFiledV2,
    upcast: { 1: (data: unknown) => data },
  },
  'complaints.complaint-triaged': { version: 1, schema: ComplaintTriagedV1 },
  'complaints.investigation-note-added': { version: 1, schema: InvestigationNoteAddedV1 },
  'complaints.complaint-resolved': { version: 1, schema: ComplaintResolvedV1 },
  'complaints.fine-imposed': { version: 1, schema: FineImposedV1 },
  'complaints.reward-granted': { version: 1, schema: RewardGrantedV1 },
  'complaints.fine-withdrawn': { version: 1, schema: FineWithdrawnV1 },
  'complaints.reward-withdrawn': { version: 1, schema: RewardWithdrawnV1 },
  'complaints.reporter-replied': { version: 1, schema: ReporterRepliedV1 },
  'complaints.complaint-closed': { version: 1, schema: ComplaintClosedV1 },
  'complaints.complaint-reopened': { version: 1, schema: ComplaintReopenedV1 },
} as const satisfies Record<
  string,
  { version: number; schema: z.ZodType; upcast?: Record<number, (data: unknown) => unknown> }
>;

export type ComplaintEvent =
  | { type: 'complaints.complaint-filed'; data: ComplaintFiled }
  | { type: 'complaints.complaint-triaged'; data: ComplaintTriaged }
  | { type: 'complaints.investigation-note-added'; data: InvestigationNoteAdded }
  | { type: 'complaints.complaint-resolved'; data: ComplaintResolved }
  | { type: 'complaints.fine-imposed'; data: FineImposed }
  | { type: 'complaints.reward-granted'; data: RewardGranted }
  | { type: 'complaints.fine-withdrawn'; data: FineWithdrawn }
  | { type: 'complaints.reward-withdrawn'; data: RewardWithdrawn }
  | { type: 'complaints.reporter-replied'; data: ReporterReplied }
  | { type: 'complaints.complaint-closed'; data: ComplaintClosed }
  | { type: 'complaints.complaint-reopened'; data: ComplaintReopened };
