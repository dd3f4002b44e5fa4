import { DomainError } from './errors.ts';

/** Keys that reach the prototype chain when a parsed body is later merged or spread. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Frame =
  | {
      readonly kind: 'object';
      readonly path: string;
      readonly keys: Set<string>;
      key: string | null;
    }
  | { readonly kind: 'array'; readonly path: string; index: number };

const join = (path: string, part: string | number) => `${path}.${String(part)}`;

/**
 * Parses a request body as JSON, refusing what JSON.parse lets through: a key that can pollute
 * prototypes (`__proto__`, `constructor`, `prototype`, however escaped) and a key given twice in
 * one object (JSON.parse keeps the last, so a reviewer and the service could read different
 * values). Each refusal names the key's path, `body.a.b`; a syntax error names its position only,
 * never the text around it.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new DomainError('MALFORMED_JSON', 'the body is empty', [
      { field: 'body', message: 'empty; send a JSON document' },
    ]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    const where =
      position === undefined ? 'not valid JSON' : `not valid JSON at position ${position}`;
    throw new DomainError('MALFORMED_JSON', `the body is ${where}`, [
      { field: 'body', message: where },
    ]);
  }
  checkKeys(text);
  return value;
}

/** Walks text already known to be valid JSON, tracking the path of every key. */
function checkKeys(text: string): void {
  const stack: Frame[] = [];
  const pathHere = (): string => {
    const top = stack.at(-1);
    if (!top) return 'body';
    return top.kind === 'array' ? join(top.path, top.index) : join(top.path, top.key ?? '');
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') {
      stack.push({ kind: 'object', path: pathHere(), keys: new Set(), key: null });
    } else if (c === '[') {
      stack.push({ kind: 'array', path: pathHere(), index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'array') top.index++;
      else if (top) top.key = null;
    } else if (c === '"') {
      const end = endOfString(text, i);
      const top = stack.at(-1);
      if (top?.kind === 'object' && top.key === null) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const field = join(top.path, key);
        if (FORBIDDEN_KEYS.has(key))
          throw new DomainError('FORBIDDEN_KEY', `${field} is a key that is never accepted`, [
            { field, message: 'forbidden key' },
          ]);
        if (top.keys.has(key))
          throw new DomainError('DUPLICATE_KEY', `${field} is given twice`, [
            { field, message: 'given more than once' },
          ]);
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    }
  }
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i;
  }
  return text.length - 1;
}
