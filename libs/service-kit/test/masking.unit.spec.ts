import { describe, expect, it } from 'vitest';
import { ROLES } from '@fangyi/contracts';
import {
  CLEAR_BY_ROLE,
  MASK_ALL,
  maskAnswer,
  maskIdNumber,
  maskPhone,
  maskPolicyFor,
  revealed,
} from '../src/index.ts';

const ID = '370202199001011234';
const PHONE = '13912345678';
const person = {
  personId: 'p1',
  name: '刘伟',
  idNumber: ID,
  phone: PHONE,
  birthDate: '1990-01-01',
  sex: 'male',
};

describe('the masking policy table', () => {
  it('lists every role, so a new one must say what it sees', () => {
    expect(Object.keys(CLEAR_BY_ROLE).sort()).toEqual([...ROLES].sort());
  });

  it.each([
    ['registrar', ID, PHONE, '1990-01-01'],
    ['admin', ID, PHONE, '1990-01-01'],
    ['caller', '3702**********1234', PHONE, null],
    ['checkpoint-staff', '3702**********1234', '139****5678', null],
    ['complaint-handler', '3702**********1234', '139****5678', null],
    ['report-officer', '3702**********1234', '139****5678', null],
    ['analyst', '3702**********1234', '139****5678', null],
    ['system', '3702**********1234', '139****5678', null],
  ] as const)(
    '%s reads ID number %s, phone %s, birth date %s',
    (role, idNumber, phone, birthDate) => {
      expect(maskAnswer(person, maskPolicyFor(role))).toEqual({
        ...person,
        idNumber,
        phone,
        birthDate,
      });
    },
  );
});

describe('maskAnswer', () => {
  it('masks by field name at any depth: lists, event data in a history, nested reporters', () => {
    const answer = {
      items: [
        { reporter: { anonymous: false, name: '张伟', phone: PHONE } },
        { reporterPhone: PHONE },
      ],
      history: [{ type: 'residents.person-registered', data: { ...person } }],
    };
    expect(maskAnswer(answer, MASK_ALL)).toEqual({
      items: [
        { reporter: { anonymous: false, name: '张伟', phone: '139****5678' } },
        { reporterPhone: '139****5678' },
      ],
      history: [
        {
          type: 'residents.person-registered',
          data: {
            ...person,
            idNumber: '3702**********1234',
            phone: '139****5678',
            birthDate: null,
          },
        },
      ],
    });
  });

  it("never changes the answer it is given (it may be a read model's own document)", () => {
    const doc = { people: [{ ...person }] };
    const before = structuredClone(doc);
    maskAnswer(doc, MASK_ALL);
    expect(doc).toEqual(before);
  });

  it('copies only the parts with something to mask: the rest of the answer is passed through', () => {
    const plain = { caseId: 'c-1', checks: { '2020-02-10': { am: { temperatureC: 36.5 } } } };
    const page = { items: [plain, { ...plain, contact: { phone: PHONE } }], next: null };
    const masked = maskAnswer(page, maskPolicyFor('report-officer')) as typeof page & {
      items: [typeof plain, { contact: { phone: string } }];
    };
    expect(masked).not.toBe(page);
    expect(masked.items[0]).toBe(plain);
    expect(masked.items[1].contact.phone).toBe('139****5678');
    expect(page.items[1]).toEqual({ ...plain, contact: { phone: PHONE } });
    // Nothing to mask for this reader: the very same answer.
    expect(maskAnswer(page, maskPolicyFor('registrar'))).toBe(page);
  });

  it('shows a value it cannot mask (not a string) as null, and keeps null and absent values', () => {
    expect(
      maskAnswer(
        { idNumber: { ciphertext: 'x' }, phone: 13912345678, a: { phone: null } },
        MASK_ALL,
      ),
    ).toEqual({ idNumber: null, phone: null, a: { phone: null } });
  });

  it('unwraps a revealed value in clear, and only that one', () => {
    const answer = { reporter: { phone: revealed(PHONE) }, other: { phone: PHONE } };
    expect(maskAnswer(answer, MASK_ALL)).toEqual({
      reporter: { phone: PHONE },
      other: { phone: '139****5678' },
    });
    // Serialized without the hook, a revealed value shows nothing.
    expect(JSON.stringify(revealed(PHONE))).toBe('{}');
  });

  it('serializes as JSON would: dates by toJSON, a "__proto__" key stays a key', () => {
    const parsed = JSON.parse('{"__proto__":{"phone":"13912345678"},"at":null}') as Record<
      string,
      unknown
    >;
    parsed.at = new Date('2020-01-01T00:00:00Z');
    const masked = maskAnswer(parsed, MASK_ALL) as Record<string, unknown>;
    expect(JSON.stringify(masked)).toBe(
      '{"__proto__":{"phone":"139****5678"},"at":"2020-01-01T00:00:00.000Z"}',
    );
    expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
  });

  it('masks short values entirely', () => {
    expect(maskIdNumber('1234')).toBe('****');
    expect(maskPhone('12345')).toBe('*****');
  });
});
