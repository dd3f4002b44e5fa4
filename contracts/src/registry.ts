import type { z } from 'zod';
import { EnvelopeSchema, type Envelope } from './envelope.ts';
import { checkpointsEvents } from './checkpoints.ts';
import { complaintsEvents } from './complaints.ts';
import { quarantineEvents } from './quarantine.ts';
import { residentsEvents } from './residents.ts';
import { staffEvents } from './staff.ts';

interface EventDefinition {
  /** The version producers write today. */
  readonly version: number;
  readonly schema: z.ZodType;
  /** Upcasters from older versions: upcast[n] turns version n data into version n + 1. */
  readonly upcast?: Readonly<Record<number, (data: unknown) => unknown>>;
}

const definitions: Readonly<Record<string, EventDefinition>> = {
  ...residentsEvents,
  ...quarantineEvents,
  ...checkpointsEvents,
  ...complaintsEvents,
  ...staffEvents,
};

export const KNOWN_EVENT_TYPES: readonly string[] = Object.keys(definitions);

export class EnvelopeValidationError extends Error {
  readonly issues: readonly { path: string; message: string }[];
  constructor(message: string, issues: readonly { path: string; message: string }[]) {
    super(message);
    this.name = 'EnvelopeValidationError';
    this.issues = issues;
  }
}

function issuesOf(error: z.ZodError, prefix: string) {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}

/**
 * Validates an envelope and its data against the registered schema, upcasting old versions
 * so that history recorded long ago replays into today's shape. Unknown types are rejected.
 */
export function parseEnvelope(raw: unknown): Envelope {
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success)
    throw new EnvelopeValidationError('invalid envelope', issuesOf(envelope.error, ''));
  const def = definitions[envelope.data.type];
  if (!def)
    throw new EnvelopeValidationError(`unknown event type ${envelope.data.type}`, [
      { path: 'type', message: 'unknown event type' },
    ]);
  let { schemaVersion } = envelope.data;
  if (schemaVersion > def.version) {
    throw new EnvelopeValidationError(
      `schemaVersion ${schemaVersion} is newer than this build knows (${def.version})`,
      [{ path: 'schemaVersion', message: 'newer than this build knows' }],
    );
  }
  let data = envelope.data.data;
  while (schemaVersion < def.version) {
    const up = def.upcast?.[schemaVersion];
    if (!up)
      throw new EnvelopeValidationError(`no upcaster for ${envelope.data.type} v${schemaVersion}`, [
        { path: 'schemaVersion', message: 'no upcaster' },
      ]);
    data = up(data);
    schemaVersion++;
  }
  const parsed = def.schema.safeParse(data);
  if (!parsed.success)
    throw new EnvelopeValidationError(
      `invalid data for ${envelope.data.type}`,
      issuesOf(parsed.error, 'data'),
    );
  return { ...envelope.data, schemaVersion, data: parsed.data };
}

/** The schema version producers write today for a type. */
export function currentVersionOf(eventType: string): number {
  const def = definitions[eventType];
  if (!def) throw new Error(`unknown event type ${eventType}`);
  return def.version;
}
