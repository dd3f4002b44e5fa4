import { z } from 'zod';

// Event and command schemas of the complaints context.

export const complaintsEvents = {} as const satisfies Record<string, { version: number; schema: z.ZodType }>;
