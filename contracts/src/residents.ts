import { z } from 'zod';

// Event and command schemas of the residents context.

export const residentsEvents = {} as const satisfies Record<string, { version: number; schema: z.ZodType }>;
