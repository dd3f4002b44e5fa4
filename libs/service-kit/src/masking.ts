import type { Role } from '@fangyi/contracts';

/**
 * Personal numbers by need. One table says which kinds of personal field each role reads in
 * clear; one function walks an answer and masks every field of the other kinds by its name; one
 * response hook (createServiceApp) applies it to every JSON answer of every route. No route masks
 * by hand. The one exception is a value a route marks with `revealed()`: it alone knows the
 * context a role-wide rule cannot see (a complaint handler's own complaint).
 */
export type PersonalKind = 'idNumber' | 'phone';

/** What each role reads in clear; a role not given a kind sees it masked. A new role must be listed here. */
export const CLEAR_BY_ROLE: Readonly<Record<Role, readonly PersonalKind[]>> = {
  // Registers people by their ID numbers and calls them.
  registrar: ['idNumber', 'phone'],
  // Calls the people of their cases twice a day; has no use for their ID numbers.
  caller: ['phone'],
  admin: ['idNumber', 'phone'],
  'checkpoint-staff': [],
  // Sees a reporter's phone only on their own complaints, through revealed() in the complaint routes.
  'complaint-handler': [],
  'report-officer': [],
  analyst: [],
  system: [],
};

/** Field names, wherever they appear in an answer, and the kind each one is. */
export const PERSONAL_FIELDS: Readonly<Record<string, PersonalKind>> = {
  idNumber: 'idNumber',
  // The ID number holds the birth date (digits 7–14): it goes with it.
  birthDate: 'idNumber',
  phone: 'phone',
  reporterPhone: 'phone',
  contactPhone: 'phone',
};

/** 370202199001011234 → 3702**********1234 */
export function maskIdNumber(value: string): string {
  return value.length <= 8
    ? '*'.repeat(value.length)
    : `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

/** 13912345678 → 139****5678 */
export function maskPhone(value: string): string {
  return value.length <= 7
    ? '*'.repeat(value.length)
    : `${value.slice(0, 3)}${'*'.repeat(value.length - 7)}${value.slice(-4)}`;
}

/** How one field is masked: its value, made unreadable. Anything that is not a string is not shown at all. */
function maskField(name: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value !== 'string') return null;
  if (name === 'birthDate') return null;
  return PERSONAL_FIELDS[name] === 'idNumber' ? maskIdNumber(value) : maskPhone(value);
}

const REVEALED: unique symbol = Symbol('fangyi.revealed');

/**
 * A personal value a route has decided this user may read in clear in this answer. The response
 * hook unwraps it; serialized any other way it is `{}`, so a forgotten hook leaks nothing.
 */
export interface Revealed<T> {
  readonly [REVEALED]: T;
}

export function revealed<T>(value: T): Revealed<T> {
  return { [REVEALED]: value };
}

const isRevealed = (value: unknown): value is Revealed<unknown> =>
  typeof value === 'object' && value !== null && REVEALED in value;

export interface MaskPolicy {
  readonly clear: ReadonlySet<PersonalKind>;
}

export const maskPolicyFor = (role: Role): MaskPolicy => ({
  clear: new Set(CLEAR_BY_ROLE[role] ?? []),
});

/** Nothing in clear: for an answer whose reader is not known. */
export const MASK_ALL: MaskPolicy = { clear: new Set() };

/**
 * The JSON answer with each personal field the policy does not clear masked, at any depth (event
 * data in a history, items of a list). Revealed values are unwrapped and kept. The answer itself is
 * never changed (it may be a read model's own document): a part with something to mask or unwrap
 * is copied, and a part with nothing is returned as it is, so a page of documents without personal
 * fields costs a walk, not a copy (the copy was a tenth of a roster page's CPU).
 */
export function maskAnswer(value: unknown, policy: MaskPolicy): unknown {
  return walk(value, policy);
}

function walk(value: unknown, policy: MaskPolicy): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isRevealed(value)) return walk(value[REVEALED], MASK_NOTHING);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(value), policy);
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const w = walk(v, policy);
      if (copy === null && w !== v) copy = value.slice(0, i);
      copy?.push(w);
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let copy: [string, unknown][] | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = record[key];
    const kind = Object.hasOwn(PERSONAL_FIELDS, key) ? PERSONAL_FIELDS[key] : undefined;
    const w =
      kind === undefined || isRevealed(v) || policy.clear.has(kind)
        ? walk(v, policy)
        : maskField(key, v);
    if (copy === null && w !== v) copy = keys.slice(0, i).map((k) => [k, record[k]]);
    copy?.push([key, w]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
  return copy === null ? value : Object.fromEntries(copy);
}

const MASK_NOTHING: MaskPolicy = { clear: new Set(['idNumber', 'phone']) };
