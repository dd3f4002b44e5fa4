import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { SEALED_PATTERN, SEALED_PREFIX, isSealed, sealedSubject } from '@fangyi/contracts';
import { openPersonalKeys, type PersonalKeyStore } from '@fangyi/eventstore';

// Crypto-shredding: each person's ID and phone numbers are sealed (AES-256-GCM) with a data key of
// their own, kept in the key table beside the events and wrapped there with the master key; deleting
// the data key forgets the person wherever their events went. Only node:crypto.

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const WRAPPED_PREFIX = 'w1:';
const SUBJECT = /^[A-Za-z0-9._-]{1,128}$/;

const b64 = (bytes: Buffer): string => bytes.toString('base64url');
const unb64 = (text: string): Buffer => Buffer.from(text, 'base64url');

/** A sealed value was changed, sealed for another subject, or is opened with the wrong key. */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedValueError';
  }
}

/** A 32-byte key from configuration: base64 or base64url of exactly 32 bytes. */
export function parseKey(text: string, name: string): Buffer {
  const key = Buffer.from(text.trim().replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES)
    throw new Error(
      `${name} must be ${KEY_BYTES} bytes, base64 (openssl rand -base64 32); it has ${key.length}`,
    );
  return key;
}

function encrypt(
  key: Buffer,
  plaintext: Buffer,
  aad: string,
  iv: Buffer,
): { ct: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ct, tag: cipher.getAuthTag() };
}

function decrypt(key: Buffer, iv: Buffer, ct: Buffer, tag: Buffer, aad: string): Buffer {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new SealedValueError(
      'the sealed value does not open: changed, moved to another subject, or the wrong key',
    );
  }
}

/**
 * Seals a value for a subject with its data key: `enc:v1:<subject>:<iv>:<ct>:<tag>`. The subject and
 * version are the associated data, so a value copied into another person's event does not open.
 */
export function sealWith(
  dataKey: Buffer,
  subject: string,
  plaintext: string,
  iv: Buffer = randomBytes(IV_BYTES),
): string {
  if (!SUBJECT.test(subject))
    throw new Error(
      `a subject is 1–128 letters, digits, '.', '_' or '-': ${JSON.stringify(subject)}`,
    );
  const head = `${SEALED_PREFIX}${subject}`;
  const { ct, tag } = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), head, iv);
  return `${head}:${b64(iv)}:${b64(ct)}:${b64(tag)}`;
}

/** Opens a sealed value with its subject's data key; throws {@link SealedValueError} when it does not open. */
export function openWith(dataKey: Buffer, sealed: string): string {
  if (!SEALED_PATTERN.test(sealed)) throw new SealedValueError('not a sealed value');
  const [, , subject, iv, ct, tag] = sealed.split(':') as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return decrypt(dataKey, unb64(iv), unb64(ct), unb64(tag), `${SEALED_PREFIX}${subject}`).toString(
    'utf8',
  );
}

/** A data key as the key table holds it: encrypted with the master key, bound to its subject. */
export function wrapKey(masterKey: Buffer, subject: string, dataKey: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const { ct, tag } = encrypt(masterKey, dataKey, `key:${subject}`, iv);
  return `${WRAPPED_PREFIX}${b64(iv)}:${b64(ct)}:${b64(tag)}`;
}

export function unwrapKey(masterKey: Buffer, subject: string, wrapped: string): Buffer {
  if (!wrapped.startsWith(WRAPPED_PREFIX)) throw new SealedValueError('not a wrapped key');
  const [iv, ct, tag] = wrapped.slice(WRAPPED_PREFIX.length).split(':') as [string, string, string];
  return decrypt(masterKey, unb64(iv), unb64(ct), unb64(tag), `key:${subject}`);
}

/**
 * The stream name of an ID number's reservation: HMAC-SHA256 under a key of its own, so that a
 * dictionary of valid ID numbers cannot be run against the stream names without that key.
 */
export function reservationDigest(reservationKey: Buffer, normalisedIdNumber: string): string {
  return createHmac('sha256', reservationKey).update(normalisedIdNumber, 'utf8').digest('hex');
}

/** The form an ID number is compared and named in: trimmed, upper-case X. */
export const normaliseIdNumber = (idNumber: string): string => idNumber.trim().toUpperCase();

/** The form a phone number is named in: digits only (spaces, dashes and a leading + dropped). */
export const normalisePhone = (phone: string): string => phone.replace(/\D/g, '');

/**
 * The subject that stands for whoever holds an ID number, for the places that record a number
 * typed in without knowing whose it is (a crossing at a checkpoint): the number is sealed with this
 * subject's key, and forgetting the person who holds the number deletes it with theirs. Named by
 * the same keyed HMAC as the number's reservation, so the name gives nothing away.
 */
export const idNumberSubject = (namingKey: Buffer, idNumber: string): string =>
  `idNumber-${reservationDigest(namingKey, normaliseIdNumber(idNumber))}`;

/** The same for a phone number (a complaint's reporter): forgetting the reporter, or the person with that phone, deletes it. */
export const phoneSubject = (namingKey: Buffer, phone: string): string =>
  `phone-${reservationDigest(namingKey, normalisePhone(phone))}`;

