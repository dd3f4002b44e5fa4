import { z } from 'zod';
import { UUID_V7_PATTERN } from './ids.ts';

export const ROLES = [
  'registrar',
  'caller',
  'checkpoint-staff',
  'complaint-handler',
  'report-officer',
  'analyst',
  'admin',
  'system',
] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const ActorSchema = z.object({
  id: z.string().min(1).max(128),
  role: RoleSchema,
});
export type Actor = z.infer<typeof ActorSchema>;

export const EventIdSchema = z.string().regex(UUID_V7_PATTERN, 'must be a UUIDv7');
export const EventTypeSchema = z
  .string()
  .regex(/^[a-z]+\.[a-z0-9-]+$/, 'must look like context.event-name');
const timestamp = z.iso.datetime({ offset: true });
/** version-traceid-parentid-flags, lower-case hex (https://www.w3.org/TR/trace-context/#traceparent-header). */
export const TraceparentSchema = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/** Every event, whatever its context, travels in this envelope: in the event store, on Kafka, into projections. */
export const EnvelopeSchema = z.object({
  id: EventIdSchema,
  type: EventTypeSchema,
  schemaVersion: z.number().int().positive(),
  streamId: z.string().min(1).max(200),
  streamRevision: z.number().int().nonnegative(),
  /** When it happened in the world: a check logged late still belongs to its slot. */
  occurredAt: timestamp,
  /** When the system learned it (set by the event store at append). */
  recordedAt: timestamp,
  actor: ActorSchema,
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  data: z.unknown(),
  /**
   * The W3C trace context (traceparent header) of the work that recorded the event, when it was
   * traced: the relay and the consumers continue that trace. Events recorded before it have none.
   */
  traceparent: TraceparentSchema.optional(),
});
export type Envelope<TData = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'data'> & {
  data: TData;
};

/** The part of an envelope a service supplies; the store adds streamId, streamRevision and recordedAt. */
export type NewEvent<TData = unknown> = Omit<
  Envelope<TData>,
  'streamId' | 'streamRevision' | 'recordedAt'
>;

/** `quarantine.symptom-check-logged` → `quarantine`. */
export function contextOf(eventType: string): string {
  const dot = eventType.indexOf('.');
  return dot < 0 ? eventType : eventType.slice(0, dot);
}
