import { z } from 'zod';
import { RoleSchema } from './envelope.ts';
import { freeTextSchema, nameSchema } from './text.ts';

/**
 * Staff accounts (工作人员账号): who may sign in to the console, with which role and in which
 * communities. An admin creates them, disables and enables them and resets their password.
 * The login name is the account's id and the user id every event records as the actor.
 */
export const LoginNameSchema = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9_.-]*$/,
    'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
  );
/** Every role but the system's own, which no person signs in as. */
export const StaffAccountRoleSchema = RoleSchema.exclude(['system']);
export type StaffAccountRole = z.infer<typeof StaffAccountRoleSchema>;
const community = z
  .string()
  .regex(/^(\*|[a-z0-9][a-z0-9-]{0,63})$/, 'a community or estate id, or * for all');
export const StaffCommunitiesSchema = z.array(community).min(1).max(50);
/** Long enough to resist guessing, short enough to type on a phone; any characters. */
export const PasswordSchema = z.string().min(10, 'at least 10 characters').max(200);

// ---- commands ----

export const CreateStaffAccountSchema = z.strictObject({
  loginName: LoginNameSchema,
  displayName: nameSchema(100),
  role: StaffAccountRoleSchema,
  communities: StaffCommunitiesSchema,
  password: PasswordSchema,
});
export type CreateStaffAccountInput = z.infer<typeof CreateStaffAccountSchema>;
export const DisableStaffAccountSchema = z.strictObject({
  reason: freeTextSchema(300, { min: 1 }),
});
export const EnableStaffAccountSchema = z.strictObject({});
export const ResetStaffPasswordSchema = z.strictObject({ password: PasswordSchema });
export const SignInSchema = z.strictObject({
  loginName: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
});

// ---- events ----

/** A salted scrypt hash (`scrypt$N$r$p$salt$hash`, base64url): never the password. */
const passwordHash = z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);

export const StaffAccountCreatedV1 = z.object({
  loginName: LoginNameSchema,
  displayName: z.string().min(1).max(100),
  role: StaffAccountRoleSchema,
  communities: StaffCommunitiesSchema,
  passwordHash,
});
export const StaffAccountDisabledV1 = z.object({
  loginName: LoginNameSchema,
  reason: z.string().min(1).max(300),
});
export const StaffAccountEnabledV1 = z.object({ loginName: LoginNameSchema });
export const StaffPasswordResetV1 = z.object({ loginName: LoginNameSchema, passwordHash });

export type StaffEvent =
  | { type: 'staff.account-created'; data: z.infer<typeof StaffAccountCreatedV1> }
  | { type: 'staff.account-disabled'; data: z.infer<typeof StaffAccountDisabledV1> }
  | { type: 'staff.account-enabled'; data: z.infer<typeof StaffAccountEnabledV1> }
  | { type: 'staff.password-reset'; data: z.infer<typeof StaffPasswordResetV1> };

export const staffEvents = {
  'staff.account-created': { version: 1, schema: StaffAccountCreatedV1 },
  'staff.account-disabled': { version: 1, schema: StaffAccountDisabledV1 },
  'staff.account-enabled': { version: 1, schema: StaffAccountEnabledV1 },
  'staff.password-reset': { version: 1, schema: StaffPasswordResetV1 },
} as const;
