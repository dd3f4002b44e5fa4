import { describe, expect, it } from 'vitest';
import { DomainError, parseJsonBody } from '../src/index.ts';

function refusal(text: string): {
  code: string;
  fields: readonly { field: string }[];
  detail: string | undefined;
} {
  try {
    parseJsonBody(text);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const e = error as DomainError;
    return { code: e.code, fields: e.fields, detail: e.detail };
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseJsonBody', () => {
  it('accepts plain JSON, the same key in different objects, and keys that only look alike', () => {
    expect(
      parseJsonBody(
        '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}],"s":"\\"a\\":1,\\"a\\":2","__proto":0}',
      ),
    ).toEqual({
      a: 1,
      b: { a: 2 },
      c: [{ a: 3 }, { a: 4 }],
      s: '"a":1,"a":2',
      __proto: 0,
    });
    expect(parseJsonBody('[1,2]')).toEqual([1, 2]);
  });

  it('names a key that reaches the prototype, at whatever depth and however escaped', () => {
    expect(refusal('{"__proto__":{"role":"admin"}}')).toMatchObject({
      code: 'FORBIDDEN_KEY',
      fields: [{ field: 'body.__proto__' }],
    });
    expect(refusal('{"a":{"constructor":{"prototype":{}}}}')).toMatchObject({
      code: 'FORBIDDEN_KEY',
      fields: [{ field: 'body.a.constructor' }],
    });
    expect(refusal('{"items":[{"x":1},{"\\u005f_proto__":1}]}')).toMatchObject({
      code: 'FORBIDDEN_KEY',
      fields: [{ field: 'body.items.1.__proto__' }],
    });
  });

  it('refuses a key given twice in one object, naming its path', () => {
    expect(refusal('{"temperatureC":36.5,"temperatureC":39}')).toMatchObject({
      code: 'DUPLICATE_KEY',
      fields: [{ field: 'body.temperatureC' }],
    });
    expect(refusal('{"a":[0,{"b":{"c":1,"d":[],"c":2}}]}')).toMatchObject({
      code: 'DUPLICATE_KEY',
      fields: [{ field: 'body.a.1.b.c' }],
    });
    // Escapes do not hide a duplicate.
    expect(refusal('{"ab":1,"a\\u0062":2}')).toMatchObject({
      code: 'DUPLICATE_KEY',
      fields: [{ field: 'body.ab' }],
    });
  });

  it('answers bad syntax with its position, never with the text around it', () => {
    const r = refusal('{"token":"eyJhbGciOi.secret.part", oops}');
    expect(r.code).toBe('MALFORMED_JSON');
    expect(r.fields).toEqual([
      { field: 'body', message: expect.stringMatching(/^not valid JSON( at position \d+)?$/) },
    ]);
    expect(JSON.stringify(r)).not.toContain('secret');
    expect(refusal('   ')).toMatchObject({ code: 'MALFORMED_JSON', fields: [{ field: 'body' }] });
  });
});