/** Seals and opens personal values; forgetting a subject deletes its key. */
export interface PersonalDataVault {
  /** Seals the value with the subject's key, made on first use. */
  seal(subject: string, plaintext: string): Promise<string>;
  /** Seals several values of one subject with one visit to the key table. */
  sealAll(subject: string, plaintexts: readonly string[]): Promise<string[]>;
  /**
   * Seals so that the same value of the same subject always seals alike (the IV is an HMAC of the
   * value under the subject's key, as in SIV): a resent command compares equal to what was
   * recorded. It shows only that two sealed values of one subject are equal, which the subject
   * (an ID or phone number's own) tells anyway.
   */
  sealStable(subject: string, plaintext: string): Promise<string>;
  /**
   * The value in clear: a clear value (history not yet migrated) as it is, a sealed one opened, null
   * when its subject was forgotten. Throws {@link SealedValueError} for a value that was tampered with.
   */
  open(value: string): Promise<string | null>;
  /** The same for many values at once, with one read of the key table. */
  openAll(values: readonly string[]): Promise<(string | null)[]>;
  /** Deletes the subject's key; true if there was one. */
  forget(subject: string): Promise<boolean>;
  /** Whether the subject still has a key. */
  has(subject: string): Promise<boolean>;
}

export interface VaultOptions {
  readonly keys: PersonalKeyStore;
  /** FANGYI_MASTER_KEY: wraps every data key in the key table. */
  readonly masterKey: Buffer;
}

/**
 * The vault over a key table. Data keys are not cached: a forget on any instance takes effect on
 * every instance at the next read.
 */
export function createVault(options: VaultOptions): PersonalDataVault {
  const { keys, masterKey } = options;
  if (masterKey.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes`);

  /** Opens values with the wrapped keys found, unwrapping each subject's key once. */
  const openWithKeys = (
    values: readonly string[],
    found: Map<string, string>,
  ): (string | null)[] => {
    const dataKeys = new Map<string, Buffer>();
    return values.map((value) => {
      const subject = sealedSubject(value);
      if (subject === null) return value;
      const wrapped = found.get(subject);
      if (wrapped === undefined) return null;
      let dataKey = dataKeys.get(subject);
      if (!dataKey) dataKeys.set(subject, (dataKey = unwrapKey(masterKey, subject, wrapped)));
      return openWith(dataKey, value);
    });
  };

  /** The subject's data key, made on first use. */
  const dataKeyOf = async (subject: string): Promise<Buffer> =>
    unwrapKey(
      masterKey,
      subject,
      await keys.putIfAbsent(subject, wrapKey(masterKey, subject, randomBytes(KEY_BYTES))),
    );

  const sealAll = async (subject: string, plaintexts: readonly string[]): Promise<string[]> => {
    const dataKey = await dataKeyOf(subject);
    return plaintexts.map((p) => sealWith(dataKey, subject, p));
  };

  return {
    seal: async (subject, plaintext) => (await sealAll(subject, [plaintext]))[0]!,
    sealAll,
    async sealStable(subject, plaintext) {
      const dataKey = await dataKeyOf(subject);
      const iv = createHmac('sha256', dataKey)
        .update('iv\0')
        .update(plaintext, 'utf8')
        .digest()
        .subarray(0, IV_BYTES);
      return sealWith(dataKey, subject, plaintext, iv);
    },
    async open(value) {
      const subject = sealedSubject(value);
      if (subject === null) return value;
      return openWithKeys([value], await keys.get([subject]))[0]!;
    },
    async openAll(values) {
      const subjects = values.filter(isSealed).map((v) => sealedSubject(v)!);
      const found = subjects.length > 0 ? await keys.get(subjects) : new Map<string, string>();
      return openWithKeys(values, found);
    },
    forget: (subject) => keys.delete(subject),
    has: async (subject) => (await keys.get([subject])).has(subject),
  };
}

/** What a service needs to seal and open personal values, opened from its configuration (privacyConfig). */
export interface Privacy {
  readonly vault: PersonalDataVault;
  /** FANGYI_RESERVATION_KEY: names reservations and the subjects of ID and phone numbers. */
  readonly namingKey: Buffer;
  readonly keys: PersonalKeyStore;
}

/**
 * The key table beside the events (the same PostgreSQL schema), unless FANGYI_KEYS_URL says
 * elsewhere; every service that seals opens the same table, so a forget reaches all of them.
 */
export async function openPrivacy(config: {
  readonly EVENT_STORE_URL: string;
  readonly FANGYI_SCHEMA: string;
  readonly FANGYI_KEYS_URL?: string | undefined;
  readonly FANGYI_MASTER_KEY: string;
  readonly FANGYI_RESERVATION_KEY: string;
}): Promise<Privacy> {
  const keys = await openPersonalKeys(config.FANGYI_KEYS_URL ?? config.EVENT_STORE_URL, {
    schema: config.FANGYI_SCHEMA,
  });
  return {
    keys,
    vault: createVault({
      keys,
      masterKey: parseKey(config.FANGYI_MASTER_KEY, 'FANGYI_MASTER_KEY'),
    }),
    namingKey: parseKey(config.FANGYI_RESERVATION_KEY, 'FANGYI_RESERVATION_KEY'),
  };
}
