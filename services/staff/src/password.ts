import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are kept only as salted scrypt hashes (RFC 7914) from node:crypto: no native module.
 * N = 2^15, r = 8, p = 1 takes about 50–100 ms and 32 MiB on this kind of machine, which makes an
 * offline guess of a 10-character password costly while a sign-in still feels instant.
 */
const DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_BYTES,
      { ...options, maxmem: 128 * (options.N ?? 0) * (options.r ?? 0) * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export interface HashOptions {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** `scrypt$N$r$p$salt$hash` (base64url), with a fresh random salt. */
export async function hashPassword(
  password: string,
  options: HashOptions = DEFAULTS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, options);
  return `scrypt$${options.N}$${options.r}$${options.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** A hash of a password no one knows, checked when a login name is unknown, so both answers take as long. */
let decoy: Promise<string> | undefined;

/** True when the password matches the hash; compared in constant time. */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const stored = hash ?? (await (decoy ??= hashPassword(randomBytes(16).toString('base64url'))));
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await derive(password, Buffer.from(m[4]!, 'base64url'), {
    N: Number(m[1]),
    r: Number(m[2]),
    p: Number(m[3]),
  });
  return hash !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
}
