import { describe, expect, it } from 'vitest';
import { IdNumberSchema, RecordedIdNumberSchema, idNumberCheckChar } from './idNumber.ts';
import { OpenCheckpointSchema, RecordCrossingSchema, RecordRefusalSchema } from './checkpoints.ts';
import { FileComplaintSchema } from './complaints.ts';
import { LogSymptomCheckSchema } from './quarantine.ts';
import { RegisterPersonSchema } from './residents.ts';
import { freeTextSchema, nameSchema } from './text.ts';

const name = nameSchema(100);
const note = freeTextSchema(500);
const issue = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.success ? null : r.error!.issues[0]!.message;

describe('names', () => {
  it('are NFC-normalized and trimmed: "e\\u0301" is stored as "é"', () => {
    expect(name.parse('  Ren\u0065\u0301e 李四  ')).toBe('Renée 李四');
    expect(name.parse('e\u0301')).toBe('\u00e9');
  });

  it.each([
    ['a zero-width space', '张\u200B三', 'zero-width character (U+200B)'],
    ['a right-to-left override', '张三\u202E', 'bidirectional control character (U+202E)'],
    ['a bell', '张\u0007三', 'control character (U+0007)'],
    ['a newline', '张\n三', 'control character (U+000A)'],
    ['a lone surrogate', '张\uD800三', 'unpaired surrogate'],
    ['an emoji', '张三😀', 'emoji or pictograph (U+1F600)'],
    ['a flag', '张三🇨🇳', 'emoji or pictograph (U+1F1E8)'],
    ['a byte-order mark inside', '张\uFEFF三', 'zero-width character (U+FEFF)'],
  ])('refuse %s', (_what, value, message) => {
    expect(issue(name.safeParse(value))).toContain(message);
  });

  it('keep what real names hold: Chinese, a middle dot, Latin letters with accents, digits in a place', () => {
    for (const n of ['阿卜杜·热合曼', 'José Ñúñez', '张村东卡口', '3号楼 2单元'])
      expect(name.parse(n)).toBe(n);
  });

  it('must not be empty once trimmed', () => {
    expect(name.safeParse('   ').success).toBe(false);
  });
});

describe('free text', () => {
  it('keeps emoji, emoji sequences and newlines; makes Windows line ends "\\n"', () => {
    expect(note.parse(' 已送菜😀\r\n明天再来 👨‍👩‍👧 ')).toBe('已送菜😀\n明天再来 👨‍👩‍👧');
  });

  it.each([
    ['a bell', '已送\u0007菜', 'control character (U+0007)'],
    ['a tab', '已送\t菜', 'control character (U+0009)'],
    ['a right-to-left override', '已送\u202E菜', 'bidirectional control character (U+202E)'],
    ['a lone surrogate', '已送\uD800菜', 'unpaired surrogate'],
  ])('refuses %s', (_what, value, message) => {
    expect(issue(note.safeParse(value))).toContain(message);
  });
});

describe('the shared ID number rule (GB 11643)', () => {
  const first17 = '42010619900101123';
  const valid = first17 + idNumberCheckChar(first17);
  const withX = '11010519491231002X';

  it('takes a correct 18-character number; a lower-case x becomes X; full-width digits become ASCII', () => {
    expect(IdNumberSchema.parse(valid)).toBe(valid);
    expect(IdNumberSchema.parse(withX.toLowerCase())).toBe(withX);
    expect(IdNumberSchema.parse('１１０１０５１９４９１２３１００２ｘ')).toBe(withX);
  });

  it('refuses a wrong check character, a non-date, 15 digits and hidden characters', () => {
    const wrong = first17 + (idNumberCheckChar(first17) === '0' ? '1' : '0');
    expect(issue(IdNumberSchema.safeParse(wrong))).toBe(
      'the check character of the ID number is wrong',
    );
    expect(issue(IdNumberSchema.safeParse('420106199013011234'))).toBe(
      'the birth date in the ID number is not a real date',
    );
    expect(IdNumberSchema.safeParse('420106900101123').success).toBe(false);
    expect(IdNumberSchema.safeParse(`${valid.slice(0, 6)}\u200B${valid.slice(6)}`).success).toBe(
      false,
    );
  });

  it('is the rule of every command that takes an ID number: registration, crossing, refusal', () => {
    const wrong = first17 + (idNumberCheckChar(first17) === '0' ? '1' : '0');
    const paths = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
      r.success ? [] : r.error!.issues.map((i) => i.path.join('.'));
    expect(
      paths(
        RegisterPersonSchema.safeParse({
          householdId: 'h',
          name: '张三',
          idNumber: wrong,
          phone: '13800000000',
          registration: 'local',
        }),
      ),
    ).toContain('idNumber');
    expect(
      paths(
        RecordCrossingSchema.safeParse({
          idNumber: wrong,
          temperatureC: 36.5,
          passValid: true,
          at: '2020-01-29T10:00:00+08:00',
        }),
      ),
    ).toEqual(['idNumber']);
    expect(
      paths(
        RecordRefusalSchema.safeParse({
          idNumber: wrong,
          reason: 'no-pass',
          note: '',
          at: '2020-01-29T10:00:00+08:00',
        }),
      ),
    ).toEqual(['idNumber']);
  });

  it('events still replay what they recorded before the rule', () => {
    expect(RecordedIdNumberSchema.safeParse('420106900101123').success).toBe(true);
  });
});

describe('the builders are used where names and notes come in', () => {
  it.each([
    [
      'a checkpoint name',
      () =>
        OpenCheckpointSchema.safeParse({
          name: '东门\u200B',
          location: '东',
          kind: 'road',
          communities: ['zhangcun'],
        }),
      'name',
    ],
    [
      'a checkpoint location',
      () =>
        OpenCheckpointSchema.safeParse({
          name: '东门',
          location: '东\u202E',
          kind: 'road',
          communities: ['zhangcun'],
        }),
      'location',
    ],
    [
      'a person at a crossing',
      () =>
        RecordCrossingSchema.safeParse({
          name: '访客😀',
          temperatureC: 36.5,
          passValid: true,
          at: '2020-01-29T10:00:00+08:00',
        }),
      'name',
    ],
    [
      'a symptom note',
      () =>
        LogSymptomCheckSchema.safeParse({
          date: '2020-01-29',
          slot: 'am',
          temperatureC: 36.5,
          reachedVia: 'phone',
          symptomNote: '咳\u0007',
        }),
      'symptomNote',
    ],
    [
      'a complaint description',
      () =>
        FileComplaintSchema.safeParse({
          channel: 'phone',
          category: 'other',
          community: 'kutao',
          description: '噪音\u202E',
          reporter: { anonymous: true },
          receivedAt: '2020-01-29T10:00:00+08:00',
        }),
      'description',
    ],
    [
      'a reporter name',
      () =>
        FileComplaintSchema.safeParse({
          channel: 'phone',
          category: 'other',
          community: 'kutao',
          description: '噪音',
          reporter: { anonymous: false, name: '\uD800', phone: '13800000000' },
          receivedAt: '2020-01-29T10:00:00+08:00',
        }),
      'reporter.name',
    ],
  ])('%s', (_what, parse, path) => {
    const r = parse();
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual([path]);
  });
});
