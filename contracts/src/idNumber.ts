import { z } from 'zod';

// PRC resident identity numbers (公民身份号码, GB 11643-1999): one rule for every place an ID number
// comes in (registration, a crossing or refusal at a checkpoint), so a number typed at the gate is
// the same string as the one registered and can be matched to the person.

export const ID_NUMBER_PATTERN = /^\d{17}[\dX]$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** The check character (ISO 7064 MOD 11-2) of the first 17 digits. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_CHARS[sum % 11]!;
}

/** What an 18-character ID number says about its holder: birth date (digits 7–14) and sex (digit 17: odd is male). */
export function idNumberFacts(idNumber: string): { birthDate: string; sex: 'male' | 'female' } {
  const b = idNumber.slice(6, 14);
  return {
    birthDate: `${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`,
    sex: Number(idNumber[16]) % 2 === 1 ? 'male' : 'female',
  };
}

const isCalendarDate = (date: string) => z.iso.date().safeParse(date).success;

/**
 * An ID number as it comes in: full-width digits and letters (typed with a Chinese input method)
 * become ASCII (NFKC), surrounding spaces go, and a lower-case x becomes the X that GB 11643 and the
 * card itself print, so `…123x` and `…123X` are one number. Then: 18 characters, 17 digits and a
 * check character; a real birth date from 1900 on; the right check character. The old 15-digit
 * numbers (retired in 2013) are not taken.
 */
export const IdNumberSchema = z
  .string()
  .normalize('NFKC')
  .trim()
  .toUpperCase()
  .regex(ID_NUMBER_PATTERN, 'must be an 18-character ID number: 17 digits, then a digit or X')
  // Zod runs every check; the later ones speak only about a value of the right shape.
  .refine(
    (v) =>
      !ID_NUMBER_PATTERN.test(v) ||
      (isCalendarDate(idNumberFacts(v).birthDate) && idNumberFacts(v).birthDate >= '1900-01-01'),
    'the birth date in the ID number is not a real date',
  )
  .refine(
    (v) => !ID_NUMBER_PATTERN.test(v) || idNumberCheckChar(v.slice(0, 17)) === v[17],
    'the check character of the ID number is wrong',
  );

/**
 * An ID number as events have recorded it. History from before the shared rule may hold a 15-digit
 * number, a lower-case x or a wrong check character; it must still replay, so events only check the shape.
 */
export const RecordedIdNumberSchema = z
  .string()
  .regex(/^(\d{15}|\d{17}[\dXx])$/, 'must be a 15- or 18-character ID number');
