import { z } from 'zod';

// What people type into Fangyi: names (of people, checkpoints, places, hospitals, staff) and free
// text (notes, reasons, descriptions, replies). One builder for each, used by every command schema,
// so a name that cannot be told apart from another on screen (a zero-width space, a right-to-left
// override) never gets in anywhere. Event schemas do not use these: history already recorded must
// replay whatever it holds.

const cp = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Reorder text on screen: "‮gpj.exe" shows as "exe.jpg". */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Invisible characters that make two names look alike. */
const ZERO_WIDTH = /[\u00AD\u180E\u200B-\u200D\u2060-\u2064\uFEFF]/u;
/** C0 and C1 controls: the bell, escape, NUL, newlines and tabs. */
const CONTROL = /\p{Cc}/u;
/** Other format, private-use and separator characters (Cf beyond the above, Co, Zl, Zp). */
const OTHER_INVISIBLE = /[\p{Cf}\p{Co}\u2028\u2029]/u;
/** Pictographs, skin-tone modifiers and flags. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each code point is refused on its own (a keycap or variation selector alone is as unwelcome in a name as with its base)
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u20E3\uFE0F]/u;

/** Why a name is not acceptable, or null. Expects an NFC-normalized, trimmed string. */
export function nameProblem(value: string): string | null {
  if (!value.isWellFormed()) return 'contains an unpaired surrogate (not valid Unicode)';
  for (const ch of value) {
    if (CONTROL.test(ch)) return `contains a control character (${cp(ch)})`;
    if (BIDI_CONTROL.test(ch)) return `contains a bidirectional control character (${cp(ch)})`;
    if (ZERO_WIDTH.test(ch)) return `contains a zero-width character (${cp(ch)})`;
    if (OTHER_INVISIBLE.test(ch)) return `contains an invisible character (${cp(ch)})`;
    if (EMOJI.test(ch)) return `contains an emoji or pictograph (${cp(ch)})`;
  }
  return null;
}

/**
 * Why free text is not acceptable, or null. Newlines are kept (notes run over several lines), and
 * so are emoji and the joiners emoji sequences need; other controls and bidi controls are not.
 */
export function freeTextProblem(value: string): string | null {
  if (!value.isWellFormed()) return 'contains an unpaired surrogate (not valid Unicode)';
  for (const ch of value) {
    if (ch === '\n') continue;
    if (CONTROL.test(ch)) return `contains a control character (${cp(ch)})`;
    if (BIDI_CONTROL.test(ch)) return `contains a bidirectional control character (${cp(ch)})`;
    if (ch === '\u2028' || ch === '\u2029')
      return `contains a line or paragraph separator (${cp(ch)}); use a newline`;
  }
  return null;
}

/**
 * A name: NFC-normalized ("e\u0301" is stored as "é"), trimmed, 1..max characters, and none of:
 * control, zero-width, bidi-control or other invisible characters, unpaired surrogates, emoji.
 */
export function nameSchema(max = 100) {
  return z
    .string()
    .normalize('NFC')
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .superRefine((value, ctx) => {
      const problem = nameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/**
 * Free text (a note, a reason, a description): NFC-normalized, trimmed, Windows line ends made
 * "\n", at most max characters (at least `min`, default 0). Emoji and newlines are kept; other
 * control characters, bidi controls and unpaired surrogates are refused.
 */
export function freeTextSchema(max: number, options: { min?: number } = {}) {
  return z
    .string()
    .overwrite((v) => v.replace(/\r\n?/g, '\n'))
    .normalize('NFC')
    .trim()
    .min(options.min ?? 0, 'must not be empty')
    .max(max)
    .superRefine((value, ctx) => {
      const problem = freeTextProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
