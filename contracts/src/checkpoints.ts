import { z } from 'zod';

// Event and command schemas of the checkpoints context.

export const checkpointsEvents = {} as const satisfies Record<string, { version: number; schema: z.ZodType }>;
